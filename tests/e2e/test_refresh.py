"""The whole pipeline against the sandbox, through the `vsm` command a user runs."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from tests.e2e.conftest import PipelineHome

pytestmark = pytest.mark.e2e


def test_first_refresh_publishes_the_marts(refreshed, pipeline_home: PipelineHome) -> None:
    assert pipeline_home.marts.exists()
    assert "refresh done" in refreshed["first"].stderr


def test_weekly_deployment_frequency_equals_the_sandbox(refreshed, pipeline_home) -> None:
    con = duckdb.connect(str(pipeline_home.marts), read_only=True)
    rows = con.execute(
        "select value_stream_id, period_start as week_start, deployments "
        "from mart_dora_deployment_frequency where grain = 'week' and slice = 'value_stream'"
    ).fetchall()
    con.close()
    mart = {(vs, week): n for vs, week, n in rows}
    truth = {
        (row["value_stream_id"], row["week_start"]): row["deployments"]
        for row in pipeline_home.truth.deployment_frequency
    }
    assert sum(truth.values()) > 50
    assert mart == truth


def test_production_deployments_equal_the_sandbox(refreshed, pipeline_home) -> None:
    con = duckdb.connect(str(pipeline_home.marts), read_only=True)
    rows = con.execute(
        "select source_id, repository, value_stream_id, finished_at from fct_deployments "
        "where is_production_deployment"
    ).fetchall()
    con.close()
    mart = {(int(source_id), repo, vs, finished) for source_id, repo, vs, finished in rows}
    truth = {
        (
            row["deployment_id"],
            row["repository"],
            row["value_stream_id"],
            row["finished_at"].replace(tzinfo=None),
        )
        for row in pipeline_home.truth.production_deployments
    }
    assert mart == truth


def test_second_refresh_leaves_every_row_count_unchanged(refreshed) -> None:
    assert refreshed["second"].returncode == 0, refreshed["second"].stderr[-4000:]
    assert refreshed["counts_second"] == refreshed["counts_first"]
    assert Counter(k.split(".")[0] for k in refreshed["counts_first"])["raw_github"] >= 5


def test_readers_never_see_a_lock_error_during_a_refresh(refreshed) -> None:
    assert refreshed["reader_errors"] == []
    assert refreshed["reads"] > 20
