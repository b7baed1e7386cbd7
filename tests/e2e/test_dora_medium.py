"""Every DORA mart on the sandbox's `medium` tier equals its ground truth, for every value
stream and ISO week (issue 5's end-to-end acceptance): deployment frequency, change lead
time (every change, exclusion and pull request stage too), change failure rate (every
incident link and failed deployment too), failed deployment recovery time, time to restore
service and deployment rework rate. Counts are exact; durations agree within one second.

The medium tier has repositories that deploy through an Actions workflow: their deployments
are workflow runs, which the marts know by run id and the truth by the generator's
deployment id, so the truth's ids are translated to run ids first.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.sandbox.truth import GroundTruth
from tests.e2e import change_failure_checks as failure_checks
from tests.e2e import test_change_lead_time as lead_time_checks
from tests.e2e.conftest import MediumHome

pytestmark = pytest.mark.e2e

ID_FIELDS = ("deployment_id", "base_deployment_id")


def run_ids(org: Any) -> dict[int, int]:
    """The generator's deployment id -> the Actions run id, for the repositories that
    deploy through a workflow (the run id is the last part of the run's log URL)."""
    through_workflow = {r.full_name for r in org.repositories if r.deploy_via == "workflow"}
    return {
        dep.deployment_id: int(dep.statuses[0].log_url_path.rsplit("/", 1)[1])
        for dep in org.all_deployments()
        if dep.repository in through_workflow and dep.statuses
    }


def translated(truth: GroundTruth, ids: dict[int, int]) -> GroundTruth:
    """A copy of `truth` whose deployment ids of workflow deployments are their run ids."""
    copied = copy.deepcopy(truth)
    for rows in vars(copied).values():
        if not isinstance(rows, list):
            continue
        for row in rows:
            if isinstance(row, dict):
                for name in ID_FIELDS:
                    if row.get(name) in ids:
                        row[name] = ids[row[name]]
    return copied


@dataclass
class Home:
    """What the lead time checks read: the published marts and the (translated) truth."""

    marts: Path
    truth: GroundTruth


@pytest.fixture(scope="module")
def medium(medium_home: MediumHome) -> Home:
    assert medium_home.run.returncode == 0, medium_home.run.stderr[-4000:]
    ids = run_ids(medium_home.org)
    assert len(ids) > 1000  # the tier really exercises workflow deployments
    return Home(marts=medium_home.marts, truth=translated(medium_home.truth, ids))


def _query(home: Home) -> Callable[[str], list[tuple]]:
    def query(sql: str) -> list[tuple]:
        con = duckdb.connect(str(home.marts), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    return query


def test_every_change_and_weekly_lead_time_equal_the_truth(medium: Home) -> None:
    lead_time_checks.check_changes(medium)  # type: ignore[arg-type]
    lead_time_checks.check_exclusions(medium)  # type: ignore[arg-type]
    lead_time_checks.check_weekly_lead_time(medium)  # type: ignore[arg-type]


def test_pull_request_stages_equal_the_truth(medium: Home) -> None:
    lead_time_checks.check_pull_request_stages(medium)  # type: ignore[arg-type]
    lead_time_checks.check_weekly_breakdown(medium)  # type: ignore[arg-type]


def test_incident_links_and_failed_deployments_equal_the_truth(medium: Home) -> None:
    query = _query(medium)
    assert failure_checks.check_incident_attribution(query, medium.truth) > 50
    assert failure_checks.check_failed_deployments(query, medium.truth) > 50


def test_weekly_failure_recovery_and_rework_equal_the_truth(medium: Home) -> None:
    query = _query(medium)
    assert failure_checks.check_change_failure_rate(query, medium.truth) > 1000
    assert failure_checks.check_failed_deployment_recovery_time(query, medium.truth) > 50
    assert failure_checks.check_deployment_rework_rate(query, medium.truth) > 10


def test_weekly_deployment_frequency_equals_the_truth(medium: Home) -> None:
    rows = _query(medium)(
        "select value_stream_id, period_start, deployments from mart_dora_deployment_frequency "
        "where grain = 'week' and slice = 'value_stream'"
    )
    mart = {(stream, week): n for stream, week, n in rows}
    wanted = {
        (row["value_stream_id"], row["week_start"]): row["deployments"]
        for row in medium.truth.deployment_frequency
    }
    assert mart == wanted


def test_weekly_time_to_restore_equals_the_truth(medium: Home) -> None:
    rows = _query(medium)(
        "select value_stream_id, period_start, incidents_resolved, median_seconds, "
        "p75_seconds, p95_seconds from mart_dora_time_to_restore "
        "where grain = 'week' and slice = 'value_stream' and priority = 'all'"
    )
    mart = {(stream, week): tuple(rest) for stream, week, *rest in rows}
    wanted = {
        (row["value_stream_id"], row["week_start"]): (
            row["n"],
            row["median"],
            row["p75"],
            row["p95"],
        )
        for row in medium.truth.time_to_restore
    }
    assert sum(n for n, *_ in wanted.values()) > 100
    for key, (n, *durations) in wanted.items():
        got = mart[key]
        assert got[0] == n, (key, got, wanted[key])
        for value, expected in zip(got[1:], durations, strict=True):
            assert value == pytest.approx(expected, abs=1.0), (key, got, wanted[key])
    for key, got in mart.items():
        if key not in wanted:
            assert got == (0, None, None, None), (key, got)


def test_slices_and_grains_add_up_to_the_value_streams(medium: Home) -> None:
    """Deployments, changes and failed deployments add up across teams, services, days and
    months and quarters to each stream's total; no slice of any mart is missing a stream."""
    query = _query(medium)
    for mart, column in (
        ("mart_dora_deployment_frequency", "deployments"),
        ("mart_dora_change_lead_time", "changes"),
        ("mart_dora_change_failure_rate", "failed_deployments"),
    ):
        rows = query(
            f"select value_stream_id, grain, slice, sum({column}) from {mart} "
            "group by value_stream_id, grain, slice"
        )
        totals: dict[str, set[int]] = {}
        for stream, _grain, _slice, total in rows:
            totals.setdefault(stream, set()).add(int(total))
        assert len(totals) == 6, (mart, totals)
        assert all(len(values) == 1 for values in totals.values()), (mart, totals)
        assert len(rows) == 6 * 4 * 3, mart  # streams x grains x slices
