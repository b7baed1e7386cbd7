"""HTTP access to the Jira REST API (Cloud v3, Server/Data Center v2), the JQL cursor, and
the flattening of issues, changelogs, links, statuses and versions into rows."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth, HttpBasicAuth
from dlt.sources.helpers.rest_client.paginators import (
    JSONResponseCursorPaginator,
    OffsetPaginator,
)
from requests import Response

from ingestion.quarantine import show

from .._http import parse_timestamp, raise_for_answer, require_json, retrying_session
from . import settings

logger = logging.getLogger(__name__)


class JiraSourceError(Exception):
    """The Jira source cannot go on; the message is one line a user can act on."""


class JiraAuthError(JiraSourceError):
    """The e-mail or API token is missing, wrong or lacks access."""


class ContractError(ValueError):
    """A record that breaks the table's contract (its id, key or a timestamp); it goes to
    the quarantine table with this message as its reason."""


AUTH_HINT = (
    f"set {settings.TOKEN_SETTING} (and {settings.EMAIL_SETTING}) to an API token of an "
    "account that can browse the projects"
)


# --------------------------------------------------------------------------- HTTP


class JiraClient:
    """Jira's REST API through dlt's RESTClient: Basic auth with e-mail and API token (Cloud;
    Server/Data Center with a user name and password), or a bearer personal access token
    (Server/Data Center, no e-mail); dlt's retrying session (429 and 5xx answers, dropped
    connections and bodies cut short are retried, honouring Retry-After)."""

    def __init__(
        self,
        base_url: str,
        email: str | None,
        api_token: str | None,
        deployment: str = settings.CLOUD,
        page_size: int = settings.PAGE_SIZE,
    ) -> None:
        if deployment not in settings.DEPLOYMENTS:
            raise JiraSourceError(
                f"jira source: deployment {deployment!r} is unknown; expected one of "
                f"{', '.join(settings.DEPLOYMENTS)}"
            )
        if not base_url:
            raise JiraSourceError(
                f"jira source: no base URL; set {settings.BASE_URL_SETTING} "
                "(e.g. https://your-domain.atlassian.net)"
            )
        if not api_token:
            raise JiraAuthError(
                f"jira source: no API token; set {settings.TOKEN_SETTING} (and "
                f"{settings.EMAIL_SETTING}) or api_token and email under [sources.jira] in "
                ".dlt/secrets.toml"
            )
        if deployment == settings.CLOUD and not email:
            raise JiraAuthError(
                f"jira source: no account e-mail for the API token; set "
                f"{settings.EMAIL_SETTING} (and {settings.TOKEN_SETTING})"
            )
        self.base_url = base_url.rstrip("/")
        self.deployment = deployment
        self.api = settings.CLOUD_API if deployment == settings.CLOUD else settings.DC_API
        self.page_size = page_size
        self.requests = 0
        auth = (
            HttpBasicAuth(username=email, password=api_token)
            if email
            else BearerTokenAuth(token=api_token)
        )
        self.rest = RESTClient(
            base_url=self.base_url,
            headers=dict(settings.HEADERS),
            auth=auth,
            session=retrying_session(),
        )

    def _check(self, response: Response, *args: Any, **kwargs: Any) -> None:
        """Response hook: count, turn errors into one clear line, retry bodies cut short."""
        self.requests += 1
        raise_for_answer(
            response,
            source="jira",
            tool="Jira",
            auth_error=JiraAuthError,
            error=JiraSourceError,
            auth_hint=AUTH_HINT,
        )
        require_json(response)

    def _hooks(self) -> dict[str, Any]:
        return {"response": [self._check]}

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        response = self.rest.get(self.api + path, params=dict(params or {}), hooks=self._hooks())
        return response.json()

    def search(self, jql: str, fields: Sequence[str]) -> Iterator[list[dict[str, Any]]]:
        """Every page of issues matching `jql`, with `fields` and the embedded changelog."""
        params: dict[str, Any] = {
            "jql": jql,
            "fields": ",".join(fields),
            "expand": "changelog",
            "maxResults": self.page_size,
        }
        if self.deployment == settings.CLOUD:
            path = settings.CLOUD_SEARCH
            paginator: Any = JSONResponseCursorPaginator(
                cursor_path="nextPageToken", cursor_param="nextPageToken"
            )
        else:
            path = settings.DC_SEARCH
            paginator = OffsetPaginator(
                limit=self.page_size,
                offset_param="startAt",
                limit_param="maxResults",
                total_path="total",
            )
        for page in self.rest.paginate(
            path, params=params, paginator=paginator, data_selector="issues", hooks=self._hooks()
        ):
            yield list(page)

    def older_histories(self, key: str, missing: int) -> list[dict[str, Any]]:
        """The histories of issue `key` that its embedded changelog left out: the oldest
        `missing` ones (Jira embeds the newest). Cloud pages `/issue/{key}/changelog`
        (oldest first) only as far as needed; Server/Data Center return the whole changelog
        with the issue."""
        if self.deployment != settings.CLOUD:
            issue = self.get(
                settings.ISSUE.format(key=key), {"fields": "created", "expand": "changelog"}
            )
            return list((issue.get("changelog") or {}).get("histories") or [])
        paginator = OffsetPaginator(
            limit=settings.CHANGELOG_PAGE_SIZE,
            offset_param="startAt",
            limit_param="maxResults",
            total_path="total",
            maximum_offset=missing,
        )
        histories: list[dict[str, Any]] = []
        for page in self.rest.paginate(
            self.api + settings.CHANGELOG.format(key=key),
            paginator=paginator,
            data_selector="values",
            hooks=self._hooks(),
        ):
            histories.extend(page)
        return histories


# --------------------------------------------------------------------------- the cursor


def jql_since(projects: str | Sequence[str], cursor: str | None, overlap: timedelta) -> str:
    """The search of one or more projects, from `cursor` (the newest `updated` loaded, as
    Jira wrote it) minus `overlap`.

    JQL reads a date in the time zone of the API user, which the client does not know; Jira
    writes every timestamp in that same zone. So the date is the cursor's own wall-clock
    time (its `+0100` offset is Jira's, i.e. the user's), minus the overlap, cut to the
    minute: correct whatever the user's zone, and an overlap of more than an hour also
    covers a daylight-saving change between the cursor and that date.
    """
    keys = [projects] if isinstance(projects, str) else list(projects)
    if len(keys) == 1:
        clause = f'project = "{keys[0]}"'
    else:
        clause = "project in (" + ", ".join(f'"{key}"' for key in keys) + ")"
    if cursor:
        wall = datetime.fromisoformat(cursor).replace(tzinfo=None) - overlap
        clause += f' AND updated >= "{wall:%Y-%m-%d %H:%M}"'
    return clause + " ORDER BY key ASC"


def newer_cursor(cursor: str | None, candidate: Any) -> str | None:
    """The later of two Jira timestamps (as Jira wrote them); a malformed candidate is
    ignored (its issue is quarantined)."""
    try:
        candidate_at = parse_timestamp(candidate) if isinstance(candidate, str) else None
    except ValueError:
        candidate_at = None
    if candidate_at is None:
        return cursor
    if cursor is None or candidate_at > parse_timestamp(cursor):  # type: ignore[operator]
        return candidate
    return cursor


# --------------------------------------------------------------------------- rows


def timestamp(record: Mapping[str, Any], name: str, required: bool = False) -> datetime | None:
    """Field `name` of `record` as a UTC datetime; ContractError when it is not a Jira
    timestamp (or missing when `required`)."""
    value = record.get(name)
    if value is None or value == "":
        if required:
            raise ContractError(f"{name}: expected a timestamp, got nothing")
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        return parse_timestamp(value)
    except ValueError:
        raise ContractError(
            f"{name}: expected a timestamp like 2026-01-02T03:04:05.000+0100, got {show(value)}"
        ) from None


def _day(value: Any) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def record_id(record: Mapping[str, Any], name: str = "id") -> str:
    """Jira's id (digits, sent as text); ContractError otherwise."""
    value = record.get(name)
    if isinstance(value, str) and value.strip().isdigit():
        return value.strip()
    if value is None:
        raise ContractError(f"{name}: expected an id, got nothing")
    raise ContractError(f"{name}: expected an id as text of digits, got {show(value)}")


