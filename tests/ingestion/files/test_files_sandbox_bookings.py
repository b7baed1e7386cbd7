"""The sandbox's environment bookings CSV loads through the files source as it is."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from ingestion.pipelines import files_pipeline
from ingestion.sandbox import generate_organisation
from ingestion.sandbox.jira.generator import write_bookings_csv
from ingestion.sources.files import files_source


def test_sandbox_bookings_load_without_quarantine(tmp_path) -> None:
    org = generate_organisation(tier="small", seed=7, now=datetime(2026, 11, 23, tzinfo=UTC))
    drop = tmp_path / "drop"
    write_bookings_csv(org.jira, drop / "environment_bookings.csv")
    warehouse = tmp_path / "warehouse.duckdb"

    files_pipeline(warehouse, tmp_path / "dlt").run(files_source(folder=str(drop)))

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select booking_id, environment, status, start_at, end_at "
            "from raw_files.environment_bookings order by booking_id"
        ).fetchall()
        quarantined = con.execute("select count(*) from raw_files.quarantine").fetchone()[0]
    finally:
        con.close()
    assert quarantined == 0
    expected = sorted(
        (
            str(b.booking_id),
            b.environment,
            b.status,
            datetime.fromtimestamp(b.start_ts, UTC),
            datetime.fromtimestamp(b.end_ts, UTC),
        )
        for b in org.jira.bookings
    )
    assert len(rows) == len(expected) > 20
    assert [
        (bid, env, status, start.astimezone(UTC), end.astimezone(UTC))
        for bid, env, status, start, end in rows
    ] == expected
