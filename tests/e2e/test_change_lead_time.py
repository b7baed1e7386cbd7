"""Change lead time (metrics.md 2.2) on the sandbox, against its ground truth.

Every change shipped to production (sha, deployment, authored and deployed times, lead
time to the second), every excluded negative lead time, the weekly value-stream figures
and every shipped pull request's stages are compared with the truth, which knows which
commits each squash and rebase merge wrote. The `check_*` helpers take any pipeline home
whose marts were built from its sandbox, so another tier can reuse them.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.sandbox.truth import percentile, week_start
from tests.e2e.conftest import PipelineHome

pytestmark = pytest.mark.e2e


def _rows(marts: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(marts), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _naive(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None) if moment is not None else None


def _close(got: float | None, wanted: float | None) -> bool:
    if got is None or wanted is None:
        return got is None and wanted is None
    return abs(got - wanted) <= 1.0


def _change_row(row: dict[str, Any]) -> tuple:
    return (
        str(row["deployment_id"]),
        row["value_stream_id"],
        _naive(row["authored_at"]),
        _naive(row["deployed_at"]),
        round(row["lead_time_seconds"]),
    )


def check_changes(home: PipelineHome) -> None:
    """fct_changes holds exactly the truth's changes (its excluded rows, the exclusions)."""
    rows = _rows(
        home.marts,
        "select repository, sha, cast(deployment_id as varchar), value_stream_id, "
        "authored_at, deployed_at, lead_time_seconds, is_excluded from fct_changes",
    )
    counted = {
        (repo, sha): (dep, stream, authored, deployed, round(lead))
        for repo, sha, dep, stream, authored, deployed, lead, excluded in rows
        if not excluded
    }
    truth = {(r["repository"], r["sha"]): _change_row(r) for r in home.truth.changes}
    assert len(truth) > 1000
    assert len(rows) == len({(repo, sha) for repo, sha, *_ in rows}), "a change twice"
    missing = sorted(set(truth) - set(counted))
    extra = sorted(set(counted) - set(truth))
    assert not missing and not extra, (missing[:5], extra[:5], len(missing), len(extra))
    wrong = [(key, counted[key], truth[key]) for key in truth if counted[key] != truth[key]]
    assert not wrong, (len(wrong), wrong[:5])
    # squashed and rebased pull requests contributed their own commits
    replaced = _rows(
        home.marts, "select count(*) from fct_changes where pull_request_number is not null"
    )
    assert replaced[0][0] > 100


def check_exclusions(home: PipelineHome) -> None:
    """dq_change_lead_time_exclusions lists exactly the truth's excluded lead times."""
    rows = _rows(
        home.marts,
        "select repository, sha, cast(deployment_id as varchar), value_stream_id, "
        "authored_at, deployed_at, lead_time_seconds, exclusion_reason "
        "from dq_change_lead_time_exclusions",
    )
    listed = {
        (repo, sha): ((dep, stream, authored, deployed, round(lead)), reason)
        for repo, sha, dep, stream, authored, deployed, lead, reason in rows
    }
    truth = {
        (r["repository"], r["sha"]): (_change_row(r), r["reason"])
        for r in home.truth.lead_time_exclusions
    }
    assert truth, "the sandbox writes a few commits on a skewed clock"
    assert listed == truth


def _timezones(home: PipelineHome) -> dict[str, str]:
    return dict(_rows(home.marts, "select value_stream_id, timezone from dim_value_streams"))


def check_weekly_lead_time(home: PipelineHome) -> None:
    """Weekly value-stream rows: n and negative_excluded exact, durations within 1 s; every
    other week of the spine is empty (n 0, NULL durations, never 0)."""
    rows = _rows(
        home.marts,
        "select value_stream_id, period_start, changes, median_seconds, p75_seconds, "
        "p95_seconds, negative_excluded from mart_dora_change_lead_time "
        "where grain = 'week' and slice = 'value_stream'",
    )
    mart = {(stream, week): tuple(rest) for stream, week, *rest in rows}
    assert len(mart) == len(rows)
    truth = {
        (r["value_stream_id"], r["week_start"]): (
            r["n"],
            r["median"],
            r["p75"],
            r["p95"],
            r["negative_excluded"],
        )
        for r in home.truth.change_lead_time
    }
    assert sum(n for n, *_ in truth.values()) > 1000
    assert set(truth) <= set(mart), sorted(set(truth) - set(mart))[:5]
    for key, (n, median, p75, p95, negative) in truth.items():
        got = mart[key]
        assert (got[0], got[4]) == (n, negative), (key, got, truth[key])
        for value, wanted in zip(got[1:4], (median, p75, p95), strict=True):
            assert _close(value, wanted), (key, got, truth[key])
    for key, got in mart.items():
        if key not in truth:
            assert got == (0, None, None, None, 0), (key, got)


