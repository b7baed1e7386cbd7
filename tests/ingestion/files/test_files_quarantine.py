"""The quarantine mechanism on its own: validation, reasons, and the table it loads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import dlt
import duckdb
from pydantic import BaseModel

from ingestion.pipelines import files_pipeline
from ingestion.quarantine import (
    BrokenRecord,
    QuarantineRow,
    route,
    validate_records,
    with_quarantine_table,
)
from ingestion.sources.files.schemas import Deployment, Timestamp

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


class Page(BaseModel):
    id: int
    opened_at: Timestamp


def checked(records, **kwargs):
    return list(
        validate_records(
            records,
            Page,
            source="tool",
            entity="things",
            position_of=lambda index, _: f"page 2/{index}",
            id_field="id",
            now=NOW,
            **kwargs,
        )
    )


def test_good_records_come_back_as_models_and_bad_ones_as_rows():
    results = checked(
        [
            {"id": 1, "opened_at": "2026-11-02T09:30:00+0800"},
            {"id": "x", "opened_at": "2026-11-02T09:30:00Z"},
            {"opened_at": 1793613600000},
            {"id": 4, "opened_at": "soon"},
            ["not", "a", "record"],
            BrokenRecord("line is not valid JSON", "{oops"),
        ]
    )

    assert results[0] == Page(id=1, opened_at=datetime(2026, 11, 2, 1, 30, tzinfo=UTC))
    bad = [(r.position, r.record_id, r.reason) for r in results[1:]]
    assert bad == [
        ("page 2/1", "x", 'id: expected a whole number, got "x"'),
        ("page 2/2", None, "id: expected a value, got nothing"),
        (
            "page 2/3",
            "4",
            "opened_at: expected an ISO 8601 timestamp such as 2026-11-02T09:30:00+08:00, or"
            ' epoch milliseconds, got "soon"',
        ),
        ("page 2/4", None, 'expected a JSON object, got ["not", "a", "record"]'),
        ("page 2/5", None, "line is not valid JSON"),
    ]
    assert all(isinstance(r, QuarantineRow) for r in results[1:])
    assert {(r.source, r.entity, r.quarantined_at) for r in results[1:]} == {
        ("tool", "things", NOW)
    }
    assert results[1].raw_payload == '{"id": "x", "opened_at": "2026-11-02T09:30:00Z"}'
    assert results[5].raw_payload == "{oops"


def test_same_record_at_same_place_has_the_same_key():
    first = checked([{"id": "x", "opened_at": "z"}])[0]
    again = checked([{"id": "x", "opened_at": "z"}])[0]
    other = checked([{"id": "y", "opened_at": "z"}])[0]
    assert first.record_hash == again.record_hash != other.record_hash


def test_several_problems_are_named_in_one_sentence():
    [row] = list(
        validate_records(
            [{"deployment_id": "d", "service": "api", "environment": "production",
              "status": "shipped", "started_at": "later"}],
            Deployment,
            source="files",
            entity="deployments",
            position_of=lambda index, _: f"a.csv:{index + 2}",
        )
    )  # fmt: skip
    assert row.reason == (
        "status: expected one of success, failure, error, cancelled, in_progress, queued, got"
        ' "shipped"; started_at: expected an ISO 8601 timestamp such as'
        ' 2026-11-02T09:30:00+08:00, or epoch milliseconds, got "later"'
    )


def test_routed_resource_loads_both_tables_without_leaking_columns(tmp_path):
    records = [
        {"id": 1, "opened_at": "2026-11-02T10:00:00Z"},
        {"id": "bad", "opened_at": "2026-11-02T10:00:00Z"},
    ]

    def things() -> Iterator:
        results = validate_records(
            records,
            Page,
            source="tool",
            entity="things",
            position_of=lambda index, _: f"page 1/{index}",
            id_field="id",
        )
        yield from route(r if isinstance(r, QuarantineRow) else r.model_dump() for r in results)

    resource = with_quarantine_table(
        dlt.resource(
            things,
            name="things",
            write_disposition="merge",
            primary_key="id",
            columns={"id": {"data_type": "bigint", "nullable": False}},
            file_format="parquet",
        )
    )
    pipeline = files_pipeline(tmp_path / "w.duckdb", tmp_path / "dlt")
    pipeline.run(resource).raise_on_failed_jobs()
    pipeline.run(resource).raise_on_failed_jobs()

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        things_rows = con.sql("select id, opened_at from raw_files.things").fetchall()
        quarantined = con.sql(
            "select source, entity, record_id, position from raw_files.quarantine"
        ).fetchall()
        columns = [
            row[0]
            for row in con.sql(
                "select column_name from information_schema.columns where table_schema ="
                " 'raw_files' and table_name = 'quarantine' order by ordinal_position"
            ).fetchall()
        ]
    assert things_rows == [(1, datetime(2026, 11, 2, 10, tzinfo=UTC))]
    assert quarantined == [("tool", "things", "bad", "page 1/1")]  # twice run, once kept
    assert columns == [
        "source",
        "entity",
        "record_id",
        "position",
        "reason",
        "raw_payload",
        "record_hash",
        "quarantined_at",
        "_dlt_load_id",
        "_dlt_id",
    ]
