"""Endpoints, defaults and table hints of the Jira source."""

from __future__ import annotations

from typing import Any

TOKEN_SETTING = "SOURCES__JIRA__API_TOKEN"
EMAIL_SETTING = "SOURCES__JIRA__EMAIL"
BASE_URL_SETTING = "SOURCES__JIRA__BASE_URL"

CLOUD = "cloud"
DATA_CENTER = "datacenter"
DEPLOYMENTS = (CLOUD, DATA_CENTER)

# Jira Cloud allows 100 issues a page when fields or the changelog are asked for.
PAGE_SIZE = 100
CHANGELOG_PAGE_SIZE = 100
# Issues are re-read from the newest `updated` already loaded minus this overlap. It covers
# a daylight-saving shift between the cursor and the JQL date (1 h), JQL's minute precision,
# changes made while a run was paging, and the search index lagging behind writes.
UPDATED_OVERLAP_MINUTES = 180
# Projects searched together (`project in (...)`); more are split into several searches.
PROJECTS_PER_SEARCH = 50
# The statuses are read again when an issue carries one not loaded yet (or changed), and at
# least this often (a status no issue is in can change unseen).
STATUSES_MAX_AGE_HOURS = 24 * 7
# Jira Cloud's "Flagged" field (checkbox, option "Impediment"); its id differs on some sites.
FLAGGED_FIELD = "customfield_10021"

HEADERS = {"Accept": "application/json", "User-Agent": "valuestream"}

# Cloud: REST v3, search by nextPageToken, changelog paged by startAt.
CLOUD_API = "/rest/api/3"
CLOUD_SEARCH = "/rest/api/3/search/jql"
# Server / Data Center: REST v2, search by startAt; the issue endpoint carries the whole
# changelog there.
DC_API = "/rest/api/2"
DC_SEARCH = "/rest/api/2/search"

ISSUE = "/issue/{key}"
CHANGELOG = "/issue/{key}/changelog"
STATUSES = "/status"
VERSIONS = "/project/{project}/versions"

ISSUE_FIELDS = (
    "summary",
    "issuetype",
    "status",
    "statuscategorychangedate",
    "priority",
    "labels",
    "created",
    "updated",
    "resolution",
    "resolutiondate",
    "project",
    "parent",
    "fixVersions",
    "assignee",
    "reporter",
    "issuelinks",
)


def _column(data_type: str, nullable: bool = True) -> dict[str, Any]:
    # A fresh dict per column: dlt writes the column name into the hint it is given.
    return {"data_type": data_type, "nullable": nullable}


def issue_columns() -> dict[str, Any]:
    return {
        "id": _column("text", nullable=False),
        "key": _column("text", nullable=False),
        "project_id": _column("text"),
        "project_key": _column("text"),
        "issue_type": _column("text"),
        "issue_type_id": _column("text"),
        "issue_type_hierarchy_level": _column("bigint"),
        "is_subtask": _column("bool"),
        "status_id": _column("text"),
        "status_name": _column("text"),
        "status_category": _column("text"),
        "status_category_name": _column("text"),
        "status_category_changed": _column("timestamp"),
        "resolution_id": _column("text"),
        "resolution": _column("text"),
        "priority_id": _column("text"),
        "priority": _column("text"),
        "labels": _column("text"),
        "summary": _column("text"),
        "created": _column("timestamp", nullable=False),
        "updated": _column("timestamp", nullable=False),
        "resolutiondate": _column("timestamp"),
        "parent_id": _column("text"),
        "parent_key": _column("text"),
        "epic_key": _column("text"),
        "fix_version_ids": _column("text"),
        "flagged": _column("bool"),
        "assignee_account_id": _column("text"),
        "reporter_account_id": _column("text"),
        "changelog_total": _column("bigint"),
    }


def changelog_item_columns() -> dict[str, Any]:
    return {
        "history_id": _column("text", nullable=False),
        "item_index": _column("bigint", nullable=False),
        "issue_id": _column("text", nullable=False),
        "issue_key": _column("text"),
        "author_account_id": _column("text"),
        "created": _column("timestamp", nullable=False),
        "field": _column("text"),
        "field_type": _column("text"),
        "field_id": _column("text"),
        "from_value": _column("text"),
        "from_string": _column("text"),
        "to_value": _column("text"),
        "to_string": _column("text"),
    }


def status_columns() -> dict[str, Any]:
    return {
        "id": _column("text", nullable=False),
        "name": _column("text"),
        "description": _column("text"),
        "status_category_id": _column("bigint"),
        "status_category_key": _column("text"),
        "status_category_name": _column("text"),
        "scope_type": _column("text"),
        "scope_project_id": _column("text"),
    }


def version_columns() -> dict[str, Any]:
    return {
        "id": _column("text", nullable=False),
        "project_key": _column("text", nullable=False),
        "project_id": _column("text"),
        "name": _column("text"),
        "description": _column("text"),
        "released": _column("bool"),
        "archived": _column("bool"),
        "overdue": _column("bool"),
        "start_date": _column("date"),
        "release_date": _column("date"),
    }


def issue_link_columns() -> dict[str, Any]:
    # One row per link, the same whichever of its two issues it was read from:
    # "<inward issue> <outward phrase> <outward issue>", e.g. "CHK-1 blocks CHK-2".
    return {
        "id": _column("text", nullable=False),
        "link_type_id": _column("text"),
        "link_type": _column("text"),
        "inward": _column("text"),
        "outward": _column("text"),
        "inward_issue_id": _column("text"),
        "inward_issue_key": _column("text"),
        "outward_issue_id": _column("text"),
        "outward_issue_key": _column("text"),
    }
