"""The files source: a hand-written drop folder through dlt into a temporary DuckDB."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

import ingestion.sources.files as files_module
from ingestion.pipelines import files_pipeline
from ingestion.sources.files import ENTITIES, FilesSourceError, drop_folder, files_source

TABLES = tuple(entity.name for entity in ENTITIES)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


DROP = {
    "deployments.csv": (
        "deployment_id,service,environment,status,started_at,finished_at,sha,repository,"
        "value_stream,team,url\n"
        "dep-1,payments-api,production,success,2026-11-02T09:30:00+0800,"
        "2026-11-02T09:45:00+08:00,a1b2c3d,acme/payments-api,payments,billing,"
        "https://ci.example/dep-1\n"
        "dep-2,payments-api,staging,Failed,2026-11-02T03:00:00Z,2026-11-02 03:10:30Z,,,,,\n"
    ),
    "deployments-ci.jsonl": (
        '{"deployment_id": 3, "service": "search", "environment": "Production", '
        '"status": "success", "started_at": 1793613600000, "finished_at": 1793613900000, '
        '"sha": "ffee001", "pipeline": "nightly"}\n'
        "\n"
        '{"deployment_id": "dep-4", "service": "search", "environment": "production", '
        '"status": "in progress", "started_at": "2026-11-02T12:00:00-0500", '
        '"finished_at": null}\n'
    ),
    "incidents.jsonl": (
        '{"incident_id": "inc-1", "service": "payments-api", "title": "Checkout errors", '
        '"severity": "SEV2", "priority": "P1", "started_at": "2026-11-02T18:00:00+0800", '
        '"acknowledged_at": "2026-11-02T10:05:00Z", "resolved_at": 1793664000000, '
        '"caused_by_deployment_id": "dep-1", "url": "https://oncall.example/inc-1"}\n'
    ),
    "incidents_legacy.csv": (
        "incident_id,service,title,started_at,resolved_at\n"
        'inc-2,search,"Slow, then down",2026-11-03T08:00:00Z,\n'
    ),
    "work_items.csv": (
        "Work_Item_ID , title,type,status,status_category,team,value_stream,created_at,"
        "started_at,completed_at,canceled,parent_id,labels\n"
        "PAY-1,Refunds,Story,Done,Done,billing,payments,2026-10-01T09:00:00+0200,"
        "2026-10-02T09:00:00+0200,2026-10-05T17:30:00+0200,no,PAY-0,backend; refunds\n"
        "PAY-2,Fix rounding,Bug,In Review,In Progress,billing,payments,2026-10-03T00:00:00Z,"
        "2026-10-04T00:00:00Z,,,,\n"
    ),
    "work_items_archive.jsonl": (
        '{"work_item_id": 17, "title": "Old idea", "type": "story", "status": "Won\'t Do", '
        '"status_category": "done", "created_at": 1793613600000, "completed_at": '
        '"2026-11-04T12:00:00Z", "canceled": true, "labels": ["idea", "q4"]}\n'
    ),
    "environment_bookings.csv": (
        "booking_id;environment;team;release;requested_by;start_at;end_at;status\n"
        "bk-1;staging-2;billing;2026.11;ana;2026-11-02T08:00:00+0100;2026-11-02T18:00:00+0100;"
        "APPROVED\n"
        "bk-2;staging-2;search;;bo;2026-11-02;2026-11-03;Canceled\n"
    ),
    "environment_bookings.jsonl": (
        '{"booking_id": "bk-3", "environment": "perf", "start_at": 1793613600000, '
        '"end_at": 1793793600000, "status": "requested"}\n'
    ),
    "notes.txt": "not a drop file\n",
}


def write_drop(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    return {
        table: sorted(
            query(warehouse, f"select * exclude (_dlt_load_id, _dlt_id) from raw_files.{table}"),
            key=repr,
        )
        for table in (*TABLES, "quarantine")
    }


class ParseCounter:
    """Counts the files the source parses (an unchanged file must not be parsed)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        original = files_module.parse_file

        def counting(path, data, entity):
            self.names.append(path.name)
            return original(path, data, entity)

        monkeypatch.setattr(files_module, "parse_file", counting)


