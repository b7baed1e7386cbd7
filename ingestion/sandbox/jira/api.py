"""The Jira site answered as Jira Cloud REST v3 (your-domain.atlassian.net/rest/api/3).

Transport-free like `GitHubApi`: `JiraApi.handle(method, target, headers, body)` returns a
`Response`. Only what exists at `clock()` is visible: issues created later do not exist,
later changelog histories are hidden and `updated` is the last visible change.
Supported JQL: `project = X`, `project in (X, Y)`, `updated|created >=|>|<=|< <date>`
(dates as "yyyy-MM-dd HH:mm", "yyyy/MM/dd HH:mm", "yyyy-MM-dd" or relative "-3d"; read in
the API user's time zone, Europe/Berlin, which is also the offset of every timestamp),
`key = X-1`, joined by AND, and `ORDER BY updated|created|key|id ASC|DESC`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

from ingestion.sandbox.github_api import Response
from ingestion.sandbox.jira.model import (
    ASSIGNEE,
    CATEGORIES,
    DONE,
    FLAG,
    FLAGGED_FIELD_ID,
    FLAGGED_OPTION_ID,
    ISSUE_TYPES,
    PRIORITIES,
    RANK,
    RANK_FIELD_ID,
    RESOLUTIONS,
    STATUS,
    UNFLAG,
    FixVersion,
    Issue,
    JiraData,
    Status,
)

CHANGELOG_EMBED_LIMIT = 100
CHANGELOG_PAGE_MAX = 100
SEARCH_DEFAULT = 50
SEARCH_MAX_WITH_FIELDS = 100
SEARCH_MAX_IDS = 5000
ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
NAVIGABLE_FIELDS = (
    "summary", "issuetype", "status", "statuscategorychangedate", "priority", "labels",
    "created", "updated", "resolution", "resolutiondate", "project", "parent", "fixVersions",
    "assignee", "reporter", FLAGGED_FIELD_ID,
)  # fmt: skip
PRIORITY_NAMES = {number: name for name, number in PRIORITIES.items()}
NOT_AUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."
ISSUE_NOT_FOUND = "Issue does not exist or you do not have permission to see it."


def credentials_for_seed(seed: int) -> tuple[str, str]:
    """(email, API token) the sandbox's Jira accepts, derived from the seed."""
    digest = hashlib.sha256(f"valuestream-sandbox:jira:{seed}".encode()).hexdigest()
    return "vsm-sandbox@acme.example", "ATATT3xFfGF0" + digest[:48].upper()


API_USER_TIMEZONE = "Europe/Berlin"
_API_TZ = ZoneInfo(API_USER_TIMEZONE)


@lru_cache(maxsize=65_536)
def jira_time(ts: int) -> str:
    """Jira's timestamp format, in the API user's time zone: `2026-01-02T04:04:05.000+0100`."""
    return datetime.fromtimestamp(ts, _API_TZ).strftime("%Y-%m-%dT%H:%M:%S.000%z")


def _day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class JiraError(Exception):
    def __init__(self, status: int, *messages: str) -> None:
        super().__init__(messages[0] if messages else "")
        self.status = status
        self.messages = list(messages)

    def body(self) -> dict[str, Any]:
        return {"errorMessages": self.messages, "errors": {}}


ROUTES: list[tuple[str, re.Pattern[str]]] = [
    ("/rest/api/3/search/jql", re.compile(r"^/rest/api/3/search/jql$")),
    (
        "/rest/api/3/issue/{issueIdOrKey}/changelog",
        re.compile(r"^/rest/api/3/issue/([^/]+)/changelog$"),
    ),
    ("/rest/api/3/issue/{issueIdOrKey}", re.compile(r"^/rest/api/3/issue/([^/]+)$")),
    ("/rest/api/3/status", re.compile(r"^/rest/api/3/status$")),
    (
        "/rest/api/3/project/{projectIdOrKey}/versions",
        re.compile(r"^/rest/api/3/project/([^/]+)/versions$"),
    ),
]

# -- JQL ----------------------------------------------------------------------------------

