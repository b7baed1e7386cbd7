"""Flow metrics and the work map of the Jira site, computed from the generator's own records.

Follows ../shared/spec/metrics.md sections 3 and 4 with the default mapping rules:
- flow type from the issue type and labels (feature, defect, risk, debt; epics and
  sub-tasks are not flow items; anything else is `unclassified`);
- flow state from the status category and name (the workflow's first status and
  backlog-like names -> new, other To Do -> waiting, In Progress -> active unless the name
  says the work waits, Done -> done unless the resolution cancels it), and an item counts
  as waiting while flagged.
Per value stream and ISO week (Monday, cut in the stream's time zone):
- `flow_weekly`: velocity by type, distribution, flow time median/p85/p95/mean, the
  time-weighted flow efficiency, flow load (mean of the week's end-of-day counts);
- `work_map`: per status stage, visits ended in the week, lead and process time (median
  and sum), median wait, %C&A; `work_map_summary`: totals, activity ratio, rolled %C&A and
  the bottleneck. Stage order is workflow order (a status's smallest position across the
  stream's projects, then its id).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.sandbox.jira.model import (
    DONE,
    FLAG,
    IN_PROGRESS,
    RESOLUTIONS,
    STATUS,
    TO_DO,
    UNFLAG,
    Issue,
    JiraData,
)

FLOW_TYPE_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("feature", ("story", "feature", "requirement", "improvement")),
    ("defect", ("bug", "defect", "problem")),
    ("risk", ("security", "vulnerability", "compliance")),
    ("debt", ("tech debt", "chore", "refactor")),
)
NON_FLOW_TYPES = frozenset({"epic", "sub-task", "subtask"})
FLOW_TYPES = ("feature", "defect", "risk", "debt", "unclassified")
WAITING_NAMES = re.compile(r"blocked|waiting|awaiting|ready for|on hold|queue", re.IGNORECASE)
BACKLOG_NAMES = frozenset({"backlog", "open", "new", "to triage"})
CANCELING_RESOLUTIONS = frozenset({"won't do", "duplicate", "cancelled", "declined"})
LOAD_STATES = frozenset({"active", "waiting"})


def flow_type(issue_type: str, labels: tuple[str, ...] | list[str] = ()) -> str | None:
    """The flow item type by the default ordered rules; None for epics and sub-tasks."""
    kind = issue_type.lower()
    if kind in NON_FLOW_TYPES:
        return None
    texts = [kind] + [label.lower().replace("-", " ").replace("_", " ") for label in labels]
    for name, words in FLOW_TYPE_RULES:
        if any(word in text for text in texts for word in words):
            return name
    return "unclassified"


def flow_state(name: str, category: str, is_first: bool, resolution: str | None = None) -> str:
    """The default flow state of a status (Jira category key: new, indeterminate, done)."""
    if category == TO_DO:
        return "new" if is_first or name.lower() in BACKLOG_NAMES else "waiting"
    if category == IN_PROGRESS:
        return "waiting" if WAITING_NAMES.search(name) else "active"
    if resolution is not None and resolution.lower() in CANCELING_RESOLUTIONS:
        return "canceled"
    return "done"


def percentile(values: list[float], q: float) -> float | None:
    """Continuous percentile (percentile_cont): linear between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def local_week(ts: int, tz: ZoneInfo) -> date:
    day = datetime.fromtimestamp(ts, tz).date()
    return day - timedelta(days=day.weekday())


@dataclass
class Visit:
    status_id: int
    state: str
    entered: int
    exited: int | None
    flagged: int  # seconds flagged during the visit


@dataclass
class FlowItem:
    key: str
    value_stream_id: str
    team_id: str
    flow_type: str
    work_start: int | None
    completion: int | None
    canceled: bool
    active_s: float
    visits: list[Visit]
    load_periods: list[tuple[int, int]]  # [start, end) in active or waiting (end may be +inf)

    @property
    def flow_time_s(self) -> float | None:
        if self.work_start is None or self.completion is None:
            return None
        return float(self.completion - self.work_start)


