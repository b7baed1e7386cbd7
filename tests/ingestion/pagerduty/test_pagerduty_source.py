"""The PagerDuty source against the sandbox's PagerDuty API over HTTP, through dlt into a
temporary DuckDB."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.config import load_config
from ingestion.pipelines import (
    PAGERDUTY_DATASET,
    pagerduty_pipeline,
    pagerduty_source_from_config,
    source_failure,
)
from ingestion.sandbox import SandboxServer, generate_organisation
from ingestion.sandbox.knobs import Budget, Faults
from ingestion.sources.pagerduty import PagerDutyAuthError, pagerduty_source
from ingestion.sources.pagerduty.settings import INCIDENTS_OVERLAP_HOURS

NOW = datetime(2026, 11, 23, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]
TABLES = ("services", "incidents", "log_entries")
OVERLAP = int(INCIDENTS_OVERLAP_HOURS * 3600)
INCIDENTS, INCIDENT, LOG_ENTRIES = (
    "/incidents",
    "/incidents/{id}",
    "/incidents/{id}/log_entries",
)


# --------------------------------------------------------------------------- the sandbox's truth


def at(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def events(incident) -> list[int]:
    times = [incident.triggered_ts, *(note.created_ts for note in incident.notes)]
    times += [t for t in (incident.acknowledged_ts, incident.resolved_ts) if t is not None]
    return times


def visible(org, clock: int) -> list:
    return [i for i in org.pagerduty.incidents if i.triggered_ts <= clock]


def log_entry_count(org, clock: int) -> int:
    return sum(sum(1 for t in events(i) if t <= clock) for i in visible(org, clock))


def is_open(incident, clock: int) -> bool:
    return incident.status_at(clock) != "resolved"


def day_with_a_long_open_incident(org) -> int:
    """A clock (hours before NOW) at which an incident is open that the next run's listing
    (from the newest creation time minus the overlap) no longer reaches, that is resolved a
    day later, and after which new incidents come."""
    for hours in range(24, 24 * 60):
        clock = int(NOW.timestamp()) - hours * 3600
        seen = visible(org, clock)
        if not seen:
            continue
        cursor = max(i.triggered_ts for i in seen)
        followed = [
            i
            for i in seen
            if is_open(i, clock)
            and i.triggered_ts < cursor - OVERLAP
            and not is_open(i, clock + 86_400)
        ]
        new = [i for i in org.pagerduty.incidents if clock < i.triggered_ts <= clock + 86_400]
        if followed and new:
            return clock
    raise AssertionError("the sandbox has no such day")


def expected_requests(org, previous: int, clock: int) -> dict[str, int]:
    """What an incremental run at `clock` after one at `previous` should ask."""
    cursor = max(i.triggered_ts for i in visible(org, previous))
    listed = {i.incident_id for i in visible(org, clock) if i.triggered_ts >= cursor - OVERLAP}
    followed = {i.incident_id for i in visible(org, previous) if is_open(i, previous)}
    changed = [
        i
        for i in visible(org, clock)
        if i.incident_id in listed | followed
        and (i.triggered_ts > previous or any(previous < t <= clock for t in events(i)))
    ]
    return {
        INCIDENTS: 1,
        INCIDENT: len(followed - listed),
        LOG_ENTRIES: len(changed),
        "/services": 1,
    }


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def org():
    return generate_organisation(tier="small", seed=7, now=NOW)


@pytest.fixture(scope="module")
def server(org):
    with SandboxServer(org, host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture(scope="module")
def env(server):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCES__PAGERDUTY__API_TOKEN", server.pagerduty_token)
        patch.setenv("SOURCES__PAGERDUTY__API_URL", server.pagerduty_url)
        yield patch


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: sorted(
                con.sql(
                    f"select * exclude (_dlt_load_id, _dlt_id) from {PAGERDUTY_DATASET}.{table}"
                ).fetchall(),
                key=repr,
            )
            for table in TABLES
        }


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def run(server, pipeline, source) -> dict:
    server.reset_counts()
    pipeline.run(source).raise_on_failed_jobs()
    return {
        "requests": {
            k: v for k, v in server.request_counts.items() if k.startswith(("/inc", "/se"))
        },
        "rows": dict(pipeline.last_trace.last_normalize_info.row_counts),
    }


@pytest.fixture(scope="module")
def runs(org, server, env, tmp_path_factory):
    """A full load, the same run again, and a run a day later; then a fresh full load at
    that later time to compare with."""
    base = tmp_path_factory.mktemp("pagerduty")
    warehouse = base / "warehouse.duckdb"
    pipeline = pagerduty_pipeline(warehouse, base / "dlt")
    config = load_config(ROOT / "valuestream.yml")
    clock = day_with_a_long_open_incident(org)
    out: dict = {"warehouse": warehouse, "clock": clock}
    try:
        server.clock = at(clock)
        out["first"] = run(server, pipeline, pagerduty_source_from_config(config))
        out["first_snapshot"] = snapshot(warehouse)
        out["second"] = run(server, pipeline, pagerduty_source_from_config(config))
        out["second_snapshot"] = snapshot(warehouse)
        server.advance(timedelta(days=1))
        out["third"] = run(server, pipeline, pagerduty_source_from_config(config))
        out["third_snapshot"] = snapshot(warehouse)
        fresh = base / "fresh.duckdb"
        run(server, pagerduty_pipeline(fresh, base / "dlt-fresh"), pagerduty_source())
        out["fresh_snapshot"] = snapshot(fresh)
        server.clock = NOW
        now_warehouse = base / "now.duckdb"
        out["now"] = run(
            server, pagerduty_pipeline(now_warehouse, base / "dlt-now"), pagerduty_source()
        )
        out["now_warehouse"] = now_warehouse
    finally:
        server.clock = NOW
    return out


# --------------------------------------------------------------------------- full load


def test_full_load_counts_equal_the_sandbox(org, runs):
    clock = runs["clock"]
    first = runs["first_snapshot"]
    assert len(first["services"]) == len(org.pagerduty.services)
    assert len(first["incidents"]) == len(visible(org, clock))
    assert len(first["log_entries"]) == log_entry_count(org, clock)
    assert runs["first"]["requests"] == {
        INCIDENTS: 2,  # 100 per page
        LOG_ENTRIES: len(visible(org, clock)),
        "/services": 1,
    }
    now = int(NOW.timestamp())
    assert runs["now"]["rows"]["incidents"] == len(org.pagerduty.incidents)
    assert runs["now"]["rows"]["log_entries"] == log_entry_count(org, now)


def test_incident_values_equal_the_sandbox(org, runs):
    warehouse = runs["now_warehouse"]
    now = int(NOW.timestamp())
    services = {s.service_id: s.name for s in org.pagerduty.services}
    rows = {
        row[0]: row[1:]
        for row in query(
            warehouse,
            "select id, incident_number, title, summary, status, urgency, priority_name, "
            "service_id, service_name, created_at, acknowledged_at, resolved_at, description "
            "from raw_pagerduty.incidents",
        )
    }
    for incident in org.pagerduty.incidents:
        assert rows[incident.incident_id] == (
            incident.incident_number,
            incident.title,
            f"[#{incident.incident_number}] {incident.title}",
            incident.status_at(now),
            incident.urgency,
            incident.priority,
            incident.service_id,
            services[incident.service_id],
            at(incident.triggered_ts),
            at(incident.acknowledged_ts),
            at(incident.resolved_ts),
            incident.description,
        ), incident.incident_id
    still_open = [i.incident_id for i in org.pagerduty.incidents if i.resolved_ts is None]
    assert still_open
    assert all(rows[i][10] is None for i in still_open)


def test_the_text_naming_the_cause_is_kept(org, runs):
    warehouse = runs["now_warehouse"]
    explicit = [i for i in org.pagerduty.incidents if i.link_kind == "explicit"]
    in_description = next(i for i in explicit if i.description != i.title)
    in_note = next(i for i in explicit if any("caused this" in n.content for n in i.notes))
    description, title = query(
        warehouse,
        "select description, title from raw_pagerduty.incidents "
        f"where id = '{in_description.incident_id}'",
    )[0]
    assert description == in_description.description
    assert "Started right after" in description and "Started right after" not in title
    notes = query(
        warehouse,
        "select note, agent_id, created_at from raw_pagerduty.log_entries "
        f"where incident_id = '{in_note.incident_id}' and type = 'annotate_log_entry' "
        "order by created_at",
    )
    assert [n[0] for n in notes] == [n.content for n in in_note.notes]
    assert [n[2] for n in notes] == [at(n.created_ts) for n in in_note.notes]
    assert all(n[1] for n in notes)
    # the PagerDuty number lives in the summary only: no title reads like a PR reference
    # unless the responder wrote one
    titles = query(warehouse, "select title, summary from raw_pagerduty.incidents")
    assert all(summary.startswith("[#") and not title.startswith("[#") for title, summary in titles)
    named_pr = {i.title for i in explicit if i.named in ("pr", "pr_full")}
    assert {t for t, _ in titles if re.search(r"#\d+", t)} <= named_pr


def test_columns_are_flat_and_timestamps_utc(runs):
    warehouse = runs["now_warehouse"]
    types = dict(
        query(
            warehouse,
            "select table_name || '.' || column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_pagerduty'",
        )
    )
    for column in (
        "incidents.created_at",
        "incidents.acknowledged_at",
        "incidents.resolved_at",
        "incidents.last_status_change_at",
        "log_entries.created_at",
        "services.created_at",
    ):
        assert types[column] == "TIMESTAMP WITH TIME ZONE", column
    assert types["incidents.incident_number"] == "BIGINT"
    tables = {
        row[0]
        for row in query(
            warehouse, "select table_name from duckdb_tables() where schema_name = 'raw_pagerduty'"
        )
    }
    assert {t for t in tables if not t.startswith("_dlt")} == {*TABLES, "quarantine"}


# --------------------------------------------------------------------------- incremental


def test_second_run_adds_and_changes_nothing(org, runs):
    assert runs["second_snapshot"] == runs["first_snapshot"]
    assert "incidents" not in runs["second"]["rows"]
    assert "log_entries" not in runs["second"]["rows"]
    clock = runs["clock"]
    expected = expected_requests(org, clock, clock)
    assert expected[LOG_ENTRIES] == 0 and expected[INCIDENT] >= 1
    assert runs["second"]["requests"] == {k: v for k, v in expected.items() if v}
    for table in TABLES:
        assert not query(
            runs["warehouse"],
            f"select id from raw_pagerduty.{table} group by id having count(*) > 1",
        )


def test_a_day_later_only_new_and_open_incidents_are_read(org, runs):
    clock = runs["clock"]
    later = clock + 86_400
    assert runs["third"]["requests"] == expected_requests(org, clock, later)
    # the warehouse matches a fresh full load at the later time
    assert runs["third_snapshot"] == runs["fresh_snapshot"]
    # incidents open at the first run are resolved now, with times from their log entries
    was_open = [i for i in visible(org, clock) if is_open(i, clock)]
    assert was_open
    for incident in was_open:
        row = query(
            runs["warehouse"],
            "select status, acknowledged_at, resolved_at from raw_pagerduty.incidents "
            f"where id = '{incident.incident_id}'",
        )[0]
        assert row == ("resolved", at(incident.acknowledged_ts), at(incident.resolved_ts))
        assert runs["first_snapshot"] != runs["third_snapshot"]


# --------------------------------------------------------------------------- failures


LINE = (
    "pagerduty source: PagerDuty answered 401 Unauthorized to GET /incidents; set "
    "SOURCES__PAGERDUTY__API_TOKEN to a REST API key that can read incidents and services"
)


def test_wrong_token_stops_with_one_line(server, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SOURCES__PAGERDUTY__API_TOKEN", "u+not-the-right-key")
    monkeypatch.setenv("SOURCES__PAGERDUTY__API_URL", server.pagerduty_url)
    pipeline = pagerduty_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    with caplog.at_level(logging.DEBUG), pytest.raises(PipelineStepFailed) as caught:
        pipeline.run(pagerduty_source())
    assert source_failure(caught.value) == LINE
    assert LINE in str(caught.value)
    assert "not-the-right-key" not in str(caught.value)
    assert "not-the-right-key" not in caplog.text


def test_missing_token_stops_with_one_line(server, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCES__PAGERDUTY__API_TOKEN", raising=False)
    pipeline = pagerduty_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    with pytest.raises(PipelineStepFailed) as caught:
        pipeline.run(pagerduty_source(api_url=server.pagerduty_url))
    assert source_failure(caught.value) == (
        "pagerduty source: no API token; set SOURCES__PAGERDUTY__API_TOKEN "
        "(or api_token under [sources.pagerduty] in .dlt/secrets.toml)"
    )
    chain, current = [], caught.value
    while current is not None:
        chain.append(current)
        current = current.__cause__
    assert isinstance(chain[-1], PagerDutyAuthError)


def test_rate_limits_are_waited_out_and_progress_logged(org, server, env, runs, tmp_path, caplog):
    """One service, through a budget of a few requests a second (429 with Retry-After)."""
    service = min(
        org.pagerduty.services,
        key=lambda s: sum(1 for i in org.pagerduty.incidents if i.service_id == s.service_id),
    )
    warehouse = tmp_path / "warehouse.duckdb"
    pipeline = pagerduty_pipeline(warehouse, tmp_path / "dlt")
    server.budget = Budget(requests=8, window_seconds=1.0)
    try:
        with caplog.at_level(logging.INFO):
            run(server, pipeline, pagerduty_source(service_ids=[service.service_id]))
    finally:
        server.budget = None
    assert any("rate limited on GET /incidents/" in r.getMessage() for r in caplog.records)
    assert any(
        r.name == "ingestion.sources.pagerduty" and "incidents listed (all dates)" in r.getMessage()
        for r in caplog.records
    )
    assert server.pagerduty_token not in caplog.text
    got = snapshot(warehouse)
    everything = query(
        runs["now_warehouse"],
        "select * exclude (_dlt_load_id, _dlt_id) from raw_pagerduty.incidents "
        f"where service_id = '{service.service_id}'",
    )
    assert got["incidents"] == sorted(everything, key=repr)
    assert [row[0] for row in got["services"]] == [service.service_id]


def test_broken_records_are_quarantined_and_asked_again(org, server, env, runs, tmp_path):
    """A malformed incident, a malformed log entry and a page cut short: the pages' other
    records load, the bad ones wait in quarantine and the next run loads them; the cut page
    is asked again."""
    warehouse = tmp_path / "warehouse.duckdb"
    pipeline = pagerduty_pipeline(warehouse, tmp_path / "dlt")
    server.reset_counts()
    server.faults = Faults(
        seed=3, malformed={INCIDENTS: 1, LOG_ENTRIES: 7}, truncate={LOG_ENTRIES: 5}
    )
    try:
        pipeline.run(pagerduty_source()).raise_on_failed_jobs()
        injected = dict(server.fronts["pagerduty"].faults_injected)
    finally:
        server.faults = None
    assert injected == {"malformed": 2, "truncated": 1}
    total = len(org.pagerduty.incidents)
    quarantined = query(
        warehouse,
        "select source, entity, record_id, position, reason from raw_pagerduty.quarantine "
        "order by entity",
    )
    assert [row[:2] for row in quarantined] == [
        ("pagerduty", "incidents"),
        ("pagerduty", "log_entries"),
    ]
    _, _, record_id, where, reason = quarantined[0]
    assert where == f"GET /incidents: id {record_id}"
    assert reason.startswith("created_at: expected ")
    _, _, entry_id, entry_where, entry_reason = quarantined[1]
    assert re.fullmatch(rf"GET /incidents/Q\w+/log_entries: id {entry_id}", entry_where)
    assert entry_reason.startswith("created_at: expected ")
    loaded = {row[0] for row in query(warehouse, "select id from raw_pagerduty.incidents")}
    assert len(loaded) == total - 1 and record_id not in loaded
    entries = query(warehouse, "select count(*) from raw_pagerduty.log_entries")[0][0]
    bad = org.pagerduty.incident(record_id)
    assert entries == log_entry_count(org, int(NOW.timestamp())) - len(events(bad)) - 1

    pipeline.run(pagerduty_source()).raise_on_failed_jobs()
    assert snapshot(warehouse) == {
        table: sorted(
            query(
                runs["now_warehouse"],
                f"select * exclude (_dlt_load_id, _dlt_id) from raw_pagerduty.{table}",
            ),
            key=repr,
        )
        for table in TABLES
    }