@pytest.fixture
def drop(tmp_path) -> Path:
    return write_drop(tmp_path / "drop", DROP)


@pytest.fixture
def pipeline(tmp_path):
    return files_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")


def warehouse_of(pipeline) -> Path:
    return Path(pipeline.destination_client().config.credentials.database)


def run(pipeline, folder: Path) -> dict[str, int]:
    pipeline.run(files_source(str(folder))).raise_on_failed_jobs()
    return dict(pipeline.last_trace.last_normalize_info.row_counts)


# --------------------------------------------------------------------------- values


def test_every_entity_loads_with_exact_values_in_utc(pipeline, drop):
    counts = run(pipeline, drop)
    warehouse = warehouse_of(pipeline)

    assert {table: counts.get(table) for table in TABLES} == {
        "deployments": 4,
        "incidents": 2,
        "work_items": 3,
        "environment_bookings": 3,
    }
    assert counts.get("quarantine", 0) == 0
    assert query(
        warehouse,
        "select deployment_id, service, environment, status, started_at, finished_at, sha,"
        " repository, value_stream, team, url, source_file, source_line"
        " from raw_files.deployments order by deployment_id",
    ) == [
        ("3", "search", "Production", "success", utc(2026, 11, 2, 10), utc(2026, 11, 2, 10, 5),
         "ffee001", None, None, None, None, "deployments-ci.jsonl", 1),
        ("dep-1", "payments-api", "production", "success", utc(2026, 11, 2, 1, 30),
         utc(2026, 11, 2, 1, 45), "a1b2c3d", "acme/payments-api", "payments", "billing",
         "https://ci.example/dep-1", "deployments.csv", 2),
        ("dep-2", "payments-api", "staging", "failure", utc(2026, 11, 2, 3),
         utc(2026, 11, 2, 3, 10, 30), None, None, None, None, None, "deployments.csv", 3),
        ("dep-4", "search", "production", "in_progress", utc(2026, 11, 2, 17), None, None,
         None, None, None, None, "deployments-ci.jsonl", 3),
    ]  # fmt: skip
    assert query(
        warehouse,
        "select incident_id, service, title, severity, priority, started_at, acknowledged_at,"
        " resolved_at, caused_by_deployment_id, url, source_file, source_line"
        " from raw_files.incidents order by incident_id",
    ) == [
        ("inc-1", "payments-api", "Checkout errors", "SEV2", "P1", utc(2026, 11, 2, 10),
         utc(2026, 11, 2, 10, 5), utc(2026, 11, 3), "dep-1", "https://oncall.example/inc-1",
         "incidents.jsonl", 1),
        ("inc-2", "search", "Slow, then down", None, None, utc(2026, 11, 3, 8), None, None,
         None, None, "incidents_legacy.csv", 2),
    ]  # fmt: skip
    assert query(
        warehouse,
        "select work_item_id, title, type, status, status_category, team, value_stream,"
        " created_at, started_at, completed_at, canceled, parent_id, labels, source_file"
        " from raw_files.work_items order by work_item_id",
    ) == [
        ("17", "Old idea", "story", "Won't Do", "done", None, None, utc(2026, 11, 2, 10), None,
         utc(2026, 11, 4, 12), True, None, "idea;q4", "work_items_archive.jsonl"),
        ("PAY-1", "Refunds", "Story", "Done", "done", "billing", "payments", utc(2026, 10, 1, 7),
         utc(2026, 10, 2, 7), utc(2026, 10, 5, 15, 30), False, "PAY-0", "backend;refunds",
         "work_items.csv"),
        ("PAY-2", "Fix rounding", "Bug", "In Review", "in_progress", "billing", "payments",
         utc(2026, 10, 3), utc(2026, 10, 4), None, None, None, None, "work_items.csv"),
    ]  # fmt: skip
    assert query(
        warehouse,
        "select booking_id, environment, team, release, requested_by, start_at, end_at, status"
        " from raw_files.environment_bookings order by booking_id",
    ) == [
        ("bk-1", "staging-2", "billing", "2026.11", "ana", utc(2026, 11, 2, 7),
         utc(2026, 11, 2, 17), "approved"),
        ("bk-2", "staging-2", "search", None, "bo", utc(2026, 11, 2), utc(2026, 11, 3),
         "cancelled"),
        ("bk-3", "perf", None, None, None, utc(2026, 11, 2, 10), utc(2026, 11, 4, 12),
         "requested"),
    ]  # fmt: skip


