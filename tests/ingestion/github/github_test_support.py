"""Helpers of the GitHub source tests: repository names, warehouse queries and snapshots."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingestion.sandbox.model import Organisation

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def repositories(org: Organisation) -> list[str]:
    return [repo.full_name for repo in org.repositories]


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def snapshot(warehouse: Path, tables: tuple[str, ...]) -> dict[str, list[tuple]]:
    """Every row of `tables` (without dlt's bookkeeping columns), sorted."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: sorted(
                con.sql(
                    f"select * exclude (_dlt_load_id, _dlt_id) from raw_github.{table}"
                ).fetchall(),
                key=repr,
            )
            for table in tables
        }
