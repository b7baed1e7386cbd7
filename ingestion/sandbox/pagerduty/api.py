"""The PagerDuty account answered as PagerDuty REST API v2 (api.pagerduty.com).

Transport-free like `GitHubApi`. Classic offset pagination (`offset`, `limit` up to 100,
`more`, and `total` only when `total=true`). `/incidents` lists incidents triggered in
[`since`, `until`) (default: the last 30 days; at most 6 months; `date_range=all` for
everything), filtered by `statuses[]` and `service_ids[]`, sorted by `sort_by`
(`incident_number`, `created_at`, `resolved_at`, `urgency`, each `:asc`/`:desc`;
default `created_at:asc`). Only what exists at `clock()` is visible. An incident's
description is in `body.details.description` (with `include[]=body`) and in its trigger log
entry's `event_details.description`; notes are `annotate_log_entry` entries.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ingestion.sandbox.github_api import Response
from ingestion.sandbox.pagerduty.generator import pd_id
from ingestion.sandbox.pagerduty.model import Incident, PagerDutyData, Service

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
DEFAULT_RANGE = 30 * 86_400
MAX_RANGE = 183 * 86_400
PRIORITY_IDS = {f"P{n}": pd_id("P", f"priority:{n}") for n in range(1, 6)}


def token_for_seed(seed: int) -> str:
    """The REST API key the sandbox accepts (20 characters like PagerDuty's), from the seed."""
    digest = hashlib.sha256(f"valuestream-sandbox:pagerduty:{seed}".encode()).hexdigest()
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-"
    number = int(digest, 16)
    chars = []
    for _ in range(20):
        number, r = divmod(number, len(alphabet))
        chars.append(alphabet[r])
    return "u+" + "".join(chars)[2:]


def pd_time(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class PagerDutyError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            error["errors"] = self.errors
        return {"error": error}


ROUTES: list[tuple[str, re.Pattern[str]]] = [
    ("/incidents", re.compile(r"^/incidents$")),
    ("/incidents/{id}/log_entries", re.compile(r"^/incidents/([^/]+)/log_entries$")),
    ("/incidents/{id}", re.compile(r"^/incidents/([^/]+)$")),
    ("/services", re.compile(r"^/services$")),
]
_SORTS = {"incident_number", "created_at", "resolved_at", "urgency"}


def _parse_time(value: str, name: str) -> int:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError as exc:
        raise PagerDutyError(
            400, 2001, "Invalid Input Provided", [f"{name} is not a valid date-time."]
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


class PagerDutyApi:
    """Answers PagerDuty REST v2 requests from `PagerDutyData`, as of `clock()`."""

    def __init__(self, data: PagerDutyData, base_url: str, clock: Callable[[], int]) -> None:
        self.data = data
        self.base_url = base_url.rstrip("/")
        self.web_url = f"https://{data.subdomain}.pagerduty.com"
        self.clock = clock
        self.api_token = token_for_seed(data.seed)
        self.request_counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._services = {s.service_id: s for s in data.services}
        self._by_service: dict[str, list[Incident]] = {}
        for incident in data.incidents:
            self._by_service.setdefault(incident.service_id, []).append(incident)
        self._rows_cache: dict[tuple, list[Incident]] = {}

    # -- entry point ----------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> Response:
        split = urlsplit(target)
        path = split.path.rstrip("/") or "/"
        pairs = parse_qsl(split.query, keep_blank_values=True)
        template, match = self._route(path)
        with self._lock:
            self.request_counts[template] = self.request_counts.get(template, 0) + 1
        try:
            if not self._authorised(headers):
                raise PagerDutyError(401, 2006, "Unauthorized")
            if match is None or method != "GET":
                raise PagerDutyError(404, 2100, "Not Found")
            payload = self._dispatch(template, match, pairs, int(self.clock()))
            return Response(200, payload.encode(), self._headers())
        except PagerDutyError as err:
            return Response(err.status, _dumps(err.body()).encode(), self._headers())

    def _headers(self) -> list[tuple[str, str]]:
        return [("Content-Type", "application/json; charset=utf-8")]

    def _route(self, path: str) -> tuple[str, re.Match[str] | None]:
        for template, pattern in ROUTES:
            match = pattern.match(path)
            if match:
                return template, match
        return "unknown", None

    def _authorised(self, headers: dict[str, str]) -> bool:
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, credential = value.strip().partition(" ")
        return scheme == "Token" and credential.strip() == f"token={self.api_token}"

    def _dispatch(
        self, template: str, match: re.Match[str], pairs: list[tuple[str, str]], clock: int
    ) -> str:
        query = dict(pairs)
        includes = {v for k, v in pairs if k == "include[]"}
        if template == "/services":
            return self._list_services(query, pairs, clock)
        if template == "/incidents":
            return self._list_incidents(query, pairs, includes, clock)
        incident = self.data.incident(match.group(1))
        if incident is None or incident.triggered_ts > clock:
            raise PagerDutyError(404, 2100, "Not Found")
        if template == "/incidents/{id}":
            return _dumps({"incident": self._incident(incident, includes, clock)})
        return self._log_entries(incident, query, clock)

    # -- paging ---------------------------------------------------------------------------

    @staticmethod
    def _paging(query: dict[str, str]) -> tuple[int, int, bool]:
        try:
            offset = int(query.get("offset", 0))
            limit = int(query.get("limit", DEFAULT_LIMIT))
        except ValueError as exc:
            raise PagerDutyError(
                400, 2001, "Invalid Input Provided", ["offset and limit must be integers."]
            ) from exc
        if offset < 0 or limit < 1:
            raise PagerDutyError(
                400, 2001, "Invalid Input Provided", ["Offset must be >= 0; limit must be > 0."]
            )
        return offset, min(limit, MAX_LIMIT), query.get("total", "false").lower() == "true"

    def _page(self, name: str, rows: list[Any], query: dict[str, str], render: Callable) -> str:
        offset, limit, want_total = self._paging(query)
        chunk = rows[offset : offset + limit]
        return _dumps(
            {
                name: [render(r) for r in chunk],
                "limit": limit,
                "offset": offset,
                "total": len(rows) if want_total else None,
                "more": offset + limit < len(rows),
            }
        )

    # -- endpoints ------------------------------------------------------------------------

    def _list_incidents(
        self, query: dict[str, str], pairs: list[tuple[str, str]], includes: set[str], clock: int
    ) -> str:
        if query.get("date_range") == "all":
            since, until = None, None
        else:
            until = _parse_time(query["until"], "until") if query.get("until") else clock
            since = (
                _parse_time(query["since"], "since")
                if query.get("since")
                else until - DEFAULT_RANGE
            )
            if until - since > MAX_RANGE:
                raise PagerDutyError(
                    400, 2001, "Invalid Input Provided",
                    ["Date range must not exceed 6 months."],
                )  # fmt: skip
            if since > until:
                raise PagerDutyError(
                    400, 2001, "Invalid Input Provided", ["since must be before until."]
                )
        statuses = frozenset(v for k, v in pairs if k == "statuses[]")
        services = frozenset(v for k, v in pairs if k == "service_ids[]")
        urgencies = frozenset(v for k, v in pairs if k == "urgencies[]")
        sort = query.get("sort_by", "created_at:asc")
        cache_key = (clock, since, until, statuses, services, urgencies, sort)
        rows = self._rows_cache.get(cache_key)
        if rows is None:
            rows = self._select(clock, since, until, statuses, services, urgencies, sort)
            with self._lock:
                if len(self._rows_cache) >= 32:
                    self._rows_cache.pop(next(iter(self._rows_cache)))
                self._rows_cache[cache_key] = rows
        return self._page("incidents", rows, query, lambda i: self._incident(i, includes, clock))

    def _select(
        self,
        clock: int,
        since: int | None,
        until: int | None,
        statuses: frozenset[str],
        services: frozenset[str],
        urgencies: frozenset[str],
        sort: str,
    ) -> list[Incident]:
        source = (
            [i for s in sorted(services) for i in self._by_service.get(s, [])]
            if services
            else self.data.incidents
        )
        rows = []
        for incident in source:
            t = incident.triggered_ts
            if t > clock or (since is not None and t < since) or (until is not None and t >= until):
                continue
            if statuses and incident.status_at(clock) not in statuses:
                continue
            if urgencies and incident.urgency not in urgencies:
                continue
            rows.append(incident)
        for term in reversed(sort.split(",")):
            field, _, direction = term.partition(":")
            if field not in _SORTS:
                raise PagerDutyError(
                    400, 2001, "Invalid Input Provided", [f"sort_by {field} is not supported."]
                )
            rows.sort(key=_sort_key(field, clock), reverse=direction == "desc")
        return rows

    def _list_services(
        self, query: dict[str, str], pairs: list[tuple[str, str]], clock: int
    ) -> str:
        text = query.get("query", "").lower()
        rows = [
            s
            for s in self.data.services
            if s.created_ts <= clock and (not text or text in s.name.lower())
        ]
        rows.sort(key=lambda s: s.name.lower(), reverse=query.get("sort_by") == "name:desc")
        return self._page("services", rows, query, lambda s: self._service(s, clock))

    def _log_entries(self, incident: Incident, query: dict[str, str], clock: int) -> str:
        entries = [e for e in self._entries(incident) if e[0] <= clock]
        if query.get("is_overview", "false").lower() == "true":
            entries = [e for e in entries if e[1] != "annotate_log_entry"]
        entries.sort(key=lambda e: (e[0], e[2]), reverse=True)  # newest first
        return self._page("log_entries", entries, query, lambda e: self._log_entry(incident, e))

    # -- representations ------------------------------------------------------------------

    def _ref(self, kind: str, ident: str, summary: str, path: str, web: str | None) -> dict:
        return {
            "id": ident,
            "type": kind,
            "summary": summary,
            "self": f"{self.base_url}/{path}/{ident}",
            "html_url": f"{self.web_url}/{web}/{ident}" if web else None,
        }

    def _service_ref(self, service: Service) -> dict[str, Any]:
        return self._ref("service_reference", service.service_id, service.name, "services",
                         "service-directory")  # fmt: skip

    def _user_ref(self, login: str) -> dict[str, Any]:
        user_id, name, _ = self.data.users.get(login, (pd_id("P", login), login, ""))
        return self._ref("user_reference", user_id, name, "users", "users")

    def _team_ref(self, team_id: str) -> dict[str, Any]:
        ident, name = self.data.teams.get(team_id, (pd_id("P", team_id), team_id))
        return self._ref("team_reference", ident, name, "teams", "teams")

    def _policy_ref(self, service: Service) -> dict[str, Any]:
        return self._ref("escalation_policy_reference", service.escalation_policy_id,
                         f"{service.name} on-call", "escalation_policies",
                         "escalation_policies")  # fmt: skip

    def _service(self, service: Service, clock: int) -> dict[str, Any]:
        visible = [
            i for i in self._by_service.get(service.service_id, []) if i.triggered_ts <= clock
        ]
        states = {i.status_at(clock) for i in visible}
        status = (
            "critical" if "triggered" in states else "warning" if "acknowledged" in states
            else "active"
        )  # fmt: skip
        out: dict[str, Any] = {
            "id": service.service_id,
            "type": "service",
            "summary": service.name,
            "self": f"{self.base_url}/services/{service.service_id}",
            "html_url": f"{self.web_url}/service-directory/{service.service_id}",
            "name": service.name,
            "description": f"Service for {service.repository}",
            "auto_resolve_timeout": 14400,
            "acknowledgement_timeout": 1800,
            "created_at": pd_time(service.created_ts),
            "status": status,
            "escalation_policy": self._policy_ref(service),
            "teams": [self._team_ref(service.team_id)],
            "integrations": [],
            "incident_urgency_rule": {"type": "constant", "urgency": "high"},
            "alert_creation": "create_alerts_and_incidents",
        }
        if visible:
            out["last_incident_timestamp"] = pd_time(max(i.triggered_ts for i in visible))
        return out

    def _entries(self, incident: Incident) -> list[tuple[int, str, str, str]]:
        """(at, type, id, note) for every log entry of the incident."""
        base = incident.incident_id
        entries = [(incident.triggered_ts, "trigger_log_entry", pd_id("R", f"{base}:t", 26), "")]
        if incident.acknowledged_ts is not None:
            entries.append(
                (incident.acknowledged_ts, "acknowledge_log_entry", pd_id("R", f"{base}:a", 26), "")
            )
        for note in incident.notes:
            entries.append((note.created_ts, "annotate_log_entry", note.log_entry_id, note.content))
        if incident.resolved_ts is not None:
            entries.append(
                (incident.resolved_ts, "resolve_log_entry", pd_id("R", f"{base}:r", 26), "")
            )
        return entries

    def _log_entry(self, incident: Incident, entry: tuple[int, str, str, str]) -> dict[str, Any]:
        at, kind, ident, note = entry
        service = self._services[incident.service_id]
        summaries = {
            "trigger_log_entry": "Triggered through the API.",
            "acknowledge_log_entry": "Acknowledged by "
            + self._user_ref(incident.assignee_login)["summary"] + ".",
            "annotate_log_entry": "Note added",
            "resolve_log_entry": "Resolved by "
            + self._user_ref(incident.assignee_login)["summary"] + ".",
        }  # fmt: skip
        out: dict[str, Any] = {
            "id": ident,
            "type": kind,
            "summary": summaries[kind],
            "self": f"{self.base_url}/log_entries/{ident}",
            "html_url": f"{self.web_url}/incidents/{incident.incident_id}/log_entries/{ident}",
            "created_at": pd_time(at),
            "agent": (
                self._service_ref(service)
                if kind == "trigger_log_entry"
                else self._user_ref(incident.assignee_login)
            ),
            "channel": {"type": "api" if kind == "trigger_log_entry" else "website"},
            "service": self._service_ref(service),
            "incident": self._ref("incident_reference", incident.incident_id,
                                  self._summary(incident), "incidents", "incidents"),
            "teams": [self._team_ref(service.team_id)],
            "contexts": [],
        }  # fmt: skip
        if kind == "trigger_log_entry":
            out["event_details"] = {"description": incident.description}
        if kind == "acknowledge_log_entry":
            out["acknowledgement_timeout"] = 1800
        if kind == "annotate_log_entry":
            out["channel"] = {"type": "note", "summary": note}
            out["note"] = note
        return out

    @staticmethod
    def _summary(incident: Incident) -> str:
        return f"[#{incident.incident_number}] {incident.title}"

    def _incident(self, incident: Incident, includes: set[str], clock: int) -> dict[str, Any]:
        service = self._services[incident.service_id]
        status = incident.status_at(clock)
        events = [e for e in self._entries(incident) if e[0] <= clock]
        updated = max(e[0] for e in events)
        changes = [e for e in events if e[1] != "annotate_log_entry"]
        last_change = changes[-1] if changes else events[0]
        trigger_id = pd_id("R", f"{incident.incident_id}:t", 26)
        out: dict[str, Any] = {
            "id": incident.incident_id,
            "type": "incident",
            "summary": self._summary(incident),
            "self": f"{self.base_url}/incidents/{incident.incident_id}",
            "html_url": f"{self.web_url}/incidents/{incident.incident_id}",
            "incident_number": incident.incident_number,
            "title": incident.title,
            "description": incident.title,
            "created_at": pd_time(incident.triggered_ts),
            "updated_at": pd_time(updated),
            "status": status,
            "incident_key": incident.incident_key,
            "service": self._service_ref(service),
            "assignments": (
                []
                if status == "resolved"
                else [{"at": pd_time(incident.triggered_ts),
                       "assignee": self._user_ref(incident.assignee_login)}]
            ),
            "assigned_via": "escalation_policy",
            "last_status_change_at": pd_time(last_change[0]),
            "resolved_at": pd_time(incident.resolved_ts) if status == "resolved" else None,
            "first_trigger_log_entry": self._ref(
                "trigger_log_entry_reference", trigger_id, "Triggered through the API.",
                "log_entries", f"incidents/{incident.incident_id}/log_entries",
            ),
            "alert_counts": {
                "all": 1,
                "triggered": 0 if status == "resolved" else 1,
                "resolved": 1 if status == "resolved" else 0,
            },
            "is_mergeable": True,
            "escalation_policy": self._policy_ref(service),
            "teams": [self._team_ref(service.team_id)],
            "pending_actions": [],
            "acknowledgements": (
                [{"at": pd_time(incident.acknowledged_ts or 0),
                  "acknowledger": self._user_ref(incident.assignee_login)}]
                if status == "acknowledged"
                else []
            ),
            "last_status_change_by": (
                self._service_ref(service)
                if last_change[1] == "trigger_log_entry"
                else self._user_ref(incident.assignee_login)
            ),
            "priority": {
                "id": PRIORITY_IDS[incident.priority],
                "type": "priority",
                "summary": incident.priority,
                "self": f"{self.base_url}/priorities/{PRIORITY_IDS[incident.priority]}",
                "html_url": None,
                "name": incident.priority,
                "description": "",
            },
            "urgency": incident.urgency,
        }  # fmt: skip
        if "body" in includes:
            out["body"] = {
                "type": "incident_body",
                "details": {"description": incident.description},
            }
        return out


def _sort_key(field: str, clock: int) -> Callable[[Incident], Any]:
    if field == "incident_number":
        return lambda i: i.incident_number
    if field == "resolved_at":
        return lambda i: (
            i.resolved_ts if i.resolved_ts is not None and i.resolved_ts <= clock else 2**62
        )
    if field == "urgency":
        return lambda i: (i.urgency != "high", i.incident_number)
    return lambda i: (i.triggered_ts, i.incident_number)
