"""The whole pipeline against the sandbox, through the `vsm` command a user runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import ROOT, PipelineHome

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


# The incremental flow models' bookkeeping columns (schema.table), which warehouses built
# before them lack.
REWRITE_MARKS = {
    "marts.fct_work_item_status_intervals": [
        "rewritten_at",
        "replaced_rewritten_at",
        "replaced_value_stream_id",
        "changed_from",
    ],
    "marts.fct_work_items": ["intervals_rewritten_at"],
    "marts.fct_flow_daily": ["intervals_rewritten_at"],
    "intermediate.int_flow_aggregated_to_periods": ["items_rewritten_at"],
    "intermediate.int_work_map_visits": ["intervals_rewritten_at", "stage_map_fingerprint"],
    "marts.mart_value_stream_map_work": ["visits_rewritten_at", "stage_map_fingerprint"],
}

# The period models' write stamps and the marts that copy them (schema.table: column).
# Rows a warehouse already held keep a NULL stamp: the marts read them all when they are
# rewritten whole on the first refresh.
PERIOD_STAMPS = {
    "intermediate.int_flow_aggregated_to_periods": "periods_written_at",
    "marts.mart_flow_distribution": "periods_written_at",
    "marts.mart_flow_velocity": "periods_written_at",
    "marts.mart_flow_time": "periods_written_at",
    "marts.mart_flow_efficiency": "periods_written_at",
    "marts.mart_flow_load": "periods_written_at",
    "intermediate.int_production_deployments_aggregated_to_periods": "periods_written_at",
    "marts.mart_dora_deployment_frequency": "periods_written_at",
}


def test_a_warehouse_built_before_the_rewrite_marks_refreshes_without_a_full_refresh(
    refreshed, pipeline_home: PipelineHome, tmp_path
) -> None:
    """A copy of the refreshed warehouse without the incremental flow models' rewrite marks
    and the period models' write stamps (as one built before they existed) builds
    incrementally: the columns are added, the intervals rewrite every item, the work items,
    the daily snapshot, the flow periods, the work map and the period marts restate
    everything, every data test passes and each model equals a full rebuild (the audit
    tests, selected with them)."""
    home = tmp_path / "home"
    home.mkdir()
    warehouse = home / "warehouse.duckdb"
    shutil.copy(pipeline_home.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        for table, columns in REWRITE_MARKS.items():
            for column in columns:
                con.execute(f"alter table {table} drop column {column}")
        for table, column in PERIOD_STAMPS.items():
            con.execute(f"alter table {table} drop column {column}")
    env = dict(pipeline_home.env, VSM_HOME=str(home), DBT_LOG_PATH=str(tmp_path / "logs"))
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--select",
            *{table.split(".")[1] for table in [*REWRITE_MARKS, *PERIOD_STAMPS]},
            # as the refresh does: unit tests run in the test suite, on fixtures
            "--exclude",
            "test_type:unit",
            "--project-dir",
            str(ROOT / "dbt_project"),
            "--profiles-dir",
            str(ROOT / "dbt_project"),
            "--target-path",
            str(tmp_path / "target"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-6000:]
    for audit in (
        "assert_fct_work_item_status_intervals_equals_a_full_rebuild",
        "assert_fct_work_items_equals_a_full_rebuild",
        "assert_fct_flow_daily_equals_a_full_rebuild",
        "assert_int_flow_aggregated_to_periods_equals_a_full_rebuild",
        "assert_int_work_map_visits_equals_a_full_rebuild",
        "assert_mart_value_stream_map_work_equals_a_full_rebuild",
        "assert_mart_flow_distribution_equals_a_full_rebuild",
        "assert_mart_flow_velocity_equals_a_full_rebuild",
        "assert_mart_flow_time_equals_a_full_rebuild",
        "assert_mart_flow_efficiency_equals_a_full_rebuild",
        "assert_mart_flow_load_equals_a_full_rebuild",
        "assert_int_production_deployments_aggregated_to_periods_equals_a_full_rebuild",
        "assert_mart_dora_deployment_frequency_equals_a_full_rebuild",
    ):
        assert f"PASS {audit}" in result.stdout, audit
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, columns in REWRITE_MARKS.items():
            marked = columns[0]
            missing = con.execute(
                f"select count(*) from {table} where {marked} is null"
            ).fetchone()[0]
            assert missing == 0, f"{table}.{marked}"
        for table, column in PERIOD_STAMPS.items():
            schema, name = table.split(".")
            (added,) = con.execute(
                "select count(*) from information_schema.columns"
                " where table_schema = ? and table_name = ? and column_name = ?",
                [schema, name, column],
            ).fetchone()
            assert added == 1, f"{table}.{column}"