def analyse_item(issue: Issue, data: JiraData, as_of: int) -> FlowItem | None:
    """Status visits, work start, completion and active time of one flow item."""
    kind = flow_type(issue.issue_type, issue.labels)
    if kind is None or issue.created_ts > as_of:
        return None
    project = data.project(issue.project_key)
    first = project.workflow[0] if project else issue.initial_status

    def state_of(status_id: int, resolution: int) -> str:
        status = data.statuses[status_id]
        return flow_state(
            status.name, status.category, status_id == first, RESOLUTIONS.get(resolution)
        )

    visits: list[Visit] = []
    flags: list[tuple[int, int]] = []
    current = Visit(issue.initial_status, state_of(issue.initial_status, 0), issue.created_ts,
                    None, 0)  # fmt: skip
    flag_on: int | None = None
    for ts, kind_code, _a, b, c in issue.histories():
        if ts > as_of:
            break
        if kind_code == STATUS:
            current.exited = ts
            visits.append(current)
            current = Visit(b, state_of(b, c), ts, None, 0)
        elif kind_code == FLAG:
            flag_on = ts if flag_on is None else flag_on
        elif kind_code == UNFLAG and flag_on is not None:
            flags.append((flag_on, ts))
            flag_on = None
    visits.append(current)
    if flag_on is not None:
        flags.append((flag_on, as_of))
    for visit in visits:
        end = visit.exited if visit.exited is not None else as_of
        visit.flagged = sum(max(0, min(end, f1) - max(visit.entered, f0)) for f0, f1 in flags)
    canceled = visits[-1].state == "canceled"
    work_start = next((v.entered for v in visits if v.state in LOAD_STATES), None)
    completion = visits[-1].entered if visits[-1].state == "done" else None
    if completion is not None:
        # the last entry into done (an item re-done after a reopen completes once, last)
        completion = max(v.entered for v in visits if v.state == "done")
    active = 0.0
    if work_start is not None and completion is not None:
        for v in visits:
            if v.state != "active" or v.exited is None:
                continue
            lo, hi = max(v.entered, work_start), min(v.exited, completion)
            if hi > lo:
                active += hi - lo - sum(max(0, min(hi, f1) - max(lo, f0)) for f0, f1 in flags)
    periods: list[tuple[int, int]] = []
    for v in visits:
        if v.state in LOAD_STATES:
            periods.append((v.entered, v.exited if v.exited is not None else 2**62))
    return FlowItem(
        key=issue.key,
        value_stream_id=issue.value_stream_id,
        team_id=issue.team_id,
        flow_type=kind,
        work_start=work_start,
        completion=completion,
        canceled=canceled,
        active_s=active,
        visits=visits,
        load_periods=periods,
    )


@dataclass
class JiraTruth:
    as_of: int
    items: list[FlowItem] = field(default_factory=list)
    flow_weekly: list[dict[str, Any]] = field(default_factory=list)
    flow_load_daily: list[dict[str, Any]] = field(default_factory=list)
    work_map: list[dict[str, Any]] = field(default_factory=list)
    work_map_summary: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "flow_weekly": self.flow_weekly,
            "flow_load_daily": self.flow_load_daily,
            "work_map": self.work_map,
            "work_map_summary": self.work_map_summary,
        }

    def weekly(self, value_stream_id: str, week: date) -> dict[str, Any] | None:
        for row in self.flow_weekly:
            if row["value_stream_id"] == value_stream_id and row["week_start"] == week:
                return row
        return None


def stage_order(data: JiraData, value_stream_id: str) -> list[int]:
    """The stream's work-map stages (non-Done statuses) in workflow order."""
    rank: dict[int, int] = {}
    for project in data.projects:
        if project.value_stream_id != value_stream_id:
            continue
        for position, status_id in enumerate(project.workflow):
            if data.statuses[status_id].category == DONE:
                continue
            rank[status_id] = min(rank.get(status_id, position), position)
    return sorted(rank, key=lambda s: (rank[s], s))


def jira_truth(data: JiraData, as_of: int | None = None) -> JiraTruth:
    """Every flow and work-map metric of the site, per value stream and ISO week."""
    clock = data.now_ts if as_of is None else as_of
    truth = JiraTruth(as_of=clock)
    for issue in data.issues:
        item = analyse_item(issue, data, clock)
        if item is not None:
            truth.items.append(item)
    for stream_id, tz_name in data.stream_timezones.items():
        tz = ZoneInfo(tz_name)
        items = [i for i in truth.items if i.value_stream_id == stream_id and not i.canceled]
        _flow(truth, data, stream_id, tz, items, clock)
        _work_map(truth, data, stream_id, tz, items, clock)
    return truth