def test_timestamp_columns_are_utc_timestamps_and_ids_are_keys(pipeline, drop):
    run(pipeline, drop)
    types = dict(
        query(
            warehouse_of(pipeline),
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'raw_files' and table_name = 'deployments'",
        )
    )
    assert types["finished_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["deployment_id"] == "VARCHAR"
    assert types["source_line"] == "BIGINT"
    assert "pipeline" not in types  # unknown columns are not loaded
    tables = pipeline.default_schema.tables
    keys = {
        table: [name for name, col in tables[table]["columns"].items() if col.get("primary_key")]
        for table in (*TABLES, "quarantine")
    }
    assert keys == {
        "deployments": ["deployment_id"],
        "incidents": ["incident_id"],
        "work_items": ["work_item_id"],
        "environment_bookings": ["booking_id"],
        "quarantine": ["source", "entity", "position", "record_hash"],
    }
    assert {tables[table]["write_disposition"] for table in (*TABLES, "quarantine")} == {"merge"}


def test_unknown_files_and_columns_are_named_in_warnings(pipeline, drop, caplog):
    with caplog.at_level(logging.INFO, logger="ingestion.sources.files"):
        run(pipeline, drop)
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("files: notes.txt: ignored;") for m in messages)
    assert any(
        m.startswith("files: deployments-ci.jsonl: ignored unknown columns pipeline ")
        for m in messages
    )
    assert "files: deployments.csv: 2 deployments loaded, 0 quarantined" in messages


# --------------------------------------------------------------------------- runs


def test_second_run_reads_nothing_and_changes_nothing(pipeline, drop, monkeypatch, caplog):
    run(pipeline, drop)
    first = snapshot(warehouse_of(pipeline))

    parsed = ParseCounter(monkeypatch)
    with caplog.at_level(logging.INFO, logger="ingestion.sources.files"):
        counts = run(pipeline, drop)

    assert parsed.names == []
    assert not set(counts) & {*TABLES, "quarantine"}
    assert snapshot(warehouse_of(pipeline)) == first
    unchanged = [m for m in caplog.messages if m.endswith("unchanged since the last run, not read")]
    assert len(unchanged) == 8


def test_touched_but_identical_file_is_not_parsed(pipeline, drop, monkeypatch):
    run(pipeline, drop)
    first = snapshot(warehouse_of(pipeline))
    path = drop / "deployments.csv"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    parsed = ParseCounter(monkeypatch)
    counts = run(pipeline, drop)

    assert parsed.names == []
    assert "deployments" not in counts
    assert snapshot(warehouse_of(pipeline)) == first


def test_changed_file_updates_rows_by_id(pipeline, drop, monkeypatch):
    run(pipeline, drop)
    path = drop / "deployments.csv"
    path.write_text(
        "deployment_id,service,environment,status,started_at,finished_at\n"
        "dep-1,payments-api,production,failure,2026-11-02T09:30:00+0800,2026-11-02T02:00:00Z\n"
        "dep-9,payments-api,production,queued,,\n",
        encoding="utf-8",
    )
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    parsed = ParseCounter(monkeypatch)
    counts = run(pipeline, drop)

    assert parsed.names == ["deployments.csv"]
    assert counts["deployments"] == 2
    rows = query(
        warehouse_of(pipeline),
        "select deployment_id, status, finished_at, sha, source_line"
        " from raw_files.deployments order by deployment_id",
    )
    assert rows == [
        ("3", "success", utc(2026, 11, 2, 10, 5), "ffee001", 1),
        ("dep-1", "failure", utc(2026, 11, 2, 2), None, 2),
        ("dep-2", "failure", utc(2026, 11, 2, 3, 10, 30), None, 3),  # no longer in the file
        ("dep-4", "in_progress", None, None, 3),
        ("dep-9", "queued", None, None, 3),
    ]