def issue_key(record: Mapping[str, Any]) -> str:
    value = record.get("key")
    if isinstance(value, str) and value.strip():
        return value.strip()
    if value is None:
        raise ContractError("key: expected an issue key, got nothing")
    raise ContractError(f"key: expected an issue key like ABC-123, got {show(value)}")


def _get(mapping: Any, *path: str) -> Any:
    for name in path:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(name)
    return mapping


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _is_epic(issue_type: Any) -> bool:
    if not isinstance(issue_type, Mapping):
        return False
    return issue_type.get("hierarchyLevel") == 1 or issue_type.get("name") == "Epic"


def _flagged(value: Any) -> bool:
    # The Flagged checkbox: a list of options ([{"value": "Impediment"}]) or null.
    if isinstance(value, list):
        return len(value) > 0
    return bool(value)


def issue_row(
    item: Mapping[str, Any],
    flagged_field: str = settings.FLAGGED_FIELD,
    epic_link_field: str | None = None,
) -> dict[str, Any]:
    """One `issues` row; ContractError for a missing id or key, or an unparsable time."""
    issue_id = record_id(item)
    key = issue_key(item)
    fields = item.get("fields")
    if not isinstance(fields, Mapping):
        raise ContractError(f"fields: expected a JSON object, got {show(fields)}")
    issue_type = fields.get("issuetype") or {}
    status = fields.get("status") or {}
    category = status.get("statusCategory") or {}
    parent = fields.get("parent") or {}
    parent_key = parent.get("key")
    epic_key = parent_key if _is_epic(_get(parent, "fields", "issuetype")) else None
    if epic_key is None and epic_link_field:
        epic_key = _text(fields.get(epic_link_field)) or None
    project = fields.get("project") or {}
    changelog = item.get("changelog") or {}
    return {
        "id": issue_id,
        "key": key,
        "project_id": _text(project.get("id")),
        "project_key": project.get("key") or key.rsplit("-", 1)[0],
        "issue_type": issue_type.get("name"),
        "issue_type_id": _text(issue_type.get("id")),
        "issue_type_hierarchy_level": issue_type.get("hierarchyLevel"),
        "is_subtask": issue_type.get("subtask"),
        "status_id": _text(status.get("id")),
        "status_name": status.get("name"),
        "status_category": category.get("key"),
        "status_category_name": category.get("name"),
        "status_category_changed": timestamp(fields, "statuscategorychangedate"),
        "resolution_id": _text(_get(fields, "resolution", "id")),
        "resolution": _get(fields, "resolution", "name"),
        "priority_id": _text(_get(fields, "priority", "id")),
        "priority": _get(fields, "priority", "name"),
        "labels": json.dumps(list(fields.get("labels") or []), ensure_ascii=False),
        "summary": fields.get("summary"),
        "created": timestamp(fields, "created", required=True),
        "updated": timestamp(fields, "updated", required=True),
        "resolutiondate": timestamp(fields, "resolutiondate"),
        "parent_id": _text(parent.get("id")),
        "parent_key": parent_key,
        "epic_key": epic_key,
        "fix_version_ids": json.dumps(
            [str(v.get("id")) for v in fields.get("fixVersions") or [] if isinstance(v, Mapping)]
        ),
        "flagged": _flagged(fields.get(flagged_field)),
        "assignee_account_id": _get(fields, "assignee", "accountId"),
        "reporter_account_id": _get(fields, "reporter", "accountId"),
        "changelog_total": changelog.get("total") if isinstance(changelog, Mapping) else None,
    }


