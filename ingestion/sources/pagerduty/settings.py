"""Endpoints, defaults and table hints of the PagerDuty source."""

from __future__ import annotations

from typing import Any

DEFAULT_API_URL = "https://api.pagerduty.com"
TOKEN_SETTING = "SOURCES__PAGERDUTY__API_TOKEN"
SOURCE_NAME = "pagerduty"

# PagerDuty's classic pagination allows at most 100 records per page.
PAGE_LIMIT = 100
# `/incidents` filters on the creation (trigger) time, so each run lists incidents created
# since the newest one already loaded minus this overlap (an incident that reached the
# account a little late is not missed); incidents already known and unchanged are skipped.
INCIDENTS_OVERLAP_HOURS = 2.0
# PagerDuty refuses a `since`/`until` range longer than 6 months; a longer gap since the
# last run is read in windows of this many days.
MAX_WINDOW_DAYS = 180

HEADERS = {
    "Accept": "application/vnd.pagerduty+json;version=2",
    "User-Agent": "valuestream",
}

SERVICES = "/services"
INCIDENTS = "/incidents"
INCIDENT = "/incidents/{incident_id}"
LOG_ENTRIES = "/incidents/{incident_id}/log_entries"

# `body` carries the incident's description (`body.details.description`).
INCIDENT_INCLUDES = ("body",)
OPEN_STATUSES = frozenset({"triggered", "acknowledged"})
INCIDENT_STATUSES = frozenset({"triggered", "acknowledged", "resolved"})
ACKNOWLEDGE_ENTRY = "acknowledge_log_entry"
RESOLVE_ENTRY = "resolve_log_entry"
TRIGGER_ENTRY = "trigger_log_entry"


def _column(data_type: str, nullable: bool = True) -> dict[str, Any]:
    # A fresh dict per column: dlt writes the column name into the hint it is given.
    return {"data_type": data_type, "nullable": nullable}


def service_columns() -> dict[str, Any]:
    return {
        "id": _column("text", nullable=False),
        "name": _column("text"),
        "description": _column("text"),
        "status": _column("text"),
        "html_url": _column("text"),
        "escalation_policy_id": _column("text"),
        "team_ids": _column("text"),
        "created_at": _column("timestamp"),
        "updated_at": _column("timestamp"),
        "last_incident_at": _column("timestamp"),
    }


def incident_columns() -> dict[str, Any]:
    return {
        "id": _column("text", nullable=False),
        "incident_number": _column("bigint"),
        "title": _column("text"),
        "summary": _column("text"),
        "description": _column("text"),
        "status": _column("text"),
        "urgency": _column("text"),
        "priority_id": _column("text"),
        "priority_name": _column("text"),
        "service_id": _column("text"),
        "service_name": _column("text"),
        "escalation_policy_id": _column("text"),
        "team_ids": _column("text"),
        "incident_key": _column("text"),
        "html_url": _column("text"),
        "created_at": _column("timestamp", nullable=False),
        "updated_at": _column("timestamp"),
        "last_status_change_at": _column("timestamp"),
        "acknowledged_at": _column("timestamp"),
        "resolved_at": _column("timestamp"),
    }


def log_entry_columns() -> dict[str, Any]:
    return {
        "id": _column("text", nullable=False),
        "incident_id": _column("text", nullable=False),
        "type": _column("text"),
        "created_at": _column("timestamp", nullable=False),
        "summary": _column("text"),
        "agent_id": _column("text"),
        "agent_type": _column("text"),
        "agent_name": _column("text"),
        "channel_type": _column("text"),
        "channel_summary": _column("text"),
        "channel_details": _column("text"),
        "note": _column("text"),
        "event_description": _column("text"),
        "service_id": _column("text"),
        "html_url": _column("text"),
    }
