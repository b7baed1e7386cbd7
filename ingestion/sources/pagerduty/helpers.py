"""HTTP access to the PagerDuty REST API v2, the records' contract and row flattening."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import OffsetPaginator
from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints
from requests import Response

from ingestion.quarantine import QuarantineRow, show, validate_records
from ingestion.sources._http import parse_timestamp as _parse_timestamp
from ingestion.sources._http import (
    raise_for_answer,
    request_line,
    require_json,
    retrying_session,
    server_message,
)

from . import settings

logger = logging.getLogger(__name__)


class PagerDutySourceError(Exception):
    """The PagerDuty source cannot go on; the message is one line a user can act on."""


class PagerDutyAuthError(PagerDutySourceError):
    """The API token is missing, wrong or lacks access."""


class PagerDutyNotFoundError(PagerDutySourceError):
    """PagerDuty no longer knows a record (an incident merged into another, or deleted)."""


# --------------------------------------------------------------------------- HTTP


def _error_details(response: Response) -> str | None:
    """PagerDuty's `error.errors` list (what was wrong with the request), as one line."""
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("errors") if isinstance(error, dict) else None
    if not isinstance(details, list) or not details:
        return None
    return "; ".join(str(item) for item in details).splitlines()[0][:200]


class PagerDutyClient:
    """PagerDuty REST v2 through dlt's RESTClient: classic offset pages (`offset`, `limit`,
    `more`), `Authorization: Token token=...`, and dlt's retrying `requests` session (429,
    5xx and a body cut short are retried with exponential back-off, honouring Retry-After)."""

    def __init__(self, api_url: str, api_token: str | None, limit: int) -> None:
        if not api_token:
            raise PagerDutyAuthError(
                f"pagerduty source: no API token; set {settings.TOKEN_SETTING} "
                "(or api_token under [sources.pagerduty] in .dlt/secrets.toml)"
            )
        self.api_url = api_url.rstrip("/")
        self.limit = min(limit, settings.PAGE_LIMIT)
        self.requests = 0
        self.rest = RESTClient(
            base_url=self.api_url,
            headers=dict(settings.HEADERS),
            auth=APIKeyAuth(name="Authorization", api_key=f"Token token={api_token}"),
            paginator=OffsetPaginator(limit=self.limit, total_path=None, has_more_path="more"),
            session=retrying_session(),
        )

    def _check(self, response: Response, *args: Any, **kwargs: Any) -> None:
        """Response hook: count, turn errors into one clear line, and leave what is worth
        asking again (429, 5xx, a body cut short) to dlt's retry."""
        self.requests += 1
        status = response.status_code
        if status == 429:
            logger.warning(
                "pagerduty: rate limited on %s (Retry-After %s s)",
                request_line(response),
                response.headers.get("Retry-After", "not given"),
            )
        if status == 404:
            raise PagerDutyNotFoundError(
                f"pagerduty source: PagerDuty answered 404 {server_message(response)} to "
                f"{request_line(response)}"
            )
        try:
            raise_for_answer(
                response,
                source=settings.SOURCE_NAME,
                tool="PagerDuty",
                auth_error=PagerDutyAuthError,
                error=PagerDutySourceError,
                auth_hint=(
                    f"set {settings.TOKEN_SETTING} to a REST API key that can read incidents "
                    "and services"
                ),
            )
        except PagerDutyAuthError:
            raise
        except PagerDutySourceError as error:
            details = _error_details(response)
            if details is None:
                raise
            raise PagerDutySourceError(f"{error} ({details})") from None
        require_json(response)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        response = self.rest.get(path, params=dict(params or {}), hooks={"response": [self._check]})
        return response.json()

    def pages(
        self, path: str, data_selector: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[tuple[int, list[Any]]]:
        """(offset, records) of every page of a list endpoint, until `more` is false."""
        offset = 0
        for number, page in enumerate(
            self.rest.paginate(
                path,
                params=dict(params or {}),
                data_selector=data_selector,
                hooks={"response": [self._check]},
            ),
            start=1,
        ):
            records = list(page)
            logger.debug("pagerduty: %s page %d: %d records", path, number, len(records))
            yield offset, records
            offset += self.limit


def iso(moment: datetime) -> str:
    """A time as PagerDuty's query parameters take it (UTC, `Z`)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def listing_windows(since: datetime | None, now: datetime) -> list[dict[str, str]]:
    """The `/incidents` query windows from `since` on: everything (`date_range=all`) without
    one, else windows of at most `MAX_WINDOW_DAYS` (PagerDuty refuses ranges over 6 months),
    the last one open-ended so the server's own clock closes it."""
    if since is None:
        return [{"date_range": "all"}]
    step = timedelta(days=settings.MAX_WINDOW_DAYS)
    windows = []
    while now - since > step:
        windows.append({"since": iso(since), "until": iso(since + step)})
        since += step
    windows.append({"since": iso(since)})
    return windows


# --------------------------------------------------------------------------- contract


def parse_timestamp(value: Any) -> datetime | None:
    """A PagerDuty time (ISO 8601 text with `Z` or any offset; none means UTC) as an aware
    UTC datetime. Raises ValueError, saying what it got, for anything else."""
    try:
        return _parse_timestamp(value)
    except ValueError:
        raise ValueError(f"expected a timestamp, got {show(value)}") from None


def _required_timestamp(value: Any) -> Any:
    return parse_timestamp(value) if value is not None else value


Timestamp = Annotated[datetime, BeforeValidator(_required_timestamp)]
OptionalTimestamp = Annotated[datetime | None, BeforeValidator(parse_timestamp)]
Identifier = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]