def changelog_rows(issue_id: str, key: str, history: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The `changelog_items` rows of one history (one per changed field);
    ContractError for a missing id or an unparsable time."""
    history_id = record_id(history)
    created = timestamp(history, "created", required=True)
    author = _get(history, "author", "accountId")
    rows = []
    for index, item in enumerate(history.get("items") or []):
        rows.append(
            {
                "history_id": history_id,
                "item_index": index,
                "issue_id": issue_id,
                "issue_key": key,
                "author_account_id": author,
                "created": created,
                "field": item.get("field"),
                "field_type": item.get("fieldtype"),
                "field_id": item.get("fieldId"),
                "from_value": _text(item.get("from")),
                "from_string": _text(item.get("fromString")),
                "to_value": _text(item.get("to")),
                "to_string": _text(item.get("toString")),
            }
        )
    return rows


def link_rows(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The `issue_links` rows of an issue's `issuelinks` field, written the same way from
    either end of a link (see `settings.issue_link_columns`)."""
    this = {"id": _text(item.get("id")), "key": item.get("key")}
    rows = []
    for link in _get(item, "fields", "issuelinks") or []:
        if not isinstance(link, Mapping) or link.get("id") is None:
            continue
        link_type = link.get("type") or {}
        if link.get("outwardIssue"):
            inward, outward = this, link["outwardIssue"]
        elif link.get("inwardIssue"):
            inward, outward = link["inwardIssue"], this
        else:
            continue
        rows.append(
            {
                "id": str(link["id"]),
                "link_type_id": _text(link_type.get("id")),
                "link_type": link_type.get("name"),
                "inward": link_type.get("inward"),
                "outward": link_type.get("outward"),
                "inward_issue_id": _text(inward.get("id")),
                "inward_issue_key": inward.get("key"),
                "outward_issue_id": _text(outward.get("id")),
                "outward_issue_key": outward.get("key"),
            }
        )
    return rows


def status_row(item: Mapping[str, Any]) -> dict[str, Any]:
    category = item.get("statusCategory") or {}
    scope = item.get("scope") or {}
    return {
        "id": str(item["id"]),
        "name": item.get("name"),
        "description": item.get("description"),
        "status_category_id": category.get("id"),
        "status_category_key": category.get("key"),
        "status_category_name": category.get("name"),
        "scope_type": scope.get("type"),
        "scope_project_id": _text(_get(scope, "project", "id")),
    }


def version_row(project_key: str, item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": str(item["id"]),
        "project_key": project_key,
        "project_id": _text(item.get("projectId")),
        "name": item.get("name"),
        "description": item.get("description"),
        "released": item.get("released"),
        "archived": item.get("archived"),
        "overdue": item.get("overdue"),
        "start_date": _day(item.get("startDate")),
        "release_date": _day(item.get("releaseDate")),
    }