def _flow(
    truth: JiraTruth,
    data: JiraData,
    stream_id: str,
    tz: ZoneInfo,
    items: list[FlowItem],
    clock: int,
) -> None:
    # Flow load: items in active or waiting at the end of each local day.
    starts = sorted(p[0] for i in items for p in i.load_periods)
    ends = sorted(p[1] for i in items for p in i.load_periods)
    typed: dict[str, tuple[list[int], list[int]]] = {}
    for t in FLOW_TYPES:
        s = sorted(p[0] for i in items if i.flow_type == t for p in i.load_periods)
        e = sorted(p[1] for i in items if i.flow_type == t for p in i.load_periods)
        typed[t] = (s, e)
    day = datetime.fromtimestamp(data.start_ts, tz).date()
    last = datetime.fromtimestamp(clock, tz).date()
    loads: dict[date, list[int]] = {}
    in_flight_end: dict[date, dict[str, int]] = {}
    while day <= last:
        end_dt = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)
        end_ts = int(end_dt.timestamp())
        if end_ts > clock:
            break
        instant = end_ts - 1  # the last second of the local day
        count = bisect_right(starts, instant) - bisect_right(ends, instant)
        truth.flow_load_daily.append({"value_stream_id": stream_id, "day": day, "load": count})
        week = day - timedelta(days=day.weekday())
        loads.setdefault(week, []).append(count)
        in_flight_end[week] = {
            t: bisect_right(s, instant) - bisect_right(e, instant) for t, (s, e) in typed.items()
        }
        day += timedelta(days=1)
    completed: dict[date, list[FlowItem]] = {}
    for item in items:
        if item.completion is not None and item.work_start is not None:
            completed.setdefault(local_week(item.completion, tz), []).append(item)
    for week in sorted(set(loads) | set(completed)):
        done = completed.get(week, [])
        times = [i.flow_time_s for i in done if i.flow_time_s is not None]
        velocity = {t: sum(1 for i in done if i.flow_type == t) for t in FLOW_TYPES}
        total_flow = sum(times)
        days = loads.get(week, [])
        flight = in_flight_end.get(week, {})
        flight_total = sum(flight.values())
        truth.flow_weekly.append(
            {
                "value_stream_id": stream_id,
                "week_start": week,
                "velocity": len(done),
                "velocity_by_type": velocity,
                "distribution": (
                    {t: velocity[t] / len(done) for t in FLOW_TYPES} if done else None
                ),
                "in_flight_by_type": flight,
                "distribution_in_flight": (
                    {t: flight[t] / flight_total for t in FLOW_TYPES} if flight_total else None
                ),
                "flow_time_count": len(times),
                "flow_time_median_s": percentile(times, 0.5),
                "flow_time_p85_s": percentile(times, 0.85),
                "flow_time_p95_s": percentile(times, 0.95),
                "flow_time_mean_s": total_flow / len(times) if times else None,
                "flow_efficiency": (
                    sum(i.active_s for i in done) / total_flow if total_flow > 0 else None
                ),
                "flow_load": sum(days) / len(days) if days else None,
                "load_days": len(days),
            }
        )


def _work_map(
    truth: JiraTruth,
    data: JiraData,
    stream_id: str,
    tz: ZoneInfo,
    items: list[FlowItem],
    clock: int,
) -> None:
    order = stage_order(data, stream_id)
    rank = {s: n for n, s in enumerate(order)}
    rows: dict[tuple[date, int], list[tuple[float, float, bool]]] = {}
    for item in items:
        visits = item.visits
        for n, visit in enumerate(visits):
            if visit.exited is None or visit.exited > clock or visit.status_id not in rank:
                continue
            lt = float(visit.exited - visit.entered)
            pt = lt - visit.flagged if visit.state == "active" else 0.0
            mine = rank[visit.status_id]
            came_back = any(
                later.status_id in rank and rank[later.status_id] <= mine
                for later in visits[n + 1 :]
            )
            week = local_week(visit.exited, tz)
            rows.setdefault((week, visit.status_id), []).append((lt, pt, not came_back))
    weeks = sorted({w for w, _ in rows})
    for week in weeks:
        stage_rows = []
        for status_id in order:
            visits = rows.get((week, status_id))
            if not visits:
                continue
            lts = [v[0] for v in visits]
            pts = [v[1] for v in visits]
            waits = [v[0] - v[1] for v in visits]
            row = {
                "value_stream_id": stream_id,
                "week_start": week,
                "stage": data.statuses[status_id].name,
                "status_id": status_id,
                "stage_order": rank[status_id],
                "visits": len(visits),
                "lt_median_s": percentile(lts, 0.5),
                "lt_sum_s": sum(lts),
                "pt_median_s": percentile(pts, 0.5),
                "pt_sum_s": sum(pts),
                "wait_median_s": percentile(waits, 0.5),
                "pct_complete_accurate": sum(1 for v in visits if v[2]) / len(visits),
            }
            stage_rows.append(row)
            truth.work_map.append(row)
        total_lt = sum(r["lt_sum_s"] for r in stage_rows)
        total_pt = sum(r["pt_sum_s"] for r in stage_rows)
        rolled = 1.0
        for r in stage_rows:
            rolled *= r["pct_complete_accurate"]
        bottleneck = max(stage_rows, key=lambda r: (r["wait_median_s"], -r["stage_order"]))
        truth.work_map_summary.append(
            {
                "value_stream_id": stream_id,
                "week_start": week,
                "total_lt_s": total_lt,
                "total_pt_s": total_pt,
                "total_lt_median_s": sum(r["lt_median_s"] for r in stage_rows),
                "total_pt_median_s": sum(r["pt_median_s"] for r in stage_rows),
                "activity_ratio": total_pt / total_lt if total_lt > 0 else None,
                "rolled_pct_complete_accurate": rolled,
                "bottleneck": bottleneck["stage"],
            }
        )