class _Contract(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ServiceContract(_Contract):
    id: Identifier
    created_at: OptionalTimestamp = None


class IncidentContract(_Contract):
    id: Identifier
    created_at: Timestamp
    status: Literal["triggered", "acknowledged", "resolved"]
    updated_at: OptionalTimestamp = None
    last_status_change_at: OptionalTimestamp = None
    resolved_at: OptionalTimestamp = None


class LogEntryContract(_Contract):
    id: Identifier
    type: Identifier
    created_at: Timestamp


def check(
    records: Sequence[Any],
    contract: type[_Contract],
    *,
    entity: str,
    position_of: Callable[[int, Any], str],
) -> tuple[list[Mapping[str, Any]], list[QuarantineRow]]:
    """The records that keep `contract`, and quarantine rows for the others."""
    good: list[Mapping[str, Any]] = []
    bad: list[QuarantineRow] = []
    results = validate_records(
        records,
        contract,
        source=settings.SOURCE_NAME,
        entity=entity,
        position_of=position_of,
        id_field="id",
    )
    for record, result in zip(records, results, strict=True):
        if isinstance(result, QuarantineRow):
            logger.warning(
                "pagerduty: %s %s quarantined at %s: %s",
                entity,
                result.record_id or "without id",
                result.position,
                result.reason,
            )
            bad.append(result)
        else:
            good.append(record)
    return good, bad


def position(path: str, offset: int) -> Callable[[int, Any], str]:
    """Where a record of a page was found: its id when it has one, else its index."""

    def where(index: int, record: Any) -> str:
        ident = record.get("id") if isinstance(record, Mapping) else None
        if isinstance(ident, str) and ident.strip():
            return f"GET {path}: id {ident.strip()}"
        return f"GET {path}: record {offset + index + 1}"

    return where


# --------------------------------------------------------------------------- rows


def _ref(item: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = item.get(key)
    return value if isinstance(value, Mapping) else {}


def _ids(refs: Any) -> str | None:
    if not isinstance(refs, list):
        return None
    ids = [str(ref["id"]) for ref in refs if isinstance(ref, Mapping) and ref.get("id")]
    return " ".join(ids) or None


def _text(value: Any) -> str | None:
    if value is None or value == "" or value == {} or value == []:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _ts(value: Any) -> datetime | None:
    """A timestamp of a field the contract does not require: unparsable means unknown."""
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def service_row(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"].strip(),
        "name": item.get("name"),
        "description": item.get("description"),
        "status": item.get("status"),
        "html_url": item.get("html_url"),
        "escalation_policy_id": _ref(item, "escalation_policy").get("id"),
        "team_ids": _ids(item.get("teams")),
        "created_at": _ts(item.get("created_at")),
        "updated_at": _ts(item.get("updated_at")),
        "last_incident_at": _ts(item.get("last_incident_timestamp")),
    }


def log_entry_row(incident_id: str, item: Mapping[str, Any]) -> dict[str, Any]:
    agent = _ref(item, "agent")
    channel = _ref(item, "channel")
    return {
        "id": item["id"].strip(),
        "incident_id": incident_id,
        "type": item.get("type"),
        "created_at": parse_timestamp(item.get("created_at")),
        "summary": item.get("summary"),
        "agent_id": agent.get("id"),
        "agent_type": agent.get("type"),
        "agent_name": agent.get("summary"),
        "channel_type": channel.get("type"),
        "channel_summary": _text(channel.get("summary")),
        "channel_details": _text(channel.get("details")),
        "note": _text(item.get("note")),
        "event_description": _text(_ref(item, "event_details").get("description")),
        "service_id": _ref(item, "service").get("id"),
        "html_url": item.get("html_url"),
    }


def _description(item: Mapping[str, Any], entries: Iterable[Mapping[str, Any]]) -> str | None:
    """The text a responder or an alert wrote about the incident: `body.details` (a text or
    its `description`), else the trigger log entry's `event_details.description`. The
    top-level `description` is only a copy of the title."""
    details = _ref(item, "body").get("details")
    if isinstance(details, str) and details:
        return details
    if isinstance(details, Mapping) and details.get("description"):
        return _text(details["description"])
    triggers = sorted(
        (e for e in entries if e["type"] == settings.TRIGGER_ENTRY and e["event_description"]),
        key=lambda e: (e["created_at"], e["id"]),
    )
    return triggers[0]["event_description"] if triggers else None


def incident_row(item: Mapping[str, Any], entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One incident, flattened, with its acknowledged and resolved times from its log entries
    (the first acknowledgement, the last resolution; NULL while it is not resolved)."""
    status = item["status"]
    acknowledged = [e["created_at"] for e in entries if e["type"] == settings.ACKNOWLEDGE_ENTRY]
    resolved = [e["created_at"] for e in entries if e["type"] == settings.RESOLVE_ENTRY]
    acknowledged_at = min(acknowledged, default=None)
    if acknowledged_at is None:
        # Log entries are the record; the current acknowledgements stand in when they lack it.
        current = [
            _ts(a.get("at")) for a in item.get("acknowledgements") or [] if isinstance(a, dict)
        ]
        acknowledged_at = min((at for at in current if at), default=None)
    resolved_at = None
    if status == "resolved":
        resolved_at = max(resolved, default=None) or _ts(item.get("resolved_at"))
    priority = _ref(item, "priority")
    service = _ref(item, "service")
    return {
        "id": item["id"].strip(),
        "incident_number": item.get("incident_number"),
        "title": item.get("title"),
        "summary": item.get("summary"),
        "description": _description(item, entries),
        "status": status,
        "urgency": item.get("urgency"),
        "priority_id": priority.get("id"),
        "priority_name": priority.get("name") or priority.get("summary"),
        "service_id": service.get("id"),
        "service_name": service.get("summary"),
        "escalation_policy_id": _ref(item, "escalation_policy").get("id"),
        "team_ids": _ids(item.get("teams")),
        "incident_key": item.get("incident_key"),
        "html_url": item.get("html_url"),
        "created_at": parse_timestamp(item["created_at"]),
        "updated_at": _ts(item.get("updated_at")),
        "last_status_change_at": _ts(item.get("last_status_change_at")),
        "acknowledged_at": acknowledged_at,
        "resolved_at": resolved_at,
    }


def fingerprint(item: Mapping[str, Any]) -> str:
    """What changes when anything about an incident changes (a status, a note)."""
    return "|".join(
        str(item.get(key) or "") for key in ("updated_at", "status", "last_status_change_at")
    )
