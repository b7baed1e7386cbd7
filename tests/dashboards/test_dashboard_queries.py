"""Queries read the published marts file, read-only, one short connection per query."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest
from marts_fixture import VALUE_STREAMS, WEEKS

from dashboards import queries

ALL_STREAMS = ("payments", "storefront")


def test_marts_path_follows_vsm_marts_then_vsm_home(monkeypatch, tmp_path):
    monkeypatch.delenv("VSM_MARTS", raising=False)
    monkeypatch.delenv("VSM_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert queries.marts_path() == tmp_path / ".vsm" / "marts.duckdb"
    monkeypatch.setenv("VSM_HOME", str(tmp_path / "home"))
    assert queries.marts_path() == tmp_path / "home" / "marts.duckdb"
    monkeypatch.setenv("VSM_MARTS", str(tmp_path / "elsewhere.duckdb"))
    assert queries.marts_path() == tmp_path / "elsewhere.duckdb"


def test_missing_file_raises_a_named_error(missing_marts):
    assert not queries.marts_available()
    with pytest.raises(queries.MartsNotFoundError):
        queries.value_streams()


def test_fixture_weeks_match_its_deployments(marts_file):
    """The hand-built mart counts agree with the hand-built deployment rows."""
    con = duckdb.connect(str(marts_file), read_only=True)
    try:
        mismatches = con.execute(
            """
            select m.value_stream_id, m.period_start, m.deployments, count(d.source_id)
            from main.mart_dora_deployment_frequency m
            left join main.fct_deployments d
              on d.value_stream_id = m.value_stream_id and d.finished_week = m.period_start
             and d.is_production_deployment
            group by all
            having m.deployments <> count(d.source_id)
            """
        ).fetchall()
    finally:
        con.close()
    assert mismatches == []


def test_value_streams_and_week_bounds(marts_file):
    streams = queries.value_streams()
    assert list(streams.itertuples(index=False, name=None)) == VALUE_STREAMS
    assert queries.week_bounds() == (date(2026, 10, 19), date(2026, 11, 23))


def test_weekly_frequency_filters_streams_and_weeks(marts_file):
    weekly = queries.weekly_deployment_frequency(
        ["storefront"], date(2026, 11, 9), date(2026, 11, 23)
    )
    assert list(weekly["week_start"]) == [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    assert list(weekly["deployments"]) == [0, 2, 1]
    assert list(weekly["band"]) == ["low", "medium", "medium"]
    assert list(weekly["week_in_progress"]) == [False, False, True]

    everything = queries.weekly_deployment_frequency(
        ALL_STREAMS, date(2026, 10, 19), date(2026, 11, 23)
    )
    assert len(everything) == len(WEEKS) == 10
    assert int(everything["deployments"].sum()) == 23


def test_production_deployments_of_a_week_use_the_streams_week(marts_file):
    rows = queries.production_deployments("storefront", date(2026, 11, 16))
    # 2002 finished Sunday 15 Nov 23:30 UTC: Monday 16 Nov 00:30 in Berlin.
    assert list(rows["repository"]) == ["acme/search-service", "acme/catalog-api"]
    assert list(rows["environment"]) == ["prod", "production"]
    assert str(rows["finished_at"].iloc[0]) == "2026-11-15 23:30:00+00:00"
    assert rows["change_count"].isna().tolist() == [True, False]

    payments = queries.production_deployments("payments", date(2026, 11, 16))
    assert len(payments) == 6
    assert set(payments["environment"]) == {"production"}


def test_failed_production_attempts(marts_file):
    failed = queries.failed_production_attempts(ALL_STREAMS, date(2026, 10, 19), date(2026, 11, 23))
    as_tuples = list(failed.itertuples(index=False, name=None))
    assert as_tuples == [
        ("payments", date(2026, 10, 26), 1),
        ("payments", date(2026, 11, 16), 2),
        ("storefront", date(2026, 11, 16), 1),
    ]


def test_freshness(marts_file):
    assert str(queries.latest_finished_at()) == "2026-11-23 09:00:00+00:00"
    last = queries.last_production_deployments().set_index("value_stream_id")
    assert str(last.loc["storefront", "last_deployment_at"]) == "2026-11-22 23:30:00+00:00"
    modified = queries.marts_file_modified_at()
    assert abs(modified.timestamp() - os.stat(marts_file).st_mtime) < 1e-3


WRITER = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, {tests_dir!r})
    from pathlib import Path
    from marts_fixture import DEPLOYMENTS, VALUE_STREAMS, WEEKS, write_marts

    target = Path({target!r})
    # The published file is not held open by the dashboards: a writer may open it.
    import duckdb
    con = duckdb.connect(str(target))
    con.execute("select count(*) from main.fct_deployments").fetchone()
    con.close()
    tmp = target.with_name(target.name + ".tmp")
    streams = VALUE_STREAMS + [("platform", "Platform", "UTC")]
    weeks = WEEKS + [("platform", "2026-11-23", 0, 0, 0.0, "low")]
    write_marts(tmp, streams, DEPLOYMENTS, weeks)
    os.replace(tmp, target)
    """
)


def test_a_replaced_file_is_read_by_the_next_query(marts_file):
    """Each query opens the file read-only and closes it: another process can open the
    same file for writing, and swap in a new file, between two queries; the next query
    sees the new rows (the cache is keyed on the file, not only on time)."""
    before = queries.value_streams()
    assert list(before["value_stream_id"]) == ["payments", "storefront"]
    assert queries.week_bounds() == (date(2026, 10, 19), date(2026, 11, 23))

    script = WRITER.format(tests_dir=str(Path(__file__).parent), target=str(marts_file))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr

    after = queries.value_streams()
    assert list(after["value_stream_id"]) == ["payments", "platform", "storefront"]
    weekly = queries.weekly_deployment_frequency(
        ["platform"], date(2026, 11, 23), date(2026, 11, 23)
    )
    assert list(weekly["deployments"]) == [0]
    # Reading never left a connection behind: this process can write the file too.
    con = duckdb.connect(str(marts_file))
    try:
        assert con.execute("select count(*) from main.dim_value_streams").fetchone() == (3,)
    finally:
        con.close()


def test_queries_in_a_row_leave_no_connection_open(marts_file):
    """Opening the file read-write from this process would fail while a read-only
    connection to it were still open (different configuration for the same file)."""
    queries.value_streams()
    queries.weekly_deployment_frequency(ALL_STREAMS, date(2026, 10, 19), date(2026, 11, 23))
    con = duckdb.connect(str(marts_file))
    con.close()
