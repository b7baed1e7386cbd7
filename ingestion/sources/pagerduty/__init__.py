"""PagerDuty: services, incidents (with their acknowledged and resolved times taken from the
log entries) and the log entries themselves, where responders' notes and the alert's
description name the deployment or pull request behind an incident.

Resources (schema `raw_pagerduty`, all merged on `id`):

- `incidents`: `/incidents` filters on the creation (trigger) time only, so each run lists the
  incidents created since the newest one loaded minus an overlap, and re-reads every incident
  that was still open at the last run through `/incidents/{id}` until it is resolved. Only
  incidents that are new or changed (by `updated_at`, status and last status change) are
  written, each with its log entries read again.
- `log_entries`: every log entry of those incidents (trigger, acknowledge, annotate = notes,
  resolve, ...), with the raw text of notes, channel and event details.
- `services`: read whole on every run (one request per 100 services).

A record that breaks the contract (no id, an unparsable time, an unknown status) goes to table
`quarantine` instead (see `ingestion.quarantine`); an incident quarantined with a usable id, or
one with a quarantined log entry, is asked for again on the next run.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
from dlt.extract import DltResource

from ingestion.quarantine import QuarantineRow, route, with_quarantine_table

from . import settings
from .helpers import (
    IncidentContract,
    LogEntryContract,
    PagerDutyAuthError,
    PagerDutyClient,
    PagerDutyNotFoundError,
    PagerDutySourceError,
    ServiceContract,
    check,
    fingerprint,
    incident_row,
    iso,
    listing_windows,
    log_entry_row,
    parse_timestamp,
    position,
    service_row,
)

__all__ = [
    "PagerDutyAuthError",
    "PagerDutySourceError",
    "pagerduty_source",
]

logger = logging.getLogger(__name__)


@dlt.source(name="pagerduty", max_table_nesting=0)
def pagerduty_source(
    service_ids: Sequence[str] | None = None,
    api_url: str = settings.DEFAULT_API_URL,
    api_token: str | None = dlt.secrets.value,
    incidents_overlap_hours: float = settings.INCIDENTS_OVERLAP_HOURS,
    page_limit: int = settings.PAGE_LIMIT,
) -> Sequence[DltResource]:
    """PagerDuty services, incidents and their log entries.

    Args:
        service_ids: PagerDuty service ids (`PXXXXXX`) to read; None or empty reads every
            service of the account (`SOURCES__PAGERDUTY__SERVICE_IDS`).
        api_url: REST root (`SOURCES__PAGERDUTY__API_URL`); `https://api.eu.pagerduty.com`
            for an EU account.
        api_token: a REST API key, read-only is enough (`SOURCES__PAGERDUTY__API_TOKEN`).
        incidents_overlap_hours: incidents are listed again this far behind the newest
            creation time loaded.
        page_limit: records per page (PagerDuty allows up to 100).
    """
    options = _Options(
        api_url=api_url,
        api_token=api_token,
        service_ids=tuple(service_ids or ()),
        overlap=timedelta(hours=incidents_overlap_hours),
        page_limit=page_limit,
    )
    runs = _Runs(options)

    def read_incidents() -> Iterator[Any]:
        run = runs.current()
        yield from route([*run.incident_rows, *run.incident_quarantine])
        dlt.current.resource_state().update(copy.deepcopy(run.next_state))

    def read_log_entries() -> Iterator[Any]:
        run = runs.current()
        yield from route([*run.log_entry_rows, *run.log_entry_quarantine])

    def read_services() -> Iterator[Any]:
        run = runs.current()
        yield from route([*run.service_rows, *run.service_quarantine])

    incidents = dlt.resource(
        read_incidents,
        name="incidents",
        write_disposition="merge",
        primary_key="id",
        columns=settings.incident_columns(),
        file_format="parquet",
    )
    log_entries = dlt.resource(
        read_log_entries,
        name="log_entries",
        write_disposition="merge",
        primary_key="id",
        columns=settings.log_entry_columns(),
        file_format="parquet",
    )
    services = dlt.resource(
        read_services,
        name="services",
        write_disposition="merge",
        primary_key="id",
        columns=settings.service_columns(),
        file_format="parquet",
    )
    return tuple(with_quarantine_table(r) for r in (incidents, log_entries, services))


# --------------------------------------------------------------------------- one extraction


@dataclass(frozen=True)
class _Options:
    api_url: str
    api_token: str | None = field(repr=False)
    service_ids: tuple[str, ...]
    overlap: timedelta
    page_limit: int


class _Runs:
    """Hands each extraction its own `_Run`: the source object may be reused (Dagster builds
    it once), but what one run fetched must never leak into the next."""

    def __init__(self, options: _Options) -> None:
        self.options = options
        self._key: str | None = None
        self._run: _Run | None = None

    def current(self) -> _Run:
        key = _extraction_key()
        if self._run is None or key != self._key:
            run = _Run(self.options)
            run.read()
            self._key, self._run = key, run
        return self._run


def _extraction_key() -> str:
    try:
        return str(dlt.current.load_package_state()["load_id"])
    except Exception:  # noqa: BLE001 - outside a pipeline run there is no load package
        return "no-load-package"


def _ident(item: Mapping[str, Any]) -> str:
    return str(item["id"]).strip()


def _text_ids(records: Sequence[Any]) -> set[str]:
    """The ids of records that carry one as PagerDuty writes it (text)."""
    return {
        record["id"].strip()
        for record in records
        if isinstance(record, Mapping)
        and isinstance(record.get("id"), str)
        and record["id"].strip()
    }


class _Run:
    """What one extraction reads from PagerDuty, shared by the three resources so each
    endpoint is asked once. The incidents' state (cursor, open and recent incidents) is read
    when the run starts; the `incidents` resource writes the next one after its rows."""

    def __init__(self, options: _Options) -> None:
        self.options = options
        self.client = PagerDutyClient(options.api_url, options.api_token, options.page_limit)
        resources = dlt.current.source_state().get("resources", {})
        state = copy.deepcopy(resources.get("incidents", {}))
        self.cursor = parse_timestamp(state.get("created_cursor"))
        # incident id -> fingerprint, for incidents open (or quarantined) at the last run
        self.open: dict[str, str] = dict(state.get("open", {}))
        # incident id -> [created_at, fingerprint], for incidents inside the overlap window
        self.recent: dict[str, list[str]] = dict(state.get("recent", {}))
        self.incident_rows: list[dict[str, Any]] = []
        self.log_entry_rows: list[dict[str, Any]] = []
        self.service_rows: list[dict[str, Any]] = []
        self.incident_quarantine: list[QuarantineRow] = []
        self.log_entry_quarantine: list[QuarantineRow] = []
        self.service_quarantine: list[QuarantineRow] = []
        self.next_state: dict[str, Any] = {}
        # incidents quarantined, or loaded with some log entries quarantined: read again
        # next run
        self.incomplete: set[str] = set()

    def read(self) -> None:
        # Incidents first: a wrong token is reported on the endpoint that matters most.
        self._read_incidents()
        self._read_services()

    # -- incidents

    def _incident_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "include[]": list(settings.INCIDENT_INCLUDES),
            "sort_by": "created_at:asc",
        }
        if self.options.service_ids:
            params["service_ids[]"] = list(self.options.service_ids)
        return params

    def _windows(self) -> list[dict[str, str]]:
        since = None if self.cursor is None else self.cursor - self.options.overlap
        return listing_windows(since, datetime.now(UTC))

    def _list_incidents(self) -> dict[str, Mapping[str, Any]]:
        listed: dict[str, Mapping[str, Any]] = {}
        for window in self._windows():
            params = {**self._incident_params(), **window}
            for offset, page in self.client.pages(settings.INCIDENTS, "incidents", params):
                good, bad = check(
                    page,
                    IncidentContract,
                    entity="incidents",
                    position_of=position(settings.INCIDENTS, offset),
                )
                self.incident_quarantine.extend(bad)
                listed.update((_ident(item), item) for item in good)
                if bad:
                    self.incomplete |= _text_ids(page) - _text_ids(good)
        return listed

    def _reread(self, incident_id: str) -> Mapping[str, Any] | None:
        path = settings.INCIDENT.format(incident_id=incident_id)
        try:
            answer = self.client.get(path, {"include[]": list(settings.INCIDENT_INCLUDES)})
        except PagerDutyNotFoundError:
            # Merged into another incident or deleted: nothing more will come.
            logger.warning("pagerduty: incident %s is gone; no longer followed", incident_id)
            return None
        item = answer.get("incident") if isinstance(answer, Mapping) else answer
        good, bad = check(
            [item], IncidentContract, entity="incidents", position_of=position(path, 0)
        )
        self.incident_quarantine.extend(bad)
        if bad:
            self.incomplete.add(incident_id)
        return good[0] if good else None

    def _log_entries(self, incident_id: str) -> list[dict[str, Any]]:
        path = settings.LOG_ENTRIES.format(incident_id=incident_id)
        rows = []
        for offset, page in self.client.pages(path, "log_entries"):
            good, bad = check(
                page, LogEntryContract, entity="log_entries", position_of=position(path, offset)
            )
            self.log_entry_quarantine.extend(bad)
            if bad:
                self.incomplete.add(incident_id)
            rows.extend(log_entry_row(incident_id, item) for item in good)
        return rows

    def _known(self, incident_id: str) -> str | None:
        if incident_id in self.open:
            return self.open[incident_id]
        recent = self.recent.get(incident_id)
        return recent[1] if recent else None

    def _read_incidents(self) -> None:
        listed = self._list_incidents()
        followed = [i for i in sorted(self.open) if i not in listed]
        reread: dict[str, Mapping[str, Any]] = {}
        for incident_id in followed:
            item = self._reread(incident_id)
            if item is not None:
                reread[incident_id] = item
        candidates = {**listed, **reread}

        changed = 0
        for incident_id, item in candidates.items():
            if self._known(incident_id) == fingerprint(item):
                continue
            changed += 1
            entries = self._log_entries(incident_id)
            self.log_entry_rows.extend(entries)
            self.incident_rows.append(incident_row(item, entries))

        self.next_state = self._next_state(listed, candidates)
        logger.info(
            "pagerduty: %d incidents listed (%s), %d open ones re-read, %d new or changed, "
            "%d log entries, %d records quarantined, %d requests",
            len(listed),
            "all dates" if self.cursor is None else f"created since {self._windows()[0]['since']}",
            len(reread),
            changed,
            len(self.log_entry_rows),
            len(self.incident_quarantine) + len(self.log_entry_quarantine),
            self.client.requests,
        )

    def _next_state(
        self, listed: Mapping[str, Mapping[str, Any]], candidates: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, Any]:
        created = {i: parse_timestamp(item["created_at"]) for i, item in candidates.items()}
        cursor = max([c for i, c in created.items() if i in listed and c], default=self.cursor)
        if self.cursor is not None and cursor is not None:
            cursor = max(cursor, self.cursor)
        open_now = {
            i: fingerprint(item)
            for i, item in candidates.items()
            if item["status"] in settings.OPEN_STATUSES
        }
        # Quarantined incidents, and those with quarantined log entries, are asked for again
        # next run (an empty fingerprint never matches, so a good answer is loaded).
        open_now.update((ident, "") for ident in self.incomplete)
        recent: dict[str, list[str]] = {}
        if cursor is not None:
            horizon = cursor - self.options.overlap
            for i, (at, known) in self.recent.items():
                parsed = parse_timestamp(at)
                if parsed and parsed >= horizon:
                    recent[i] = [at, known]
            for i, item in candidates.items():
                at = created[i]
                if at and at >= horizon:
                    recent[i] = [iso(at), fingerprint(item)]
        return {
            "created_cursor": iso(cursor) if cursor else None,
            "open": open_now,
            "recent": recent,
        }

    # -- services

    def _read_services(self) -> None:
        wanted = set(self.options.service_ids)
        for offset, page in self.client.pages(settings.SERVICES, "services"):
            good, bad = check(
                page,
                ServiceContract,
                entity="services",
                position_of=position(settings.SERVICES, offset),
            )
            self.service_quarantine.extend(bad)
            self.service_rows.extend(
                service_row(item) for item in good if not wanted or _ident(item) in wanted
            )
        logger.info("pagerduty: %d services", len(self.service_rows))