def test_within_one_run_a_later_file_wins_for_the_same_id(pipeline, tmp_path):
    folder = write_drop(
        tmp_path / "drop",
        {
            "incidents_a.csv": "incident_id,service,started_at\ni-1,old,2026-11-01T00:00:00Z\n",
            "incidents_b.jsonl": '{"incident_id": "i-1", "service": "new", '
            '"started_at": "2026-11-01T00:00:00Z"}\n',
        },
    )
    run(pipeline, folder)
    assert query(
        warehouse_of(pipeline), "select incident_id, service, source_file from raw_files.incidents"
    ) == [("i-1", "new", "incidents_b.jsonl")]


# --------------------------------------------------------------------------- bad input

BAD = {
    "deployments.csv": (
        "deployment_id,service,environment,status,started_at,finished_at\n"
        "dep-1,api,production,success,2026-11-02T01:00:00Z,2026-11-02T01:10:00Z\n"
        ",api,production,success,2026-11-02T02:00:00Z,2026-11-02T02:10:00Z\n"
        "dep-3,api,production,success,2026-11-02T03:00:00Z,yesterday\n"
        "dep-4,api,production,done,2026-11-02T04:00:00Z,2026-11-02T04:10:00Z\n"
        "dep-5,api,production,success,2026-11-02T05:00:00Z,\n"
        "dep-6,api,production,success,2026-11-02T06:00:00Z,2026-11-02T06:10:00Z,extra\n"
        "dep-7,api,production,success,1793613600,1793613900\n"
        "dep-8,api,production,success,2026-11-02T08:00:00Z,2026-11-02T08:10:00Z\n"
    ),
    "work_items.jsonl": (
        '{"work_item_id": "W-1", "type": "bug", "status": "Open", '
        '"created_at": "2026-11-01T00:00:00Z"}\n'
        '{"work_item_id": "W-2", "type": ["bug"], "status": "Open", '
        '"created_at": "2026-11-01T00:00:00Z"}\n'
        '{"work_item_id": "W-3", "type": "bug", "status": "Open", '
        '"created_at": "2026-11-01T00:00:00Z", "canceled": "maybe"}\n'
        '{"work_item_id": "W-4", "type": "bug", "status": "Open"\n'
        "[1, 2]\n"
        '{"work_item_id": "W-6", "type": "bug", "status": "Open", '
        '"created_at": "2026-11-01T00:00:00Z"}\n'
    ),
}


