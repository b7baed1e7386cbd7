"""Checks of change failure rate, failed deployment recovery time and deployment rework
rate (metrics.md 2.3-2.5) against a sandbox's ground truth, for any tier.

Each check takes `query` (SQL -> rows, over the published marts or the warehouse's marts
schema) and the `GroundTruth`, and raises AssertionError naming the first difference.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from ingestion.sandbox.truth import GroundTruth

Query = Callable[[str], list[tuple]]


def _naive(moment: Any) -> Any:
    return moment.replace(tzinfo=None) if moment is not None else None


def _deployment_ids(query: Query) -> dict[str, int]:
    """deployment_key -> the GitHub deployment id, or the deploy-workflow run id."""
    rows = query(
        "select deployment_key, source_id from fct_deployments "
        "where source in ('github', 'github_actions')"
    )
    return {key: int(source_id) for key, source_id in rows}


def check_incident_attribution(query: Query, truth: GroundTruth) -> int:
    """Every incident's linked deployment and link kind equal the truth's; returns the
    number of incidents linked to a deployment."""
    ids = _deployment_ids(query)
    rows = query("select source, source_id, deployment_key, attribution from fct_incidents")
    mart = {
        (source, source_id): (ids.get(key) if key else None, attribution)
        for source, source_id, key, attribution in rows
    }
    wanted = {
        (row["source"], row["incident_id"]): (row["deployment_id"], row["link"])
        for row in truth.incidents
    }
    assert set(mart) == set(wanted), sorted(set(mart) ^ set(wanted))[:5]
    differences = {key: (mart[key], value) for key, value in wanted.items() if mart[key] != value}
    assert not differences, list(differences.items())[:5]
    return sum(1 for deployment_id, _ in wanted.values() if deployment_id is not None)


def check_failed_deployments(query: Query, truth: GroundTruth) -> int:
    """Failed deployments: the same ids, reasons, recovery times and open ones; returns
    how many there are."""
    rows = query(
        "select source_id, failure_reasons, recovered_at, recovery_seconds, is_open "
        "from fct_failed_deployments"
    )
    mart = {
        int(source_id): (
            tuple(reasons.split(",")),
            _naive(recovered_at),
            recovery_seconds,
            is_open,
        )
        for source_id, reasons, recovered_at, recovery_seconds, is_open in rows
    }
    wanted = {
        row["deployment_id"]: (
            tuple(row["reasons"]),
            _naive(row["recovered_at"]),
            row["recovery_seconds"],
            row["recovered_at"] is None,
        )
        for row in truth.failed_deployments
    }
    assert set(mart) == set(wanted), (
        sorted(set(mart) - set(wanted))[:5],
        sorted(set(wanted) - set(mart))[:5],
    )
    for deployment_id, (reasons, recovered_at, seconds, is_open) in wanted.items():
        got = mart[deployment_id]
        assert got[0] == reasons and got[1] == recovered_at and got[3] == is_open, (
            deployment_id,
            got,
            wanted[deployment_id],
        )
        if seconds is None:
            assert got[2] is None, (deployment_id, got)
        else:
            assert got[2] == pytest.approx(seconds, abs=1e-6), (deployment_id, got)
    return len(wanted)


def _weekly(query: Query, mart: str, columns: str) -> dict[tuple[str, date], tuple]:
    rows = query(
        f"select value_stream_id, period_start, {columns} from {mart} "
        "where grain = 'week' and slice = 'value_stream'"
    )
    return {(stream, period): tuple(rest) for stream, period, *rest in rows}


def check_change_failure_rate(query: Query, truth: GroundTruth) -> int:
    """Weekly value-stream rows equal the truth's; every other week has no deployment
    and a NULL rate. Returns the deployments counted."""
    mart = _weekly(query, "mart_dora_change_failure_rate", "deployments, failed_deployments, rate")
    total = 0
    for row in truth.change_failure_rate:
        key = (row["value_stream_id"], row["week_start"])
        assert key in mart, key
        got = mart[key]
        assert got[:2] == (row["deployments"], row["failed"]), (key, got, row)
        assert got[2] == pytest.approx(row["rate"]), (key, got, row)
        total += row["deployments"]
    listed = {(r["value_stream_id"], r["week_start"]) for r in truth.change_failure_rate}
    for key, got in mart.items():
        if key not in listed:
            assert got == (0, 0, None), (key, got)
    return total


def check_deployment_rework_rate(query: Query, truth: GroundTruth) -> int:
    """Weekly value-stream rework rows equal the truth's; returns the rework deployments."""
    mart = _weekly(
        query, "mart_dora_deployment_rework_rate", "deployments, rework_deployments, rate"
    )
    total = 0
    for row in truth.deployment_rework_rate:
        key = (row["value_stream_id"], row["week_start"])
        got = mart[key]
        assert got[:2] == (row["deployments"], row["rework"]), (key, got, row)
        assert got[2] == pytest.approx(row["rate"]), (key, got, row)
        total += row["rework"]
    listed = {(r["value_stream_id"], r["week_start"]) for r in truth.deployment_rework_rate}
    for key, got in mart.items():
        if key not in listed:
            assert got == (0, 0, None), (key, got)
    return total


def check_failed_deployment_recovery_time(query: Query, truth: GroundTruth) -> int:
    """Weekly value-stream n, median, p75 and p95 by week of recovery equal the truth's;
    every other week has n 0 and NULL durations. Returns the recoveries counted."""
    mart = _weekly(
        query,
        "mart_dora_failed_deployment_recovery_time",
        "recovered_deployments, median_seconds, p75_seconds, p95_seconds",
    )
    total = 0
    listed = set()
    for row in truth.failed_deployment_recovery_time:
        key = (row["value_stream_id"], row["week_start"])
        listed.add(key)
        got = mart[key]
        assert got[0] == row["n"], (key, got, row)
        for value, wanted in zip(got[1:], (row["median"], row["p75"], row["p95"]), strict=True):
            assert value == pytest.approx(wanted, abs=1e-6), (key, got, row)
        total += row["n"]
    for key, got in mart.items():
        if key not in listed:
            assert got == (0, None, None, None), (key, got)
    return total
