"""Publish the marts: copy them out of the warehouse into a file the dashboards read.

DuckDB allows one writer and no readers while it writes, so the dashboards never open the
warehouse. The marts are copied into ``marts.duckdb.tmp`` and swapped in with
``os.replace``: a reader holds either the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts",)


@dataclass(frozen=True)
class PublishResult:
    path: Path
    tables: dict[str, int]
    published_at: datetime


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def publish_marts(
    warehouse: Path, target: Path, schemas: tuple[str, ...] = PUBLISHED_SCHEMAS
) -> PublishResult:
    """Copy every table of ``schemas`` from ``warehouse`` into ``target`` atomically.

    The tables land in the published file's ``main`` schema, so readers use bare names
    (``select * from fct_deployments``) whatever the file is called.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)

    published_at = datetime.now(UTC).replace(tzinfo=None)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(tmp))
    try:
        local = _quote(con.execute("select current_database()").fetchone()[0])
        con.execute(f"attach {_quote(str(warehouse))} as warehouse (read_only)")
        listed = ", ".join("?" for _ in schemas)
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_catalog = 'warehouse' and table_schema in ({listed}) "
            "and table_type = 'BASE TABLE' order by 1, 2",
            list(schemas),
        ).fetchall()
        if not tables:
            raise RuntimeError(
                f"no tables to publish in schemas {', '.join(schemas)} of {warehouse}: "
                "has dbt built the marts?"
            )
        for schema, table in tables:
            source = f"warehouse.{_quote(schema)}.{_quote(table)}"
            con.execute(f"create table {local}.main.{_quote(table)} as select * from {source}")
            counts[table] = con.execute(
                f"select count(*) from {local}.main.{_quote(table)}"
            ).fetchone()[0]
        con.execute(
            f"create table {local}.main._published as "
            "select ?::timestamp as published_at, ?::integer as table_count",
            [published_at, len(tables)],
        )
        con.execute("detach warehouse")
        con.execute("checkpoint")
    finally:
        con.close()
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    return PublishResult(path=target, tables=counts, published_at=published_at)
