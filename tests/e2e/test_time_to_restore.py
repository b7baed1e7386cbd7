"""Time to restore service (metrics.md 2.4) on the sandbox, against its ground truth.

The ground truth's `time_to_restore` covers PagerDuty incidents and GitHub issues labelled
`incident`, both ingested. The weekly figures per priority are recomputed from the truth's
own incident rows with its percentile function; the 'all' rows are also compared with the
truth's published figures. Counts are exact, durations within one second.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from ingestion.sandbox.truth import percentile, week_start
from tests.e2e.conftest import PipelineHome

pytestmark = pytest.mark.e2e

INGESTED_SOURCES = {"pagerduty", "github"}


def _mart_rows(pipeline_home: PipelineHome, sql: str) -> list[tuple]:
    con = duckdb.connect(str(pipeline_home.marts), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _timezones(pipeline_home: PipelineHome) -> dict[str, str]:
    return dict(
        _mart_rows(pipeline_home, "select value_stream_id, timezone from dim_value_streams")
    )


def _truth_restore_times(
    pipeline_home: PipelineHome, timezones: dict[str, str], sources: set[str]
) -> dict[tuple[str, str, date], list[float]]:
    """(value stream, priority or 'all', week of resolution) -> restore times in seconds."""
    groups: dict[tuple[str, str, date], list[float]] = {}
    for row in pipeline_home.truth.incidents:
        if row["source"] not in sources or row["resolved_at"] is None:
            continue
        stream = row["value_stream_id"]
        week = week_start(row["resolved_at"], timezones[stream])
        seconds = (row["resolved_at"] - row["triggered_at"]).total_seconds()
        for priority in ("all", row["priority"] or "unspecified"):
            groups.setdefault((stream, priority, week), []).append(seconds)
    return groups


def _stats(values: list[float]) -> tuple[int, float, float, float]:
    return (
        len(values),
        percentile(values, 0.5),
        percentile(values, 0.75),
        percentile(values, 0.95),
    )


def _assert_equal_stats(mart: dict, truth: dict) -> None:
    assert set(truth) <= set(mart), sorted(set(truth) - set(mart))[:5]
    for key, (n, median, p75, p95) in truth.items():
        got = mart[key]
        assert got[0] == n, (key, got, (n, median, p75, p95))
        for value, wanted in zip(got[1:], (median, p75, p95), strict=True):
            assert value == pytest.approx(wanted, abs=1.0), (key, got, (n, median, p75, p95))
    # every other week of the spine has no resolved incident: n 0 and NULL, never 0 seconds
    for key, got in mart.items():
        if key not in truth:
            assert got == (0, None, None, None), (key, got)


def test_weekly_time_to_restore_equals_the_sandbox(refreshed, pipeline_home: PipelineHome) -> None:
    timezones = _timezones(pipeline_home)
    truth_groups = _truth_restore_times(pipeline_home, timezones, INGESTED_SOURCES)
    truth = {key: _stats(values) for key, values in truth_groups.items() if key[1] == "all"}
    rows = _mart_rows(
        pipeline_home,
        "select value_stream_id, priority, period_start as week_start, incidents_resolved, "
        "median_seconds, p75_seconds, p95_seconds from mart_dora_time_to_restore "
        "where priority = 'all' and grain = 'week' and slice = 'value_stream'",
    )
    mart = {(stream, priority, week): tuple(rest) for stream, priority, week, *rest in rows}
    assert sum(n for n, *_ in truth.values()) > 100
    _assert_equal_stats(mart, truth)


def test_time_to_restore_by_priority_equals_the_sandbox(
    refreshed, pipeline_home: PipelineHome
) -> None:
    timezones = _timezones(pipeline_home)
    truth_groups = _truth_restore_times(pipeline_home, timezones, INGESTED_SOURCES)
    truth = {key: _stats(values) for key, values in truth_groups.items() if key[1] != "all"}
    rows = _mart_rows(
        pipeline_home,
        "select value_stream_id, priority, period_start as week_start, incidents_resolved, "
        "median_seconds, p75_seconds, p95_seconds from mart_dora_time_to_restore "
        "where priority != 'all' and grain = 'week' and slice = 'value_stream'",
    )
    mart = {(stream, priority, week): tuple(rest) for stream, priority, week, *rest in rows}
    assert {priority for _, priority, _ in truth} >= {"P1", "P2", "P3"}
    _assert_equal_stats(mart, truth)


def test_the_mart_equals_the_truths_published_weekly_figures(
    refreshed, pipeline_home: PipelineHome
) -> None:
    rows = _mart_rows(
        pipeline_home,
        "select value_stream_id, period_start as week_start, incidents_resolved, median_seconds, "
        "p75_seconds, p95_seconds from mart_dora_time_to_restore where priority = 'all' "
        "and grain = 'week' and slice = 'value_stream'",
    )
    mart = {(stream, week): tuple(rest) for stream, week, *rest in rows}
    published = {
        (row["value_stream_id"], row["week_start"]): (
            row["n"],
            row["median"],
            row["p75"],
            row["p95"],
        )
        for row in pipeline_home.truth.time_to_restore
        if row["n"]
    }
    assert sum(n for n, *_ in published.values()) > 100
    for key, (n, *durations) in published.items():
        assert mart[key][0] == n, (key, mart[key], n)
        for got, wanted in zip(mart[key][1:], durations, strict=True):
            assert got == pytest.approx(wanted, abs=1.0), (key, mart[key], durations)
    sources = {row["source"] for row in pipeline_home.truth.incidents}
    assert sources == INGESTED_SOURCES
    github = _mart_rows(pipeline_home, "select count(*) from fct_incidents where source = 'github'")
    assert github[0][0] == sum(1 for r in pipeline_home.truth.incidents if r["source"] == "github")


def test_every_pagerduty_incident_is_in_fct_incidents(
    refreshed, pipeline_home: PipelineHome
) -> None:
    rows = _mart_rows(
        pipeline_home,
        "select source_id, value_stream_id, priority, started_at, resolved_at "
        "from fct_incidents where source = 'pagerduty'",
    )
    mart = {row[0]: row[1:] for row in rows}
    truth = {
        row["incident_id"]: (
            row["value_stream_id"],
            row["priority"],
            row["triggered_at"].replace(tzinfo=None),
            row["resolved_at"].replace(tzinfo=None) if row["resolved_at"] else None,
        )
        for row in pipeline_home.truth.incidents
        if row["source"] == "pagerduty"
    }
    assert mart == truth
