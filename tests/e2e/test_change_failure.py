"""Change failure rate, failed deployment recovery time and deployment rework rate
(metrics.md 2.3-2.5) on the sandbox's small tier, against its ground truth.

The checks live in `change_failure_checks` so that another tier's fixture can run them
unchanged: each takes a query function over the published marts and the GroundTruth.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pytest

from tests.e2e import change_failure_checks as checks
from tests.e2e.conftest import PipelineHome

pytestmark = pytest.mark.e2e


def _query(pipeline_home: PipelineHome) -> Callable[[str], list[tuple]]:
    def query(sql: str) -> list[tuple]:
        con = duckdb.connect(str(pipeline_home.marts), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    return query


def test_every_incident_is_linked_as_the_truth_says(refreshed, pipeline_home: PipelineHome):
    linked = checks.check_incident_attribution(_query(pipeline_home), pipeline_home.truth)
    kinds = {row["link"] for row in pipeline_home.truth.incidents}
    # the tier exercises explicit and window links and incidents linked to nothing
    assert kinds == {"explicit", "window", None}
    assert linked > 50


def test_failed_deployments_reasons_and_recovery_equal_the_truth(
    refreshed, pipeline_home: PipelineHome
):
    failed = checks.check_failed_deployments(_query(pipeline_home), pipeline_home.truth)
    truth_rows = pipeline_home.truth.failed_deployments
    reasons = {reason for row in truth_rows for reason in row["reasons"]}
    assert reasons == {"incident", "rollback", "hotfix"}
    assert failed > 50


def test_weekly_change_failure_rate_equals_the_truth(refreshed, pipeline_home: PipelineHome):
    deployments = checks.check_change_failure_rate(_query(pipeline_home), pipeline_home.truth)
    assert deployments == len(pipeline_home.truth.production_deployments)


def test_weekly_recovery_time_equals_the_truth(refreshed, pipeline_home: PipelineHome):
    recovered = checks.check_failed_deployment_recovery_time(
        _query(pipeline_home), pipeline_home.truth
    )
    assert recovered == sum(
        1 for row in pipeline_home.truth.failed_deployments if row["recovered_at"] is not None
    )


def test_weekly_rework_rate_equals_the_truth(refreshed, pipeline_home: PipelineHome):
    rework = checks.check_deployment_rework_rate(_query(pipeline_home), pipeline_home.truth)
    assert rework > 10


def test_the_slices_add_up_to_the_value_stream(refreshed, pipeline_home: PipelineHome):
    """Counts of the team and service slices add up to their stream's, for every grain."""
    rows = _query(pipeline_home)(
        "select grain, period_start, value_stream_id, slice, sum(deployments), "
        "sum(failed_deployments) from mart_dora_change_failure_rate "
        "group by grain, period_start, value_stream_id, slice"
    )
    totals: dict[tuple, dict[str, tuple]] = {}
    for grain, period, stream, slice_name, deployments, failed in rows:
        totals.setdefault((grain, period, stream), {})[slice_name] = (deployments, failed)
    assert {grain for grain, _, _ in totals} == {"day", "week", "month", "quarter"}
    for key, by_slice in totals.items():
        assert by_slice["service"] == by_slice["value_stream"], (key, by_slice)
        assert by_slice.get("team", by_slice["value_stream"]) == by_slice["value_stream"], (
            key,
            by_slice,
        )