def test_bad_records_go_to_quarantine_and_the_rest_loads(pipeline, tmp_path):
    folder = write_drop(tmp_path / "drop", BAD)
    counts = run(pipeline, folder)
    warehouse = warehouse_of(pipeline)

    assert counts["deployments"] == 2
    assert counts["work_items"] == 2
    assert query(warehouse, "select deployment_id from raw_files.deployments order by 1") == [
        ("dep-1",),
        ("dep-8",),
    ]
    assert query(warehouse, "select work_item_id from raw_files.work_items order by 1") == [
        ("W-1",),
        ("W-6",),
    ]
    timestamp = (
        "expected an ISO 8601 timestamp such as 2026-11-02T09:30:00+08:00, or epoch milliseconds"
    )
    assert query(
        warehouse,
        "select source, entity, position, record_id, reason from raw_files.quarantine"
        " order by entity, position",
    ) == [
        ("files", "deployments", "deployments.csv:3", None,
         "deployment_id: expected a value, got nothing"),
        ("files", "deployments", "deployments.csv:4", "dep-3",
         f'finished_at: {timestamp}, got "yesterday"'),
        ("files", "deployments", "deployments.csv:5", "dep-4",
         "status: expected one of success, failure, error, cancelled, in_progress, queued,"
         ' got "done"'),
        ("files", "deployments", "deployments.csv:6", "dep-5",
         "finished_at: expected a timestamp when status is success, got nothing"),
        ("files", "deployments", "deployments.csv:7", None,
         "line has 7 values but the header has 6 columns (a delimiter inside a value that is"
         " not quoted?)"),
        ("files", "deployments", "deployments.csv:8", "dep-7",
         'started_at: expected epoch milliseconds, got "1793613600" (epoch seconds? multiply'
         ' by 1000); finished_at: expected epoch milliseconds, got "1793613900" (epoch'
         " seconds? multiply by 1000)"),
        ("files", "work_items", "work_items.jsonl:2", "W-2", 'type: expected text, got ["bug"]'),
        ("files", "work_items", "work_items.jsonl:3", "W-3",
         'canceled: expected true or false, got "maybe"'),
        ("files", "work_items", "work_items.jsonl:4", None,
         "line is not valid JSON (Expecting ',' delimiter at column 56)"),
        ("files", "work_items", "work_items.jsonl:5", None, "expected a JSON object, got [1, 2]"),
    ]  # fmt: skip
    payloads = dict(
        query(warehouse, "select position, raw_payload from raw_files.quarantine order by 1")
    )
    assert payloads["deployments.csv:4"] == (
        '{"deployment_id": "dep-3", "service": "api", "environment": "production", '
        '"status": "success", "started_at": "2026-11-02T03:00:00Z", "finished_at": "yesterday"}'
    )
    assert payloads["work_items.jsonl:4"] == (
        '{"work_item_id": "W-4", "type": "bug", "status": "Open"'
    )
    stamped = query(warehouse, "select count(*) from raw_files.quarantine where quarantined_at"
                    " > now() - interval 1 hour")  # fmt: skip
    assert stamped == [(10,)]


