"""Jira: issues of the configured projects with their complete changelog, issue links,
statuses with their categories, and fix versions.

Resources (schema `raw_jira`, all merged on their primary keys, no child tables):

- `issues`, `changelog_items`, `issue_links`: read from one search per project
  (`/rest/api/3/search/jql` with the changelog embedded), from the newest `updated` loaded
  minus an overlap; the cursor is kept per project in the state of the (unloaded)
  `issue_pages` resource they all read from. Where Jira embedded only the newest 100
  histories, the older ones are paged from `/issue/{key}/changelog`, for those issues only.
- `statuses`, `versions`: read whole every run (one request, and one per project).

A record that breaks the contract (no id or key, a timestamp that is not one) goes to the
`quarantine` table with its position, the reason and the raw record; the rest loads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
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
    """
    keys = [str(p).strip().upper() for p in projects]
    client = _LazyClient(_Options(base_url, email, api_token, deployment, page_size))
    overlap = timedelta(minutes=updated_overlap_minutes)
    fields = [*settings.ISSUE_FIELDS, flagged_field]
    if epic_link_field:
        fields.append(epic_link_field)

    @dlt.resource(selected=False)
    def issue_pages() -> Iterator[dict[str, Any]]:
        """Raw search pages, per project, from the cursor minus the overlap (or from where
        the last run quarantined a record, when that is older)."""
        state = dlt.current.resource_state()
        cursors = state.setdefault("updated_cursor", {})
        reread = state.pop(REREAD_FROM, {})
        jira = client()
        for project in keys:
            cursor = cursors.get(project)
            jql = jql_since(project, _read_from(cursor, reread.get(project, False)), overlap)
            newest = cursor
            issues = pages = 0
            for number, page in enumerate(jira.search(jql, fields), start=1):
                yield {"project": project, "page": number, "issues": page}
                for item in page:
                    newest = newer_cursor(newest, (item.get("fields") or {}).get("updated"))
                issues += len(page)
                pages = number
                if number % 10 == 0:
                    logger.info("jira: %s: %d issues so far (%d pages)", project, issues, number)
            logger.info(
                "jira: %s: %d issues in %d pages (%s)",
                project,
                issues,
                pages,
                "full load" if cursor is None else f"updated since {cursor} minus {overlap}",
            )
            if newest is not None:
                cursors[project] = newest

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
                _reread_later(page["project"], item)
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
                    _reread_later(page["project"], item)
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
        columns=settings.status_columns(),
        file_format="parquet",
    )
    def statuses() -> Iterator[list[dict[str, Any]]]:
        rows = [status_row(item) for item in client().get(settings.STATUSES)]
        logger.info("jira: %d statuses", len(rows))
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
        statuses,
        versions,
        issue_pages,
        with_quarantine_table(issues),
        with_quarantine_table(changelog_items),
        issue_links,
    )


# Key of `issue_pages`' state: project -> the `updated` (as Jira wrote it) from which the next
# run reads that project again, because a record at or after it was quarantined; "" when the
# quarantined issue has no readable `updated` (the next run reads the whole project).
REREAD_FROM = "reread_from"


def _reread_later(project: str, item: Any) -> None:
    """Have the next run ask again for the issue `item`, quarantined (or with a quarantined
    history) in this one: the cursor moves on past it, so the next search starts no later
    than its `updated`. Kept in the state only when this run's load succeeds."""
    held = dlt.current.resource_state("issue_pages").setdefault(REREAD_FROM, {})
    fields = item.get("fields") if isinstance(item, dict) else None
    updated = fields.get("updated") if isinstance(fields, dict) else None
    current = held.get(project)
    if current == "":
        return
    if newer_cursor(None, updated) is None:
        held[project] = ""
    elif current is None or newer_cursor(current, updated) == current:
        held[project] = updated


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
