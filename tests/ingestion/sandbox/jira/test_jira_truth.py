"""Flow metrics and the work map on a hand-built Jira history, values worked out by hand.

One project, one stream (UTC), workflow Backlog (new, first) -> Ready (To Do: waiting) ->
In Progress (active) -> Ready for QA (In Progress category, but the name says it waits)
-> Done. Week under test: Monday 2026-11-02 to Sunday 2026-11-08; as of 2026-11-09.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ingestion.sandbox.jira.model import (
    ASSIGNEE,
    DONE,
    FLAG,
    IN_PROGRESS,
    PRIORITY_CHANGE,
    RESOLUTION_DONE,
    RESOLUTION_WONT_DO,
    STATUS,
    TO_DO,
    UNFLAG,
    Issue,
    JiraData,
    Project,
    Status,
)
from ingestion.sandbox.jira.truth import flow_state, flow_type, jira_truth, percentile

H = 3600
BACKLOG, READY, IN_PROGRESS_ID, READY_FOR_QA, DONE_ID = 1, 2, 3, 4, 5


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def issue(key: str, issue_type: str, created: str, moves: list[tuple], labels=()) -> Issue:
    """moves: (time, "to", status, resolution) or (time, "flag"|"unflag")."""
    item = Issue(0, key, "APP", "team", "stream", issue_type, key, "Medium", tuple(labels),
                 "alice", "alice", ts(created), BACKLOG)  # fmt: skip
    status = BACKLOG
    for move in moves:
        if move[1] == "to":
            item.add(ts(move[0]), STATUS, status, move[2], move[3] if len(move) > 3 else 0)
            status = move[2]
        elif move[1] == "assign":
            item.add(ts(move[0]), ASSIGNEE, -1, 0)
        elif move[1] == "priority":
            item.add(ts(move[0]), PRIORITY_CHANGE, 3, 2)
        else:
            item.add(ts(move[0]), FLAG if move[1] == "flag" else UNFLAG)
    return item


def scenario() -> JiraData:
    statuses = {
        BACKLOG: Status(BACKLOG, "Backlog", TO_DO),
        READY: Status(READY, "Ready", TO_DO),
        IN_PROGRESS_ID: Status(IN_PROGRESS_ID, "In Progress", IN_PROGRESS),
        READY_FOR_QA: Status(READY_FOR_QA, "Ready for QA", IN_PROGRESS),
        DONE_ID: Status(DONE_ID, "Done", DONE),
    }
    project = Project(1, "APP", "App", "team", "stream",
                      (BACKLOG, READY, IN_PROGRESS_ID, READY_FOR_QA, DONE_ID), "alice")  # fmt: skip
    issues = [
        # A: a flagged period (12 h) inside In Progress.
        issue("APP-1", "Story", "2026-11-02T00:00", [
            ("2026-11-02T18:00", "to", READY),
            ("2026-11-03T00:00", "to", IN_PROGRESS_ID),
            ("2026-11-03T12:00", "flag"),
            ("2026-11-03T18:00", "assign"),  # other fields change while flagged
            ("2026-11-03T19:00", "priority"),
            ("2026-11-04T00:00", "unflag"),
            ("2026-11-04T12:00", "to", READY_FOR_QA),
            ("2026-11-05T00:00", "to", DONE_ID, RESOLUTION_DONE),
        ]),
        # B: a backward move from Ready for QA to In Progress (rework).
        issue("APP-2", "Bug", "2026-10-30T00:00", [
            ("2026-11-02T00:00", "to", IN_PROGRESS_ID),
            ("2026-11-02T12:00", "to", READY_FOR_QA),
            ("2026-11-03T00:00", "to", IN_PROGRESS_ID),
            ("2026-11-03T12:00", "to", READY_FOR_QA),
            ("2026-11-04T00:00", "to", DONE_ID, RESOLUTION_DONE),
        ]),
        # C: started and done in the week before, reopened and done again in the week.
        issue("APP-3", "Story", "2026-10-26T00:00", [
            ("2026-10-27T00:00", "to", IN_PROGRESS_ID),
            ("2026-10-28T00:00", "to", DONE_ID, RESOLUTION_DONE),
            ("2026-11-02T00:00", "to", IN_PROGRESS_ID),
            ("2026-11-02T06:00", "to", DONE_ID, RESOLUTION_DONE),
        ]),
        # D: cancelled ("Won't Do") after a day of work: leaves every metric.
        issue("APP-4", "Task", "2026-11-02T00:00", [
            ("2026-11-02T06:00", "to", IN_PROGRESS_ID),
            ("2026-11-03T06:00", "to", DONE_ID, RESOLUTION_WONT_DO),
        ], labels=("refactor",)),
        # F: a short one late in the week.
        issue("APP-5", "Story", "2026-11-06T00:00", [
            ("2026-11-06T06:00", "to", IN_PROGRESS_ID),
            ("2026-11-07T00:00", "to", DONE_ID, RESOLUTION_DONE),
        ]),
        # An epic and a sub-task are not flow items.
        issue("APP-6", "Epic", "2026-11-02T00:00", [("2026-11-02T01:00", "to", IN_PROGRESS_ID)]),
        issue("APP-7", "Sub-task", "2026-11-02T00:00", [
            ("2026-11-02T01:00", "to", IN_PROGRESS_ID),
            ("2026-11-02T02:00", "to", DONE_ID, RESOLUTION_DONE),
        ]),
    ]  # fmt: skip
    return JiraData(
        site="acme", seed=1, now_ts=ts("2026-11-09T00:00"), start_ts=ts("2026-10-26T00:00"),
        statuses=statuses, projects=[project], issues=issues, versions=[], bookings=[],
        accounts={}, stream_timezones={"stream": "UTC"},
    )  # fmt: skip


WEEK = date(2026, 11, 2)


@pytest.fixture(scope="module")
def truth():
    return jira_truth(scenario())


def test_default_mapping_rules():
    assert flow_type("Story") == "feature"
    assert flow_type("Bug", ("security",)) == "defect"  # rules are ordered
    assert flow_type("Security Vulnerability") == "risk"
    assert flow_type("Tech Debt") == "debt"
    assert flow_type("Task", ("refactor",)) == "debt"
    assert flow_type("Task", ("frontend",)) == "unclassified"
    assert flow_type("Epic") is None and flow_type("Sub-task") is None
    assert flow_state("Backlog", TO_DO, False) == "new"
    assert flow_state("Bereit", TO_DO, True) == "new"  # the workflow's first status
    assert flow_state("Selected for Development", TO_DO, False) == "waiting"
    assert flow_state("In Progress", IN_PROGRESS, False) == "active"
    assert flow_state("Awaiting Deploy", IN_PROGRESS, False) == "waiting"
    assert flow_state("Ready for QA", IN_PROGRESS, False) == "waiting"
    assert flow_state("Done", DONE, False, "Done") == "done"
    assert flow_state("Done", DONE, False, "Won't Do") == "canceled"
    assert flow_state("Erledigt", DONE, False, "Duplicate") == "canceled"


def test_percentile_is_continuous():
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile([], 0.5) is None
    assert percentile([18.0, 48.0, 54.0, 150.0], 0.85) == pytest.approx(106.8)


def test_items(truth):
    items = {i.key: i for i in truth.items}
    assert set(items) == {"APP-1", "APP-2", "APP-3", "APP-4", "APP-5"}
    a, c, d = items["APP-1"], items["APP-3"], items["APP-4"]
    assert a.work_start == ts("2026-11-02T18:00")  # entering Ready (waiting) starts work
    assert a.active_s == 24 * H  # 36 h In Progress minus 12 h flagged
    assert c.work_start == ts("2026-10-27T00:00")  # started before the window
    assert c.completion == ts("2026-11-02T06:00")  # completes once, at the last done
    assert c.active_s == 30 * H
    assert d.canceled and d.flow_type == "debt"


def test_flow_metrics_of_the_week(truth):
    row = truth.weekly("stream", WEEK)
    # completed: A 54 h, B 48 h, C 150 h, F 18 h (D cancelled, epic/sub-task not flow items)
    assert row["velocity"] == 4
    assert row["velocity_by_type"] == {
        "feature": 3, "defect": 1, "risk": 0, "debt": 0, "unclassified": 0
    }  # fmt: skip
    assert row["distribution"]["feature"] == 0.75
    assert row["flow_time_count"] == 4
    assert row["flow_time_median_s"] == 51 * H  # even count: mean of 48 h and 54 h
    assert row["flow_time_p85_s"] == pytest.approx(106.8 * H)  # 54 + 0.55 * 96
    assert row["flow_time_p95_s"] == pytest.approx(135.6 * H)  # 54 + 0.85 * 96
    assert row["flow_time_mean_s"] == 67.5 * H
    # active: A 24 h + B 24 h + C 30 h + F 18 h over 270 h of flow time
    assert row["flow_efficiency"] == pytest.approx(96 / 270)
    # end-of-day load Mon..Sun: 2, 2, 1, 0, 1, 0, 0
    assert row["flow_load"] == pytest.approx(6 / 7)
    assert row["load_days"] == 7


def test_week_before_has_no_completions(truth):
    row = truth.weekly("stream", date(2026, 10, 26))
    assert row["velocity"] == 0  # C was done then, but reopened: it completes later
    assert row["flow_time_median_s"] is None and row["flow_efficiency"] is None
    assert row["flow_load"] == pytest.approx(1 / 7)  # C in progress at the end of Oct 27


def test_work_map_of_the_week(truth):
    rows = {r["stage"]: r for r in truth.work_map if r["week_start"] == WEEK}
    assert [r["stage"] for r in sorted(rows.values(), key=lambda r: r["stage_order"])] == [
        "Backlog", "Ready", "In Progress", "Ready for QA"
    ]  # fmt: skip
    backlog, ready, progress, qa = (rows[s] for s in ("Backlog", "Ready", "In Progress",
                                                      "Ready for QA"))  # fmt: skip
    # Backlog visits ended in the week: A 18 h, B 72 h (entered the week before), F 6 h
    assert (backlog["visits"], backlog["lt_median_s"], backlog["lt_sum_s"]) == (3, 18 * H, 96 * H)
    assert backlog["pt_sum_s"] == 0 and backlog["pct_complete_accurate"] == 1.0
    assert (ready["visits"], ready["lt_sum_s"]) == (1, 6 * H)
    # In Progress: A 36 h (24 h active), B 12 h twice, C 6 h (after the reopen), F 18 h
    assert progress["visits"] == 5
    assert progress["lt_median_s"] == 12 * H and progress["lt_sum_s"] == 84 * H
    assert progress["pt_median_s"] == 12 * H and progress["pt_sum_s"] == 72 * H
    assert progress["wait_median_s"] == 0
    assert progress["pct_complete_accurate"] == 0.8  # B's first visit came back
    assert qa["visits"] == 3 and qa["lt_sum_s"] == 36 * H and qa["pt_sum_s"] == 0
    assert qa["pct_complete_accurate"] == pytest.approx(2 / 3)
    summary = next(r for r in truth.work_map_summary if r["week_start"] == WEEK)
    assert summary["total_lt_s"] == 222 * H and summary["total_pt_s"] == 72 * H
    assert summary["activity_ratio"] == pytest.approx(72 / 222)
    assert summary["rolled_pct_complete_accurate"] == pytest.approx(0.8 * 2 / 3)
    assert summary["bottleneck"] == "Backlog"  # median wait 18 h beats 12 h and 6 h


def test_reopened_item_first_visit_counts_in_its_own_week(truth):
    rows = {r["stage"]: r for r in truth.work_map if r["week_start"] == date(2026, 10, 26)}
    # C's first In Progress visit ended Oct 28 and the item came back to it later
    assert rows["In Progress"]["visits"] == 1
    assert rows["In Progress"]["pct_complete_accurate"] == 0.0
    assert rows["Backlog"]["visits"] == 1 and rows["Backlog"]["lt_sum_s"] == 24 * H


def test_as_of_hides_later_history():
    early = jira_truth(scenario(), as_of=ts("2026-11-04T06:00"))
    items = {i.key: i for i in early.items}
    assert items["APP-1"].completion is None  # still in Ready for QA then
    assert items["APP-2"].completion == ts("2026-11-04T00:00")
    assert items["APP-3"].completion == ts("2026-11-02T06:00")
    assert "APP-5" not in items  # created later
