"""The PagerDuty source's pure pieces: times, listing windows, the contract, row flattening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingestion.sources.pagerduty.helpers import (
    IncidentContract,
    LogEntryContract,
    check,
    fingerprint,
    incident_row,
    listing_windows,
    log_entry_row,
    parse_timestamp,
    position,
)


def test_timestamps_land_as_utc():
    assert parse_timestamp("2026-03-01T10:00:00Z") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert parse_timestamp("2026-03-01T18:00:00+08:00") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert parse_timestamp("2026-03-01T18:00:00+0800") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert parse_timestamp("2026-03-01T10:00:00") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert parse_timestamp(None) is None
    with pytest.raises(ValueError, match="expected a timestamp, got 20240101"):
        parse_timestamp(20240101)
    with pytest.raises(ValueError, match='expected a timestamp, got "yesterday"'):
        parse_timestamp("yesterday")


def test_listing_windows():
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert listing_windows(None, now) == [{"date_range": "all"}]
    assert listing_windows(now - timedelta(hours=26), now) == [{"since": "2026-11-21T22:00:00Z"}]
    # a year since the last run: windows PagerDuty accepts (6 months at most), the last open
    windows = listing_windows(now - timedelta(days=400), now)
    assert windows == [
        {"since": "2025-10-19T00:00:00Z", "until": "2026-04-17T00:00:00Z"},
        {"since": "2026-04-17T00:00:00Z", "until": "2026-10-14T00:00:00Z"},
        {"since": "2026-10-14T00:00:00Z"},
    ]


def entry(ident: str, kind: str, at: str, **extra) -> dict:
    return {"id": ident, "type": kind, "created_at": at, **extra}


INCIDENT = {
    "id": "Q1",
    "incident_number": 12,
    "title": "Elevated 5xx rate on payments-api",
    "summary": "[#12] Elevated 5xx rate on payments-api",
    "description": "Elevated 5xx rate on payments-api",
    "status": "resolved",
    "urgency": "high",
    "created_at": "2026-03-01T18:00:00+08:00",
    "updated_at": "2026-03-01T13:00:00Z",
    "last_status_change_at": "2026-03-01T13:00:00Z",
    "resolved_at": "2026-03-01T13:00:00Z",
    "service": {"id": "PSVC", "type": "service_reference", "summary": "payments-api"},
    "escalation_policy": {"id": "PPOL", "type": "escalation_policy_reference"},
    "priority": {"id": "PRIO", "type": "priority", "summary": "P2", "name": "P2"},
    "teams": [{"id": "PT1"}, {"id": "PT2"}],
}
ENTRIES = [
    entry("R4", "resolve_log_entry", "2026-03-01T13:00:00Z"),
    entry("R3", "acknowledge_log_entry", "2026-03-01T11:00:00Z"),
    entry("R2", "acknowledge_log_entry", "2026-03-01T10:05:00Z"),
    entry(
        "R1",
        "trigger_log_entry",
        "2026-03-01T10:00:00Z",
        event_details={"description": "Started right after deployment 4711 reached production."},
    ),
]


def rows(entries: list[dict]) -> list[dict]:
    return [log_entry_row("Q1", item) for item in entries]


def test_incident_times_come_from_the_log_entries():
    row = incident_row(INCIDENT, rows(ENTRIES))
    assert row["created_at"] == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert row["acknowledged_at"] == datetime(2026, 3, 1, 10, 5, tzinfo=UTC)  # the first
    assert row["resolved_at"] == datetime(2026, 3, 1, 13, tzinfo=UTC)
    # the PagerDuty number stays out of the title; the summary keeps it
    assert row["title"] == "Elevated 5xx rate on payments-api"
    assert row["summary"] == "[#12] Elevated 5xx rate on payments-api"
    assert (row["priority_name"], row["service_id"], row["service_name"]) == (
        "P2",
        "PSVC",
        "payments-api",
    )
    assert (row["escalation_policy_id"], row["team_ids"]) == ("PPOL", "PT1 PT2")
    # no body: the description comes from the trigger entry, never from the title copy
    assert row["description"] == "Started right after deployment 4711 reached production."


def test_description_from_the_body_and_open_incidents():
    with_body = {**INCIDENT, "body": {"details": {"description": "After #42 merged."}}}
    assert incident_row(with_body, rows(ENTRIES))["description"] == "After #42 merged."
    opened = {**INCIDENT, "status": "acknowledged", "resolved_at": None}
    row = incident_row(opened, rows(ENTRIES[1:]))
    assert row["resolved_at"] is None
    assert row["acknowledged_at"] == datetime(2026, 3, 1, 10, 5, tzinfo=UTC)


def test_notes_keep_their_text():
    note = entry(
        "R9",
        "annotate_log_entry",
        "2026-03-01T12:00:00Z",
        channel={"type": "note", "summary": "Looks like acme/payments-api#42 caused this"},
        note="Looks like acme/payments-api#42 caused this",
        agent={"id": "PU1", "type": "user_reference", "summary": "Ada"},
    )
    row = log_entry_row("Q1", note)
    assert row["note"] == row["channel_summary"] == "Looks like acme/payments-api#42 caused this"
    assert (row["agent_id"], row["agent_name"], row["channel_type"]) == ("PU1", "Ada", "note")


def test_fingerprint_changes_with_a_note_or_a_status():
    base = fingerprint(INCIDENT)
    assert fingerprint({**INCIDENT, "updated_at": "2026-03-01T14:00:00Z"}) != base
    assert fingerprint({**INCIDENT, "status": "acknowledged"}) != base
    assert fingerprint(dict(INCIDENT)) == base


def test_records_breaking_the_contract_are_quarantined():
    page = [
        INCIDENT,
        {**INCIDENT, "id": "Q2", "created_at": 20240101},
        {key: value for key, value in INCIDENT.items() if key != "id"},
        {**INCIDENT, "id": "Q3", "status": "snoozed"},
    ]
    good, bad = check(
        page, IncidentContract, entity="incidents", position_of=position("/incidents", 100)
    )
    assert [item["id"] for item in good] == ["Q1"]
    assert [(row.record_id, row.position) for row in bad] == [
        ("Q2", "GET /incidents: id Q2"),
        (None, "GET /incidents: record 103"),
        ("Q3", "GET /incidents: id Q3"),
    ]
    assert bad[0].reason == "created_at: expected a timestamp, got 20240101"
    assert bad[1].reason == "id: expected a value, got nothing"
    assert bad[2].reason.startswith("status: ")
    assert all(row.source == "pagerduty" for row in bad)
    good, bad = check(
        [{"id": "R1", "type": "trigger_log_entry"}],
        LogEntryContract,
        entity="log_entries",
        position_of=position("/incidents/Q1/log_entries", 0),
    )
    assert good == [] and bad[0].reason == "created_at: expected a value, got nothing"