def test_rereading_a_changed_file_does_not_duplicate_its_quarantine_rows(pipeline, tmp_path):
    folder = write_drop(tmp_path / "drop", BAD)
    run(pipeline, folder)
    path = folder / "deployments.csv"
    path.write_text(BAD["deployments.csv"] + "dep-9,api,qa,queued,,\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    counts = run(pipeline, folder)

    assert counts["quarantine"] == 6  # the same six bad records, merged onto their rows
    warehouse = warehouse_of(pipeline)
    assert query(warehouse, "select count(*) from raw_files.quarantine") == [(10,)]
    assert query(warehouse, "select count(*) from raw_files.deployments") == [(3,)]


def test_malformed_file_is_one_error_line_and_other_files_load(pipeline, tmp_path, caplog):
    folder = write_drop(
        tmp_path / "drop",
        {
            "deployments.csv": DROP["deployments.csv"],
            "incidents.jsonl": '[\n  {\n    "incident_id": "x"\n  }\n]\n',
            "environment_bookings.csv": "id,name\n1,staging\n",
        },
    )
    (folder / "work_items.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    with caplog.at_level(logging.INFO, logger="ingestion.sources.files"):
        counts = run(pipeline, folder)

    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert sorted(errors) == [
        f"files source: {folder / 'environment_bookings.csv'}: the header (line 1) lacks the"
        " required columns booking_id, environment, start_at, end_at, status; the"
        " environment_bookings columns are: booking_id, environment, team, release,"
        " requested_by, start_at, end_at, status",
        f"files source: {folder / 'incidents.jsonl'}: not JSON Lines: no line holds a JSON"
        " object (line 1: Expecting value)",
        f"files source: {folder / 'work_items.csv'}: not UTF-8 text (byte 0 is 0x89)",
    ]
    assert counts["deployments"] == 2
    warehouse = warehouse_of(pipeline)
    assert query(
        warehouse, "select entity, position, record_id from raw_files.quarantine order by 1"
    ) == [
        ("environment_bookings", "environment_bookings.csv", None),
        ("incidents", "incidents.jsonl", None),
        ("work_items", "work_items.csv", None),
    ]

    # Unchanged, the file is not read again, but its error is said again.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ingestion.sources.files"):
        run(pipeline, folder)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert (
        f"files source: {folder / 'work_items.csv'}: not UTF-8 text (byte 0 is 0x89)"
        + (" (unchanged since the last run)")
        in errors
    )
    assert query(warehouse, "select count(*) from raw_files.quarantine") == [(3,)]


def test_missing_drop_folder_stops_the_source_with_one_line(pipeline, tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(PipelineStepFailed) as failed:
        pipeline.run(files_source(str(missing)))
    cause = failed.value.__cause__
    while cause is not None and not isinstance(cause, FilesSourceError):
        cause = cause.__cause__ or cause.__context__
    assert str(cause) == (
        f"files source: drop folder {missing} does not exist; create it or set"
        " SOURCES__FILES__FOLDER (or sources.files.folder in valuestream.yml)"
    )


# --------------------------------------------------------------------------- the folder


def test_folder_comes_from_the_argument_the_environment_or_vsm_home(
    pipeline, tmp_path, monkeypatch
):
    monkeypatch.setenv("VSM_HOME", str(tmp_path / "home"))
    assert drop_folder() == tmp_path / "home" / "drop"
    assert drop_folder(tmp_path / "x") == tmp_path / "x"

    folder = write_drop(tmp_path / "from-env", {"incidents.csv": DROP["incidents_legacy.csv"]})
    monkeypatch.setenv("SOURCES__FILES__FOLDER", str(folder))
    counts = run_default(pipeline)
    assert counts["incidents"] == 1


def run_default(pipeline) -> dict[str, int]:
    pipeline.run(files_source()).raise_on_failed_jobs()
    return dict(pipeline.last_trace.last_normalize_info.row_counts)


def test_explicit_folder_wins_over_the_environment(pipeline, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCES__FILES__FOLDER", str(tmp_path / "nowhere"))
    folder = write_drop(tmp_path / "drop", {"incidents.csv": DROP["incidents_legacy.csv"]})
    assert run(pipeline, folder)["incidents"] == 1


def test_csv_lines_are_counted_across_quoted_line_breaks(pipeline, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "incidents.csv").write_bytes(
        (
            "\ufeffincident_id,service,title,started_at\r\n"
            '"i-1",api,"first line\r\nsecond line",2026-11-01T00:00:00Z\r\n'
            "\r\n"
            "i-2,api,,not-a-time\r\n"
            "i-3,api,plain,2026-11-01T01:00:00Z\r\n"
        ).encode()
    )
    (folder / "incidents.ndjson").write_text(
        '{"incident_id": "i-4", "service": "api", "started_at": "2026-11-01T02:00:00Z"}\n',
        encoding="utf-8",
    )
    run(pipeline, folder)
    warehouse = warehouse_of(pipeline)
    assert query(
        warehouse,
        "select incident_id, title, source_file, source_line from raw_files.incidents order by 1",
    ) == [
        ("i-1", "first line\r\nsecond line", "incidents.csv", 2),
        ("i-3", "plain", "incidents.csv", 6),
        ("i-4", None, "incidents.ndjson", 1),
    ]
    assert query(warehouse, "select position, record_id from raw_files.quarantine") == [
        ("incidents.csv:5", "i-2")
    ]


def test_a_removed_file_put_back_is_read_again(pipeline, drop, monkeypatch, tmp_path):
    run(pipeline, drop)
    first = snapshot(warehouse_of(pipeline))
    path = drop / "incidents.jsonl"
    kept = tmp_path / "incidents.jsonl"
    path.rename(kept)
    run(pipeline, drop)
    kept.rename(path)

    parsed = ParseCounter(monkeypatch)
    counts = run(pipeline, drop)

    assert parsed.names == ["incidents.jsonl"]
    assert counts["incidents"] == 1
    assert snapshot(warehouse_of(pipeline)) == first


def test_files_pipeline_writes_raw_files_under_vsm_home(tmp_path, monkeypatch):
    monkeypatch.setenv("VSM_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VSM_WAREHOUSE", raising=False)
    pipeline = files_pipeline()
    assert (pipeline.pipeline_name, pipeline.dataset_name) == ("vsm_files", "raw_files")
    assert Path(pipeline.pipelines_dir) == tmp_path / "home" / "dlt"
    assert warehouse_of(pipeline) == tmp_path / "home" / "warehouse.duckdb"
