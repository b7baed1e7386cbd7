"""The whole pipeline against the sandbox, through the `vsm` command a user runs."""

from __future__ import annotations

import multiprocessing as mp
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import PipelineHome

pytestmark = pytest.mark.e2e


def _row_counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{table}": con.execute(
                f'select count(*) from "{schema}"."{table}"'
            ).fetchone()[0]
            for schema, table in tables
            # dlt's own bookkeeping gains a row per load by design
            if not table.startswith("_dlt_")
        }
    finally:
        con.close()


def _read_marts_in_a_loop(path: str, stop, queue: mp.Queue) -> None:
    reads, errors = 0, []
    while not stop.is_set():
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                con.execute("select count(*) from mart_dora_deployment_frequency").fetchone()
            finally:
                con.close()
            reads += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.01)
    queue.put((reads, errors))


@pytest.fixture(scope="module")
def refreshed(pipeline_home: PipelineHome) -> dict[str, object]:
    first = pipeline_home.vsm("run")
    assert first.returncode == 0, first.stderr[-4000:]
    counts_first = _row_counts(pipeline_home.warehouse)

    # A dashboard-like reader opens the published file in a loop for the whole second
    # refresh, which rebuilds and republishes it.
    context = mp.get_context("spawn")
    queue: mp.Queue = context.Queue()
    stop = context.Event()
    reader = context.Process(
        target=_read_marts_in_a_loop, args=(str(pipeline_home.marts), stop, queue)
    )
    reader.start()
    second = pipeline_home.vsm("run")
    stop.set()
    reads, errors = queue.get(timeout=60)
    reader.join(timeout=30)
    return {
        "first": first,
        "second": second,
        "counts_first": counts_first,
        "counts_second": _row_counts(pipeline_home.warehouse),
        "reads": reads,
        "reader_errors": errors,
    }


def test_first_refresh_publishes_the_marts(refreshed, pipeline_home: PipelineHome) -> None:
    assert pipeline_home.marts.exists()
    assert "refresh done" in refreshed["first"].stderr


def test_weekly_deployment_frequency_equals_the_sandbox(refreshed, pipeline_home) -> None:
    con = duckdb.connect(str(pipeline_home.marts), read_only=True)
    rows = con.execute(
        "select value_stream_id, week_start, deployments from mart_dora_deployment_frequency"
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