_ORDER = re.compile(r"\border\s+by\b", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_PROJECT_EQ = re.compile(r'^project\s*=\s*("[^"]*"|\'[^\']*\'|[\w-]+)$', re.IGNORECASE)
_PROJECT_IN = re.compile(r"^project\s+in\s*\(([^)]*)\)$", re.IGNORECASE)
_KEY_EQ = re.compile(r'^(?:key|issuekey)\s*=\s*("[^"]*"|[\w-]+)$', re.IGNORECASE)
_TIME_CMP = re.compile(
    r'^(updated|created)\s*(>=|<=|>|<)\s*("[^"]*"|\'[^\']*\'|[-\w/:]+)$', re.IGNORECASE
)
_RELATIVE = re.compile(r"^(-?\d+)([mhdw])$")
_ORDER_TERM = re.compile(r"^(updated|created|key|id)(?:\s+(asc|desc))?$", re.IGNORECASE)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


class _Query:
    def __init__(self) -> None:
        self.projects: set[str] | None = None
        self.keys: set[str] | None = None
        self.bounds: list[tuple[str, str, int]] = []  # (field, op, ts)
        self.order: list[tuple[str, bool]] = []  # (field, descending)


def parse_jql(jql: str, data: JiraData, clock: int) -> _Query:
    """The supported subset of JQL; raises JiraError(400) like Jira for anything else."""
    query = _Query()
    text = jql.strip()
    parts = _ORDER.split(text, maxsplit=1)
    where = parts[0].strip()
    if len(parts) == 2:
        for term in parts[1].split(","):
            match = _ORDER_TERM.match(term.strip())
            if not match:
                raise JiraError(400, f"Error in the JQL Query: cannot order by '{term.strip()}'.")
            query.order.append(
                (match.group(1).lower(), (match.group(2) or "asc").lower() == "desc")
            )
    if not where:
        raise JiraError(
            400,
            "Unbounded JQL queries are not allowed here. Please add a search restriction to "
            "your query.",
        )
    for clause in _AND.split(where):
        clause = clause.strip()
        while clause.startswith("(") and clause.endswith(")") and not _PROJECT_IN.match(clause):
            clause = clause[1:-1].strip()  # redundant grouping: "(project = X)"
        if m := _PROJECT_EQ.match(clause):
            names = [_unquote(m.group(1))]
        elif m := _PROJECT_IN.match(clause):
            names = [_unquote(v) for v in m.group(1).split(",") if v.strip()]
        elif m := _KEY_EQ.match(clause):
            query.keys = {_unquote(m.group(1)).upper()}
            continue
        elif m := _TIME_CMP.match(clause):
            query.bounds.append((m.group(1).lower(), m.group(2), _jql_time(m.group(3), clock)))
            continue
        else:
            raise JiraError(
                400, f"Error in the JQL Query: the clause '{clause}' is not supported here."
            )
        keys = set()
        for name in names:
            project = data.project(name) or next(
                (p for p in data.projects if p.name.lower() == name.lower()), None
            )
            if project is None:
                raise JiraError(400, f"The value '{name}' does not exist for the field 'project'.")
            keys.add(project.key)
        query.projects = keys if query.projects is None else query.projects & keys
    return query


def _jql_time(raw: str, clock: int) -> int:
    value = _unquote(raw)
    rel = _RELATIVE.match(value)
    if rel:
        unit = {"m": 60, "h": 3600, "d": 86_400, "w": 604_800}[rel.group(2)]
        return clock + int(rel.group(1)) * unit
    for fmt in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return int(datetime.strptime(value, fmt).replace(tzinfo=_API_TZ).timestamp())
        except ValueError:
            continue
    raise JiraError(
        400,
        f"Date value '{value}' for field 'updated' is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
        "format e.g. '-5d', '4w 2d'.",
    )


def _fields(requested: list[str], default: str) -> tuple[str, ...]:
    tokens = [t.strip() for raw in requested for t in raw.split(",") if t.strip()] or [default]
    chosen: list[str] = []
    excluded = {t[1:] for t in tokens if t.startswith("-")}
    for token in tokens:
        if token in ("*all", "*navigable"):
            chosen.extend(NAVIGABLE_FIELDS)
        elif token not in ("id", "key") and not token.startswith("-"):
            chosen.append(token)
    seen: set[str] = set()
    return tuple(
        f for f in chosen if f in NAVIGABLE_FIELDS and f not in excluded and not (
            f in seen or seen.add(f)
        )
    )  # fmt: skip


class JiraApi:
    """Answers Jira Cloud REST v3 requests from `JiraData`, as of `clock()`."""

    def __init__(self, data: JiraData, base_url: str, clock: Callable[[], int]) -> None:
        self.data = data
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.email, self.api_token = credentials_for_seed(data.seed)
        self._basic = base64.b64encode(f"{self.email}:{self.api_token}".encode()).decode()
        self.request_counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._updated_cache: dict[int, dict[str, list[tuple[int, Issue]]]] = {}
        self._rows_cache: dict[tuple[int, str], list[Issue]] = {}
        self._user_json: dict[str, str] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._versions = {v.version_id: v for v in data.versions}
        self._projects = {p.key: p for p in data.projects}
        self._first_status = {p.key: p.workflow[0] for p in data.projects}

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
                return self._error(JiraError(401, NOT_AUTHENTICATED), [
                    ("WWW-Authenticate", 'Basic realm="protected-by-api-token"'),
                    ("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
                ])  # fmt: skip
            if match is None:
                raise JiraError(404, f"null for uri: {self.base_url}{path}")
            allowed = ("GET", "POST") if template == "/rest/api/3/search/jql" else ("GET",)
            if method not in allowed:
                raise JiraError(405, f"Method {method} is not allowed here.")
            clock = int(self.clock())
            payload = self._dispatch(template, match, pairs, method, body, clock)
            return Response(200, payload.encode(), self._headers())
        except JiraError as err:
            return self._error(err)

    def _error(self, err: JiraError, extra: list[tuple[str, str]] | None = None) -> Response:
        return Response(err.status, _dumps(err.body()).encode(), self._headers() + (extra or []))

    def _headers(self) -> list[tuple[str, str]]:
        return [("Content-Type", "application/json;charset=UTF-8")]

    def _route(self, path: str) -> tuple[str, re.Match[str] | None]:
        for template, pattern in ROUTES:
            match = pattern.match(path)
            if match:
                return template, match
        return "unknown", None

    def _authorised(self, headers: dict[str, str]) -> bool:
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, credential = value.partition(" ")
        return scheme.lower() == "basic" and credential.strip() == self._basic

    def _dispatch(
        self,
        template: str,
        match: re.Match[str],
        pairs: list[tuple[str, str]],
        method: str,
        body: bytes,
        clock: int,
    ) -> str:
        query = dict(pairs)
        if template == "/rest/api/3/search/jql":
            if method == "POST":
                try:
                    request = json.loads(body or b"{}")
                except ValueError as exc:
                    raise JiraError(
                        400,
                        "Invalid request payload. Refer to the REST API documentation and "
                        "try again.",
                    ) from exc
                fields = request.get("fields") or []
                if isinstance(fields, str):
                    fields = [fields]
                return self._search(
                    str(request.get("jql", "")),
                    request.get("nextPageToken"),
                    request.get("maxResults"),
                    [str(f) for f in fields],
                    str(request.get("expand", "")),
                    clock,
                )
            return self._search(
                query.get("jql", ""),
                query.get("nextPageToken"),
                query.get("maxResults"),
                [v for k, v in pairs if k == "fields"],
                query.get("expand", ""),
                clock,
            )
        if template == "/rest/api/3/status":
            return _dumps([self._status(s, clock) for s in self.data.statuses.values()])
        if template == "/rest/api/3/project/{projectIdOrKey}/versions":
            project = self.data.project(match.group(1))
            if project is None:
                raise JiraError(404, f"No project could be found with key '{match.group(1)}'.")
            return _dumps(
                [
                    self._version(v, clock)
                    for v in self.data.versions
                    if v.project_key == project.key and v.created_ts <= clock
                ]
            )
        issue = self.data.issue(match.group(1))
        if issue is None or issue.created_ts > clock:
            raise JiraError(404, ISSUE_NOT_FOUND)
        if template == "/rest/api/3/issue/{issueIdOrKey}/changelog":
            return self._changelog_page(issue, query, clock)
        fields = _fields([v for k, v in pairs if k == "fields"], "*all")
        expand = {e.strip() for e in query.get("expand", "").split(",")}
        return self._issue_json(issue, fields, "changelog" in expand, clock)

    # -- search ---------------------------------------------------------------------------

    def _visible(self, clock: int) -> dict[str, list[tuple[int, Issue]]]:
        """Per project: (updated at clock, issue) for every issue that exists at clock."""
        cached = self._updated_cache.get(clock)
        if cached is None:
            cached = {}
            for issue in self.data.issues:
                if issue.created_ts > clock:
                    continue
                n = issue.visible_count(clock)
                updated = issue.changelog[(n - 1) * 5] if n else issue.created_ts
                cached.setdefault(issue.project_key, []).append((updated, issue))
            with self._lock:
                if len(self._updated_cache) > 8:
                    self._updated_cache.clear()
                self._updated_cache[clock] = cached
        return cached

    def _search(
        self,
        jql: str,
        token: object,
        max_results: object,
        fields_requested: list[str],
        expand: str,
        clock: int,
    ) -> str:
        query = parse_jql(jql, self.data, clock)
        fields = _fields(fields_requested, "id")
        try:
            limit = int(max_results) if max_results not in (None, "") else SEARCH_DEFAULT  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise JiraError(400, "The maxResults parameter must be an integer.") from exc
        cap = SEARCH_MAX_WITH_FIELDS if fields or "changelog" in expand else SEARCH_MAX_IDS
        limit = min(max(limit, 1), cap)
        offset = 0
        if token:
            try:
                offset = int(base64.urlsafe_b64decode(str(token).encode()).decode().split(":")[1])
            except (ValueError, IndexError) as exc:
                raise JiraError(400, "The provided next page token is invalid or expired.") from exc
        rows = self._rows(jql, query, clock)
        page = rows[offset : offset + limit]
        embed = "changelog" in {e.strip() for e in expand.split(",")}
        issues = ",".join(self._issue_json(issue, fields, embed, clock) for issue in page)
        last = offset + limit >= len(rows)
        token_part = ""
        if not last:
            digest = hashlib.sha1(jql.encode()).hexdigest()[:12]
            next_token = base64.urlsafe_b64encode(f"{digest}:{offset + limit}".encode()).decode()
            token_part = f',"nextPageToken":"{next_token}"'
        return f'{{"issues":[{issues}]{token_part},"isLast":{"true" if last else "false"}}}'

    def _rows(self, jql: str, query: _Query, clock: int) -> list[Issue]:
        """The issues a query matches at clock, in its order (cached for the next pages)."""
        cache_key = (clock, jql)
        cached = self._rows_cache.get(cache_key)
        if cached is not None:
            return cached
        visible = self._visible(clock)
        projects = sorted(query.projects) if query.projects is not None else sorted(visible)
        rows = []
        for project in projects:
            for updated, issue in visible.get(project, ()):
                if query.keys is not None and issue.key not in query.keys:
                    continue
                ok = True
                for name, op, bound in query.bounds:
                    value = updated if name == "updated" else issue.created_ts
                    value -= value % 60  # JQL compares at minute precision
                    if not (
                        (op == ">=" and value >= bound) or (op == ">" and value > bound)
                        or (op == "<=" and value <= bound) or (op == "<" and value < bound)
                    ):  # fmt: skip
                        ok = False
                        break
                if ok:
                    rows.append((updated, issue))
        order = query.order or [("created", True)]
        for name, descending in reversed([*order, ("id", order[0][1])]):
            rows.sort(key=_order_key(name), reverse=descending)
        result = [issue for _, issue in rows]
        with self._lock:
            if len(self._rows_cache) >= 32:
                self._rows_cache.pop(next(iter(self._rows_cache)))
            self._rows_cache[cache_key] = result
        return result

    # -- representations ------------------------------------------------------------------

    def _user(self, login: str) -> dict[str, Any]:
        user = self._users.get(login)
        if user is None:
            account, name, email, tz = self.data.accounts.get(
                login, ("5b10" + "0" * 20, login, f"{login}@acme.example", "UTC")
            )
            avatar = f"https://avatar-management.services.atlassian.com/initials/{name[:2]}.png"
            user = {
                "self": f"{self.base_url}/rest/api/3/user?accountId={account}",
                "accountId": account,
                "emailAddress": email,
                "avatarUrls": {
                    s: f"{avatar}?size={s[:2]}" for s in ("48x48", "24x24", "16x16", "32x32")
                },
                "displayName": name,
                "active": True,
                "timeZone": tz,
                "accountType": "atlassian",
            }
            self._users[login] = user
        return user

    def _status(self, status: Status, clock: int) -> dict[str, Any]:
        cat_id, colour, cat_name = CATEGORIES[status.category]
        name = status.name_at(clock)
        return {
            "self": f"{self.base_url}/rest/api/3/status/{status.status_id}",
            "description": status.description,
            "iconUrl": f"{self.base_url}/images/icons/statuses/generic.png",
            "name": name,
            "untranslatedName": name,
            "id": str(status.status_id),
            "statusCategory": {
                "self": f"{self.base_url}/rest/api/3/statuscategory/{cat_id}",
                "id": cat_id,
                "key": status.category,
                "colorName": colour,
                "name": cat_name,
            },
        }

    def _version(self, version: FixVersion, clock: int, short: bool = False) -> dict[str, Any]:
        released = version.released_ts is not None and version.released_ts <= clock
        release_ts = version.released_ts if released and version.released_ts else version.planned_ts
        release_day = datetime.fromtimestamp(release_ts, UTC)
        out: dict[str, Any] = {
            "self": f"{self.base_url}/rest/api/3/version/{version.version_id}",
            "id": str(version.version_id),
            "description": f"Planned for {_day(version.planned_ts)}",
            "name": version.name,
            "archived": bool(version.archived and released and clock - release_ts > 300 * 86_400),
            "released": released,
            "releaseDate": _day(release_ts),
        }
        if short:
            return out
        start = datetime.fromtimestamp(version.start_ts, UTC)
        out.update(
            {
                "startDate": _day(version.start_ts),
                "userStartDate": f"{start.day}/{start:%b}/{start:%Y}",
                "userReleaseDate": f"{release_day.day}/{release_day:%b}/{release_day:%Y}",
                "overdue": (not released) and version.planned_ts + 86_400 <= clock,
                "projectId": self._projects[version.project_key].project_id,
            }
        )
        return out

    def _issue_type(self, name: str) -> dict[str, Any]:
        type_id, level, subtask = ISSUE_TYPES[name]
        return {
            "self": f"{self.base_url}/rest/api/3/issuetype/{type_id}",
            "id": str(type_id),
            "description": "",
            "iconUrl": f"{self.base_url}/images/icons/issuetypes/{type_id}.svg",
            "name": name,
            "subtask": subtask,
            "hierarchyLevel": level,
        }

    def _priority(self, name: str) -> dict[str, Any]:
        pid = PRIORITIES[name]
        return {
            "self": f"{self.base_url}/rest/api/3/priority/{pid}",
            "iconUrl": f"{self.base_url}/images/icons/priorities/{name.lower()}.svg",
            "name": name,
            "id": str(pid),
        }

    def _issue_url(self, issue: Issue) -> str:
        return f"{self.base_url}/rest/api/3/issue/{issue.issue_id}"

    def _issue_json(
        self, issue: Issue, fields: tuple[str, ...], embed_changelog: bool, clock: int
    ) -> str:
        head = (
            f'{{"expand":"{ISSUE_EXPAND}","id":"{issue.issue_id}",'
            f'"self":"{self._issue_url(issue)}","key":"{issue.key}"'
        )
        parts = [head]
        if fields:
            parts.append(',"fields":' + _dumps(self._field_values(issue, fields, clock)))
        if embed_changelog:
            n = issue.visible_count(clock)
            first = max(n - CHANGELOG_EMBED_LIMIT, 0)
            histories = ",".join(self._history_json(issue, i) for i in range(n - 1, first - 1, -1))
            parts.append(
                f',"changelog":{{"startAt":0,"maxResults":{n - first},"total":{n},'
                f'"histories":[{histories}]}}'
            )
        parts.append("}")
        return "".join(parts)

    def _field_values(self, issue: Issue, fields: tuple[str, ...], clock: int) -> dict[str, Any]:
        status_id, resolution, flagged, updated, assignee, priority = issue.state_at(clock)
        status = self.data.statuses[status_id]
        values: dict[str, Any] = {}
        for name in fields:
            if name == "summary":
                values[name] = issue.summary
            elif name == "issuetype":
                values[name] = self._issue_type(issue.issue_type)
            elif name == "status":
                values[name] = self._status(status, clock)
            elif name == "statuscategorychangedate":
                values[name] = jira_time(self._category_change(issue, clock))
            elif name == "priority":
                values[name] = self._priority(
                    PRIORITY_NAMES[priority] if priority else issue.priority
                )
            elif name == "labels":
                values[name] = list(issue.labels)
            elif name == "created":
                values[name] = jira_time(issue.created_ts)
            elif name == "updated":
                values[name] = jira_time(updated)
            elif name == "resolution":
                values[name] = (
                    {
                        "self": f"{self.base_url}/rest/api/3/resolution/{resolution}",
                        "id": str(resolution),
                        "description": "",
                        "name": RESOLUTIONS[resolution],
                    }
                    if resolution
                    else None
                )
            elif name == "resolutiondate":
                done_ts = self._resolution_ts(issue, clock) if status.category == DONE else None
                values[name] = jira_time(done_ts) if done_ts else None
            elif name == "project":
                project = self._projects[issue.project_key]
                values[name] = {
                    "self": f"{self.base_url}/rest/api/3/project/{project.project_id}",
                    "id": str(project.project_id),
                    "key": project.key,
                    "name": project.name,
                    "projectTypeKey": "software",
                    "simplified": False,
                }
            elif name == "parent":
                parent = self.data.issue(issue.parent_key) if issue.parent_key else None
                if parent is not None and parent.created_ts <= clock:
                    p_status = self.data.statuses[parent.state_at(clock)[0]]
                    values[name] = {
                        "id": str(parent.issue_id),
                        "key": parent.key,
                        "self": self._issue_url(parent),
                        "fields": {
                            "summary": parent.summary,
                            "status": self._status(p_status, clock),
                            "priority": self._priority(parent.priority),
                            "issuetype": self._issue_type(parent.issue_type),
                        },
                    }
            elif name == "fixVersions":
                values[name] = [
                    self._version(self._versions[v], clock, short=True)
                    for v in issue.fix_versions
                    if self._versions[v].created_ts <= clock
                ]
            elif name == "assignee":
                values[name] = self._user(
                    self.data.logins[assignee] if assignee >= 0 else issue.assignee
                )
            elif name == "reporter":
                values[name] = self._user(issue.reporter)
            elif name == FLAGGED_FIELD_ID:
                values[name] = (
                    [
                        {
                            "self": f"{self.base_url}/rest/api/3/customFieldOption/"
                            f"{FLAGGED_OPTION_ID}",
                            "value": "Impediment",
                            "id": FLAGGED_OPTION_ID,
                        }
                    ]
                    if flagged
                    else None
                )
        return values

    def _category_change(self, issue: Issue, clock: int) -> int:
        categories = self.data.statuses
        at = issue.created_ts
        for ts, kind, a, b, _ in issue.histories():
            if ts > clock:
                break
            if kind == STATUS and categories[a].category != categories[b].category:
                at = ts
        return at

    def _resolution_ts(self, issue: Issue, clock: int) -> int | None:
        last = None
        for ts, kind, _a, _b, c in issue.histories():
            if ts > clock:
                break
            if kind == STATUS and c:
                last = ts
        return last

    # -- changelog ------------------------------------------------------------------------

    def _history_json(self, issue: Issue, n: int) -> str:
        log = issue.changelog
        ts, kind, a, b, c = log[n * 5 : n * 5 + 5]
        items: list[dict[str, Any]] = []
        author = issue.assignee
        if kind == STATUS:
            statuses = self.data.statuses
            previous_resolution = self._resolution_before(issue, n)
            if c:
                items.append(
                    {"field": "resolution", "fieldtype": "jira", "fieldId": "resolution",
                     "from": None, "fromString": None, "to": str(c), "toString": RESOLUTIONS[c]}
                )  # fmt: skip
            elif previous_resolution:
                items.append(
                    {"field": "resolution", "fieldtype": "jira", "fieldId": "resolution",
                     "from": str(previous_resolution),
                     "fromString": RESOLUTIONS[previous_resolution], "to": None,
                     "toString": None}
                )  # fmt: skip
            items.append(
                {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": str(a),
                 "fromString": statuses[a].name_at(ts), "to": str(b),
                 "toString": statuses[b].name_at(ts)}
            )  # fmt: skip
        elif kind == FLAG:
            items.append(
                {"field": "Flagged", "fieldtype": "custom", "fieldId": FLAGGED_FIELD_ID,
                 "from": None, "fromString": None, "to": f"[{FLAGGED_OPTION_ID}]",
                 "toString": "Impediment"}
            )  # fmt: skip
        elif kind == UNFLAG:
            items.append(
                {"field": "Flagged", "fieldtype": "custom", "fieldId": FLAGGED_FIELD_ID,
                 "from": f"[{FLAGGED_OPTION_ID}]", "fromString": "Impediment", "to": None,
                 "toString": None}
            )  # fmt: skip
        elif kind == ASSIGNEE:
            before = self.data.logins[a] if a >= 0 else issue.assignee
            after = self.data.logins[b]
            author = after
            items.append(
                {"field": "assignee", "fieldtype": "jira", "fieldId": "assignee",
                 "from": self._user(before)["accountId"],
                 "fromString": self._user(before)["displayName"],
                 "to": self._user(after)["accountId"],
                 "toString": self._user(after)["displayName"]}
            )  # fmt: skip
        elif kind == RANK:
            items.append(
                {"field": "Rank", "fieldtype": "custom", "fieldId": RANK_FIELD_ID, "from": "",
                 "fromString": "", "to": "",
                 "toString": "Ranked higher" if a == 1 else "Ranked lower"}
            )  # fmt: skip
        else:
            items.append(
                {"field": "priority", "fieldtype": "jira", "fieldId": "priority",
                 "from": str(a), "fromString": PRIORITY_NAMES[a], "to": str(b),
                 "toString": PRIORITY_NAMES[b]}
            )  # fmt: skip
        user = self._user_json.get(author)
        if user is None:
            user = self._user_json[author] = _dumps(self._user(author))
        return (
            f'{{"id":"{issue.history_base + n}","author":{user},"created":"{jira_time(ts)}",'
            f'"items":{_dumps(items)}}}'
        )

    @staticmethod
    def _resolution_before(issue: Issue, n: int) -> int:
        log = issue.changelog
        for i in range(n - 1, -1, -1):
            if log[i * 5 + 1] == STATUS:
                return log[i * 5 + 4]
        return 0

    def _changelog_page(self, issue: Issue, query: dict[str, str], clock: int) -> str:
        def number(name: str, default: int) -> int:
            try:
                return int(query.get(name, default))
            except ValueError as exc:
                raise JiraError(400, f"The {name} parameter must be an integer.") from exc

        start = max(number("startAt", 0), 0)
        size = min(max(number("maxResults", CHANGELOG_PAGE_MAX), 1), CHANGELOG_PAGE_MAX)
        total = issue.visible_count(clock)
        path = f"{self.base_url}/rest/api/3/issue/{issue.key}/changelog"
        values = ",".join(
            self._history_json(issue, i) for i in range(start, min(start + size, total))
        )
        last = start + size >= total
        self_url = f"{path}?{urlencode({'startAt': start, 'maxResults': size})}"
        next_page = ""
        if not last:
            url = f"{path}?{urlencode({'startAt': start + size, 'maxResults': size})}"
            next_page = f',"nextPage":{_dumps(url)}'
        return (
            f'{{"self":{_dumps(self_url)},"maxResults":{size},"startAt":{start},'
            f'"total":{total},"isLast":{"true" if last else "false"}{next_page},'
            f'"values":[{values}]}}'
        )


def _order_key(name: str) -> Callable[[tuple[int, Issue]], Any]:
    if name == "updated":
        return lambda row: row[0]
    if name == "created":
        return lambda row: row[1].created_ts
    if name == "key":
        return lambda row: (row[1].project_key, int(row[1].key.rsplit("-", 1)[1]))
    return lambda row: row[1].issue_id
