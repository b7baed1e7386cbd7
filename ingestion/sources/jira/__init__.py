"""Jira: issues of the configured projects with their complete changelog, issue links,
statuses with their categories, and fix versions.

Resources (schema `raw_jira`, all merged on their primary keys, no child tables):

- `issues`, `changelog_items`, `issue_links`: read from one search for all the projects
  (`project in (...)`, `/rest/api/3/search/jql` with the changelog embedded), from the
  oldest project cursor (the newest `updated` loaded) minus an overlap; projects without a
  cursor yet are read whole by a search of their own. The cursor is kept per project in the
  state of the (unloaded) `issue_pages` resource they all read from. Where Jira embedded
  only the newest 100 histories, the older ones are paged from `/issue/{key}/changelog`,
  for those issues only.
- `statuses`: read whole (one request) on the first run, when an issue read shows a status
  not loaded yet (or renamed, or in another category), and at least weekly.
- `versions`: read whole every run, one request per project (a version can be released,
  renamed or become overdue without any issue changing, and Jira lists versions only per
  project).

A record that breaks the contract (no id or key, a timestamp that is not one) goes to the
`quarantine` table with its position, the reason and the raw record; the rest loads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
from dlt.extract import DltResource

from ingestion.quarantine import QuarantineRow, quarantine_row, route, with_quarantine_table

from . import settings
from .helpers import (
    ContractError,
    JiraAuthError,
    JiraClient,
    JiraSourceError,
    changelog_rows,
    issue_key,
    issue_row,
    jql_since,
    link_rows,
    newer_cursor,
    record_id,
    status_row,
    version_row,
)

__all__ = ["JiraAuthError", "JiraSourceError", "jira_source"]

logger = logging.getLogger(__name__)

SOURCE = "jira"


@dataclass(frozen=True)
class _Options:
    base_url: str
    email: str | None = field(repr=False)
    api_token: str | None = field(repr=False)
    deployment: str
    page_size: int


class _LazyClient:
    """One client for the source's resources, built on first use so that a missing
    credential stops the run (with its one line), not the building of the source."""

    def __init__(self, options: _Options) -> None:
        self._options = options
        self._client: JiraClient | None = None

    def __call__(self) -> JiraClient:
        if self._client is None:
            o = self._options
            self._client = JiraClient(o.base_url, o.email, o.api_token, o.deployment, o.page_size)
        return self._client


@dlt.source(name="jira", max_table_nesting=0)
def jira_source(
    projects: Sequence[str] = dlt.config.value,
    base_url: str = dlt.config.value,
    email: str | None = dlt.secrets.value,
    api_token: str | None = dlt.secrets.value,
    deployment: str = settings.CLOUD,
    updated_overlap_minutes: float = settings.UPDATED_OVERLAP_MINUTES,
    flagged_field: str = settings.FLAGGED_FIELD,
    epic_link_field: str | None = None,
    page_size: int = settings.PAGE_SIZE,
    statuses_max_age_hours: float = settings.STATUSES_MAX_AGE_HOURS,
) -> Sequence[DltResource]:
    """Jira issues, changelogs, links, statuses and fix versions of `projects`.

    Args:
        projects: project keys, e.g. `["CHK", "BIL"]`.
        base_url: the site, `https://your-domain.atlassian.net` (Cloud) or the base URL of a
            Server/Data Center instance (`SOURCES__JIRA__BASE_URL`).
        email: the account's e-mail (Cloud) or user name (Server/Data Center with a
            password); leave it unset for a Data Center personal access token
            (`SOURCES__JIRA__EMAIL`).
        api_token: the account's API token, password or personal access token
            (`SOURCES__JIRA__API_TOKEN`).
        deployment: `cloud` (REST v3) or `datacenter` (REST v2, Server and Data Center).
        updated_overlap_minutes: issues are re-read this far behind the newest `updated`
            loaded (see `helpers.jql_since`).
        flagged_field: the id of the "Flagged" field (`customfield_10021` on most Cloud sites).
        epic_link_field: the "Epic Link" field of company-managed projects on Server/Data
            Center (e.g. `customfield_10014`); on Cloud the epic is the issue's parent.
        page_size: issues per search page (Jira allows up to 100 with fields).
        statuses_max_age_hours: the statuses are read again when an issue shows one not
            loaded yet (or renamed, or in another category), and at least this often.
    """
    keys = [str(p).strip().upper() for p in projects]
    client = _LazyClient(_Options(base_url, email, api_token, deployment, page_size))
    overlap = timedelta(minutes=updated_overlap_minutes)
    statuses_max_age = timedelta(hours=statuses_max_age_hours)
    fields = [*settings.ISSUE_FIELDS, flagged_field]
    if epic_link_field:
        fields.append(epic_link_field)

    @dlt.resource(selected=False)
    def issue_pages() -> Iterator[dict[str, Any]]:
        """Raw search pages: one search for every project read from a cursor (from the
        oldest cursor minus the overlap, or from where the last run quarantined a record,
        when that is older), one for the projects read whole; then, when the pages carried
        a status not yet loaded (or changed) or the statuses are old, the statuses."""
        state = dlt.current.resource_state()
        cursors = state.setdefault("updated_cursor", {})
        reread = state.pop(REREAD_FROM, {})
        jira = client()
        known = state.get(KNOWN_STATUSES)
        if not isinstance(known, dict) or _stale(state.get(STATUSES_READ_AT), statuses_max_age):
            known = None
            yield _statuses_page(jira, state)  # first: a refused token stops here
        seen: dict[str, tuple[Any, Any]] = {}
        for group, read_from in _search_groups(keys, cursors, reread):
            label = ",".join(group)
            jql = jql_since(group, read_from, overlap)
            newest = None
            issues = pages = 0
            for number, page in enumerate(jira.search(jql, fields), start=1):
                yield {"project": label, "projects": group, "page": number, "issues": page}
                for item in page:
                    item_fields = item.get("fields") if isinstance(item, dict) else None
                    item_fields = item_fields if isinstance(item_fields, dict) else {}
                    newest = newer_cursor(newest, item_fields.get("updated"))
                    _note_status(seen, item_fields.get("status"))
                issues += len(page)
                pages = number
                if number % 10 == 0:
                    logger.info("jira: %s: %d issues so far (%d pages)", label, issues, number)
            logger.info(
                "jira: %s: %d issues in %d pages (%s)",
                label,
                issues,
                pages,
                "full load" if read_from is None else f"updated since {read_from} minus {overlap}",
            )
            # The search read every issue of these projects updated since its date, up to
            # the newest `updated` it returned: that is where each of them now stands.
            for project in group:
                cursors[project] = newer_cursor(cursors.get(project), newest)
                if cursors[project] is None:
                    del cursors[project]
        known = state.get(KNOWN_STATUSES)
        if isinstance(known, dict) and _changed_statuses(seen, known):
            logger.info("jira: issues carry statuses not loaded yet (or changed); reading them")
            yield _statuses_page(jira, state)

    @dlt.transformer(
        data_from=issue_pages,
        write_disposition="merge",
        primary_key="id",
        columns=settings.status_columns(),
        file_format="parquet",
    )
    def statuses(page: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        rows = page.get("statuses")
        if rows:
            yield rows

    @dlt.transformer(
        data_from=issue_pages,
        write_disposition="merge",
        primary_key="id",
        columns=settings.issue_columns(),
        file_format="parquet",
    )
    def issues(page: dict[str, Any]) -> Iterator[Any]:
        items: list[Any] = []
        for index, item in enumerate(page["issues"]):
            try:
                items.append(issue_row(item, flagged_field, epic_link_field))
            except ContractError as error:
                payload = _without_histories(item)
                items.append(_quarantined(payload, "issues", _position(page, index), error))
                _reread_later(page, item)
        yield from route(items)

    @dlt.transformer(
        data_from=issue_pages,
        write_disposition="merge",
        primary_key=("history_id", "item_index"),
        columns=settings.changelog_item_columns(),
        file_format="parquet",
    )
    def changelog_items(page: dict[str, Any]) -> Iterator[Any]:
        items: list[Any] = []
        paged = 0
        for index, item in enumerate(page["issues"]):
            try:
                issue_id, key = record_id(item), issue_key(item)
            except ContractError:
                continue  # the issue itself is quarantined by `issues`
            histories, fetched = _complete_changelog(client(), key, item.get("changelog"))
            paged += fetched
            for number, history in enumerate(histories):
                try:
                    items.extend(changelog_rows(issue_id, key, history))
                except ContractError as error:
                    position = f"{key} changelog history {number} ({_position(page, index)})"
                    items.append(_quarantined(history, "changelog_items", position, error, key))
                    _reread_later(page, item)
        if paged:
            logger.info(
                "jira: %s page %d: %d issues had more than the embedded histories; "
                "paged their changelog",
                page["project"],
                page["page"],
                paged,
            )
        yield from route(items)

    @dlt.transformer(
        data_from=issue_pages,
        write_disposition="merge",
        primary_key="id",
        columns=settings.issue_link_columns(),
        file_format="parquet",
    )
    def issue_links(page: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        rows = [row for item in page["issues"] for row in link_rows(item)]
        if rows:
            yield rows

    @dlt.resource(
        write_disposition="merge",
        primary_key="id",
        columns=settings.version_columns(),
        file_format="parquet",
    )
    def versions() -> Iterator[list[dict[str, Any]]]:
        for project in keys:
            found = client().get(settings.VERSIONS.format(project=project))
            rows = [version_row(project, item) for item in found]
            logger.info("jira: %s: %d versions", project, len(rows))
            if rows:
                yield rows

    return (
        issue_pages,
        statuses,
        with_quarantine_table(issues),
        with_quarantine_table(changelog_items),
        issue_links,
        versions,
    )


# Key of `issue_pages`' state: project -> the `updated` (as Jira wrote it) from which the next
# run reads that project again, because a record at or after it was quarantined; "" when the
# quarantined issue has no readable `updated` (the next run reads the whole project).
REREAD_FROM = "reread_from"


def _reread_later(page: dict[str, Any], item: Any) -> None:
    """Have the next run ask again for the issue `item`, quarantined (or with a quarantined
    history) in this one: the cursor moves on past it, so the next search starts no later
    than its `updated`. Kept in the state only when this run's load succeeds. The issue's
    project is the one held; when it cannot be told, every project of the search is."""
    held = dlt.current.resource_state("issue_pages").setdefault(REREAD_FROM, {})
    fields = item.get("fields") if isinstance(item, dict) else None
    updated = fields.get("updated") if isinstance(fields, dict) else None
    group = list(page.get("projects") or [page["project"]])
    own = _project_of(item)
    for project in [own] if own in group else group:
        current = held.get(project)
        if current == "":
            continue
        if newer_cursor(None, updated) is None:
            held[project] = ""
        elif current is None or newer_cursor(current, updated) == current:
            held[project] = updated


def _project_of(item: Any) -> str | None:
    """The key of an issue's project: its `project` field, else its key's prefix."""
    if not isinstance(item, dict):
        return None
    project = _field(item, "project")
    if isinstance(project, dict) and isinstance(project.get("key"), str):
        return str(project["key"]).upper()
    key = item.get("key")
    if isinstance(key, str) and "-" in key:
        return key.rsplit("-", 1)[0].strip().upper()
    return None


def _field(item: Any, name: str) -> Any:
    fields = item.get("fields") if isinstance(item, dict) else None
    return fields.get(name) if isinstance(fields, dict) else None


def _search_groups(
    keys: Sequence[str], cursors: dict[str, Any], reread: dict[str, Any]
) -> list[tuple[list[str], str | None]]:
    """The searches of a run, as (projects, read from): the projects read whole (no cursor
    yet, or a quarantined issue without a readable `updated`) together, and the others
    together from the oldest of their starting points; at most `PROJECTS_PER_SEARCH`
    projects a search (the JQL stays short)."""
    whole: list[str] = []
    since: list[tuple[str, str]] = []
    for project in keys:
        start = _read_from(cursors.get(project), reread.get(project, False))
        if start is None:
            whole.append(project)
        else:
            since.append((project, start))
    groups: list[tuple[list[str], str | None]] = []
    size = settings.PROJECTS_PER_SEARCH
    for i in range(0, len(whole), size):
        groups.append((whole[i : i + size], None))
    for i in range(0, len(since), size):
        chunk = since[i : i + size]
        oldest = chunk[0][1]
        for _project, start in chunk[1:]:
            if newer_cursor(oldest, start) == oldest and start != oldest:
                oldest = start
        groups.append(([p for p, _ in chunk], oldest))
    return groups


# Keys of `issue_pages`' state for the statuses: id -> [name, category key] of the statuses
# loaded, and when (UTC, ISO) they were last read.
KNOWN_STATUSES = "known_statuses"
STATUSES_READ_AT = "statuses_read_at"


def _statuses_page(jira: JiraClient, state: dict[str, Any]) -> dict[str, Any]:
    """Every status (one request), as a page for the `statuses` table; remembered in the
    state so that later runs read them again only when an issue shows one that changed."""
    rows = [status_row(item) for item in jira.get(settings.STATUSES)]
    logger.info("jira: %d statuses", len(rows))
    state[KNOWN_STATUSES] = {row["id"]: [row["name"], row["status_category_key"]] for row in rows}
    state[STATUSES_READ_AT] = datetime.now(UTC).isoformat()
    return {"project": "", "projects": [], "page": 0, "issues": [], "statuses": rows}


def _note_status(seen: dict[str, tuple[Any, Any]], status: Any) -> None:
    if isinstance(status, dict) and status.get("id") is not None:
        category = status.get("statusCategory")
        key = category.get("key") if isinstance(category, dict) else None
        seen[str(status["id"])] = (status.get("name"), key)


def _changed_statuses(seen: dict[str, tuple[Any, Any]], known: dict[str, Any]) -> bool:
    """Whether an issue read carries a status not loaded yet, or renamed or moved to
    another category since."""
    return any(
        status_id not in known or list(value) != list(known[status_id])
        for status_id, value in seen.items()
    )


def _stale(read_at: Any, max_age: timedelta) -> bool:
    if not isinstance(read_at, str):
        return True
    try:
        return datetime.now(UTC) - datetime.fromisoformat(read_at) >= max_age
    except (TypeError, ValueError):
        return True


def _read_from(cursor: str | None, held: str | bool) -> str | None:
    """Where a project's search starts: the cursor, or the earlier `updated` at which the
    last run quarantined a record (None, from the start, when that is unknown)."""
    if held is False or cursor is None:
        return cursor
    if held == "":
        return None
    return cursor if newer_cursor(held, cursor) == held else held


def _position(page: dict[str, Any], index: int) -> str:
    return f"{page['project']} search page {page['page']} item {index + 1}"


def _quarantined(
    record: Any, entity: str, position: str, error: ContractError, record_id: str | None = None
) -> QuarantineRow:
    if record_id is None and isinstance(record, dict):
        value = record.get("key") or record.get("id")
        record_id = str(value) if isinstance(value, str | int) else None
    logger.warning("jira: %s at %s quarantined: %s", entity, position, error)
    return quarantine_row(
        record,
        source=SOURCE,
        entity=entity,
        position=position,
        reason=str(error),
        record_id=record_id,
    )


def _without_histories(item: Any) -> Any:
    """An issue as quarantined: its embedded histories (loaded on their own) left out, so
    the payload keeps the fields that matter within the quarantine's size limit."""
    if not isinstance(item, dict) or not isinstance(item.get("changelog"), dict):
        return item
    changelog = {k: v for k, v in item["changelog"].items() if k != "histories"}
    return {**item, "changelog": changelog}


def _complete_changelog(
    jira: JiraClient, key: str, changelog: Any
) -> tuple[list[dict[str, Any]], int]:
    """Every history of an issue: the embedded ones, plus the older ones Jira left out when
    `total` exceeds them (and 1 as the second value when it had to ask)."""
    embedded = list((changelog or {}).get("histories") or []) if isinstance(changelog, dict) else []
    total = changelog.get("total") if isinstance(changelog, dict) else None
    if not isinstance(total, int) or total <= len(embedded):
        return embedded, 0
    older = jira.older_histories(key, total - len(embedded))
    seen = {str(h.get("id")) for h in embedded}
    merged = [h for h in older if str(h.get("id")) not in seen] + embedded
    return merged, 1
