"""The value stream map (metrics.md 4) on the sandbox's `medium` tier equals its ground truth
for every value stream and ISO week (issue 6's end-to-end acceptance).

- Work map: every stage row of the truth (`JiraTruth.work_map`: visits ended in the week,
  lead and process time median and sum, median wait, %C&A) and every summary
  (`work_map_summary`: totals, activity ratio, rolled %C&A, bottleneck), with the stages in
  the truth's order. Counts and names are exact, durations agree within one second and
  ratios within 1e-9.
- Delivery map: per value stream and week, every stage's pull requests, lead time median
  and sum, from the truth's per-pull-request stages (a negative stage time, a commit
  authored after the pull request was opened, has no row); review %C&A from the sandbox's own
  reviews (approved without a "changes requested" review), deploy %C&A = 1 - the truth's
  change failure rate of the week; and the summary agrees with the stages.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import duckdb
import pytest

from ingestion.sandbox.truth import percentile, week_start
from tests.e2e.conftest import MediumHome

pytestmark = pytest.mark.e2e

SECOND = 1.0
RATIO = 1e-9
STAGES = ("coding", "pickup", "review", "deploy")


def _query(home: MediumHome, sql: str) -> list[dict[str, Any]]:
    con = duckdb.connect(str(home.marts), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _close(got: float | None, wanted: float | None, tolerance: float) -> bool:
    if got is None or wanted is None:
        return got is None and wanted is None
    return abs(got - wanted) <= tolerance


@pytest.fixture(scope="module")
def medium(medium_home: MediumHome) -> MediumHome:
    assert medium_home.run.returncode == 0, medium_home.run.stderr[-4000:]
    assert medium_home.truth.flow is not None
    return medium_home


def test_work_map_equals_the_truth_every_stream_and_week(medium: MediumHome) -> None:
    truth = medium.truth.flow
    got = {
        (r["value_stream_id"], r["period_start"], str(r["status_id"])): r
        for r in _query(medium, "select * from mart_value_stream_map_work where grain = 'week'")
    }
    wanted = {
        (r["value_stream_id"], r["week_start"], str(r["status_id"])): r for r in truth.work_map
    }
    assert len(wanted) > 1000
    assert len({k[0] for k in wanted}) == len(medium.org.jira.stream_timezones)
    missing, extra = sorted(set(wanted) - set(got)), sorted(set(got) - set(wanted))
    assert not missing and not extra, (missing[:5], extra[:5], len(missing), len(extra))
    wrong = []
    for key, want in wanted.items():
        row = got[key]
        checks = {
            "stage": row["stage_name"] == want["stage"],
            "items": row["items"] == want["visits"],
            "pct": _close(row["pct_complete_accurate"], want["pct_complete_accurate"], RATIO),
        }
        for name in ("lt_median_s", "lt_sum_s", "pt_median_s", "pt_sum_s", "wait_median_s"):
            checks[name] = _close(row[name], want[name], SECOND)
        if not all(checks.values()):
            wrong.append((key, [n for n, ok in checks.items() if not ok], row, want))
    assert not wrong, (len(wrong), wrong[:3])

    # the stages of every week in the truth's order (workflow order)
    order_got: dict[tuple[str, date], list[str]] = defaultdict(list)
    for key in sorted(got, key=lambda k: (k[0], k[1], got[k]["stage_order"])):
        order_got[key[:2]].append(key[2])
    order_wanted: dict[tuple[str, date], list[str]] = defaultdict(list)
    for key in sorted(wanted, key=lambda k: (k[0], k[1], wanted[k]["stage_order"])):
        order_wanted[key[:2]].append(key[2])
    assert order_got == order_wanted


def test_work_map_summary_equals_the_truth(medium: MediumHome) -> None:
    truth = medium.truth.flow
    got = {
        (r["value_stream_id"], r["period_start"]): r
        for r in _query(
            medium, "select * from mart_value_stream_map_work_summary where grain = 'week'"
        )
    }
    wanted = {(r["value_stream_id"], r["week_start"]): r for r in truth.work_map_summary}
    assert len(wanted) > 100
    assert set(got) == set(wanted)
    wrong = []
    for key, want in wanted.items():
        row = got[key]
        checks = {
            "bottleneck": row["bottleneck"] == want["bottleneck"],
            "activity": _close(row["activity_ratio"], want["activity_ratio"], RATIO),
            "rolled": _close(
                row["rolled_pct_complete_accurate"], want["rolled_pct_complete_accurate"], RATIO
            ),
        }
        for name in ("total_lt_s", "total_pt_s", "total_lt_median_s", "total_pt_median_s"):
            checks[name] = _close(row[name], want[name], SECOND * max(row["stages"], 1))
        if not all(checks.values()):
            wrong.append((key, [n for n, ok in checks.items() if not ok], row, want))
    assert not wrong, (len(wrong), wrong[:3])


def _review_first_time(org: Any) -> dict[tuple[str, int], bool]:
    """Per merged pull request: approved by a peer without a "changes requested" review
    (reviews by the author or a bot, or after the merge, do not count)."""
    bots = {login for login, p in org.people.items() if p.kind == "Bot"}
    verdicts = {}
    for pulls in org.pull_requests.values():
        for pr in pulls:
            states = {
                r.state
                for r in pr.reviews
                if r.reviewer_login != pr.author_login
                and r.reviewer_login not in bots
                and r.submitted_ts <= pr.merged_ts
            }
            verdicts[(pr.repository, pr.number)] = (
                "APPROVED" in states and "CHANGES_REQUESTED" not in states
            )
    return verdicts


def test_delivery_map_agrees_with_the_pull_request_stages(medium: MediumHome) -> None:
    truth = medium.truth
    timezones = {s.value_stream_id: s.timezone for s in medium.org.value_streams}
    first_time = _review_first_time(medium.org)
    stages: dict[tuple[str, date, str], list[float]] = defaultdict(list)
    reviews: dict[tuple[str, date], list[bool]] = defaultdict(list)
    for pr in truth.pull_request_stages:
        week = week_start(pr["deployed_at"], timezones[pr["value_stream_id"]])
        for stage in STAGES:
            seconds = pr[f"{stage}_seconds"]
            # a negative stage time (a commit authored after the opening) has no row
            if seconds is not None and seconds >= 0:
                stages[(pr["value_stream_id"], week, stage)].append(seconds)
        if pr["review_seconds"] is not None and pr["review_seconds"] >= 0:
            reviews[(pr["value_stream_id"], week)].append(
                first_time[(pr["repository"], pr["number"])]
            )
    failure = {
        (r["value_stream_id"], r["week_start"]): r["rate"] for r in truth.change_failure_rate
    }

    got = {
        (r["value_stream_id"], r["period_start"], r["stage_name"]): r
        for r in _query(medium, "select * from mart_value_stream_map_delivery where grain = 'week'")
    }
    assert len(stages) > 500
    assert set(got) == set(stages)
    wrong = []
    for key, seconds in stages.items():
        row = got[key]
        stream, week, stage = key
        checks = {
            "items": row["items"] == len(seconds),
            "lt_median": _close(row["lt_median_s"], percentile(seconds, 0.5), SECOND),
            "lt_sum": _close(row["lt_sum_s"], sum(seconds), SECOND * len(seconds)),
            "pt": _close(
                row["pt_sum_s"],
                sum(seconds) if stage in ("coding", "review") else 0.0,
                SECOND * len(seconds),
            ),
        }
        if stage == "review":
            verdicts = reviews[(stream, week)]
            checks["pct"] = _close(
                row["pct_complete_accurate"], sum(verdicts) / len(verdicts), RATIO
            )
        elif stage == "deploy":
            checks["pct"] = _close(row["pct_complete_accurate"], 1 - failure[(stream, week)], RATIO)
        else:
            checks["pct"] = row["pct_complete_accurate"] is None
        if not all(checks.values()):
            wrong.append((key, [n for n, ok in checks.items() if not ok], row))
    assert not wrong, (len(wrong), wrong[:3])
    # some weeks really have reviews sent back and failed deployments
    assert any(got[k]["pct_complete_accurate"] < 1 for k in got if k[2] == "review")
    assert any(got[k]["pct_complete_accurate"] < 1 for k in got if k[2] == "deploy")

    summaries = _query(
        medium, "select * from mart_value_stream_map_delivery_summary where grain = 'week'"
    )
    assert {(r["value_stream_id"], r["period_start"]) for r in summaries} == {k[:2] for k in got}
    for summary in summaries:
        rows = [got[(summary["value_stream_id"], summary["period_start"], s)] for s in STAGES
                if (summary["value_stream_id"], summary["period_start"], s) in got]  # fmt: skip
        wait = max(r["wait_median_s"] for r in rows)
        bottleneck = next(r["stage_name"] for r in rows if r["wait_median_s"] == wait)
        assert summary["bottleneck"] == bottleneck
        assert bottleneck in ("pickup", "deploy") or wait == 0
        rolled = 1.0
        for r in rows:
            if r["pct_complete_accurate"] is not None:
                rolled *= r["pct_complete_accurate"]
        assert _close(summary["rolled_pct_complete_accurate"], rolled, RATIO)
        total_lt = sum(r["lt_sum_s"] for r in rows)
        total_pt = sum(r["pt_sum_s"] for r in rows)
        assert _close(
            summary["activity_ratio"], total_pt / total_lt if total_lt > 0 else None, RATIO
        )


def test_forecast_is_published_for_every_value_stream(medium: MediumHome) -> None:
    rows = _query(
        medium,
        "select value_stream_id, question, confidence, items, target_date, history_items "
        "from mart_flow_forecast",
    )
    streams = set(medium.org.jira.stream_timezones)
    assert {r["value_stream_id"] for r in rows} == streams
    assert {r["question"] for r in rows} == {"items_by_date", "date_for_items"}
    assert {r["confidence"] for r in rows} == {0.5, 0.85, 0.95}
    assert all(r["history_items"] > 0 for r in rows)