def _stage_row(row: dict[str, Any]) -> tuple:
    return (
        str(row["deployment_id"]),
        row["value_stream_id"],
        _naive(row["deployed_at"]),
        row["coding_seconds"],
        row["pickup_seconds"],
        row["review_seconds"],
        row["deploy_seconds"],
        row["approved"],
    )


def check_pull_request_stages(home: PipelineHome) -> None:
    """Every shipped pull request, its deployment and its stages equal the truth's."""
    rows = _rows(
        home.marts,
        "select repository, pull_request_number, cast(deployment_id as varchar), "
        "value_stream_id, deployed_at, coding_seconds, pickup_seconds, review_seconds, "
        "deploy_seconds, is_approved from fct_pull_requests where is_shipped",
    )
    mart = {(repo, number): tuple(rest) for repo, number, *rest in rows}
    truth = {(r["repository"], r["number"]): _stage_row(r) for r in home.truth.pull_request_stages}
    assert len(truth) > 500
    assert set(mart) == set(truth), (sorted(set(mart) ^ set(truth))[:5],)
    wrong = []
    for key, want in truth.items():
        got = mart[key]
        same = got[:3] == want[:3] and got[7] == want[7]
        if not (same and all(_close(a, b) for a, b in zip(got[3:7], want[3:7], strict=True))):
            wrong.append((key, got, want))
    assert not wrong, (len(wrong), wrong[:5])
    unreviewed = [want for want in truth.values() if want[4] is None]
    assert unreviewed, "some shipped pull requests were never reviewed"


def check_weekly_breakdown(home: PipelineHome) -> None:
    """The mart's weekly stage medians are the medians of the truth's shipped pull requests
    of the week (by deployment finish, stream timezone), unreviewed ones left out of the
    pickup and review medians."""
    timezones = _timezones(home)
    groups: dict[tuple[str, date], list[dict[str, Any]]] = {}
    for row in home.truth.pull_request_stages:
        stream = row["value_stream_id"]
        week = week_start(row["deployed_at"], timezones[stream])
        groups.setdefault((stream, week), []).append(row)
    rows = _rows(
        home.marts,
        "select value_stream_id, period_start, pull_requests_shipped, median_coding_seconds, "
        "median_pickup_seconds, median_review_seconds, median_deploy_seconds "
        "from mart_dora_change_lead_time where grain = 'week' and slice = 'value_stream'",
    )
    mart = {(stream, week): tuple(rest) for stream, week, *rest in rows}
    for key, prs in groups.items():
        stages = ["coding_seconds", "pickup_seconds", "review_seconds", "deploy_seconds"]
        medians = [
            percentile([p[stage] for p in prs if p[stage] is not None], 0.5) for stage in stages
        ]
        got = mart[key]
        assert got[0] == len(prs), (key, got)
        for value, wanted in zip(got[1:], medians, strict=True):
            assert _close(value, wanted), (key, got, medians)
    for key, got in mart.items():
        if key not in groups:
            assert got == (0, None, None, None, None), (key, got)


def test_every_change_equals_the_sandbox(refreshed, pipeline_home: PipelineHome) -> None:
    check_changes(pipeline_home)


def test_excluded_lead_times_equal_the_sandbox(refreshed, pipeline_home: PipelineHome) -> None:
    check_exclusions(pipeline_home)


def test_weekly_change_lead_time_equals_the_sandbox(refreshed, pipeline_home: PipelineHome) -> None:
    check_weekly_lead_time(pipeline_home)


def test_pull_request_stages_equal_the_sandbox(refreshed, pipeline_home: PipelineHome) -> None:
    check_pull_request_stages(pipeline_home)


def test_weekly_stage_medians_equal_the_sandbox(refreshed, pipeline_home: PipelineHome) -> None:
    check_weekly_breakdown(pipeline_home)
