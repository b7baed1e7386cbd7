"""Publishing the marts: a complete copy, swapped in atomically, readable throughout."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import publish_marts


def _build_warehouse(path: Path, rows: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    con.execute("create schema if not exists raw_github")
    con.execute("create or replace table marts.mart_a as select range as id from range(?)", [rows])
    con.execute("create or replace table marts.fct_b as select 'x' as name")
    con.execute("create or replace view marts.v_ignored as select 1 as one")
    con.execute("create or replace table raw_github.deployments as select 1 as id")
    con.close()


def test_publish_copies_only_the_marts_tables(tmp_path: Path) -> None:
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "marts.duckdb"
    _build_warehouse(warehouse, rows=5)

    result = publish_marts(warehouse, target)

    assert result.tables == {"fct_b": 1, "mart_a": 5}
    con = duckdb.connect(str(target), read_only=True)
    tables = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables order by 1"
    ).fetchall()
    con.close()
    assert [t for (t,) in tables] == ["main._published", "main.fct_b", "main.mart_a"]
    assert not target.with_name("marts.duckdb.tmp").exists()


def test_publish_refuses_an_empty_warehouse(tmp_path: Path) -> None:
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "marts.duckdb"
    duckdb.connect(str(warehouse)).close()
    with pytest.raises(RuntimeError, match="no tables to publish"):
        publish_marts(warehouse, target)
    assert not target.exists()


def _read_in_a_loop(path: str, seconds: float, queue: mp.Queue) -> None:
    errors, reads, counts = [], 0, set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                counts.add(con.execute("select count(*) from mart_a").fetchone()[0])
            finally:
                con.close()
            reads += 1
        except Exception as exc:  # every failure is a finding
            errors.append(f"{type(exc).__name__}: {exc}")
    queue.put((reads, errors, sorted(counts)))


def test_readers_never_see_a_lock_error_while_publishing(tmp_path: Path) -> None:
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "marts.duckdb"
    _build_warehouse(warehouse, rows=10)
    publish_marts(warehouse, target)

    queue: mp.Queue = mp.get_context("spawn").Queue()
    reader = mp.get_context("spawn").Process(target=_read_in_a_loop, args=(str(target), 4.0, queue))
    reader.start()
    publishes = 0
    deadline = time.monotonic() + 3.5
    while time.monotonic() < deadline:
        rows = 10 + publishes % 2
        _build_warehouse(warehouse, rows=rows)
        publish_marts(warehouse, target)
        publishes += 1
    reads, errors, counts = queue.get(timeout=30)
    reader.join(timeout=30)

    assert errors == []
    assert publishes >= 3
    assert reads > 10
    # Every read saw one complete version or the other, never a partial table.
    assert set(counts) <= {10, 11}
