"""Endpoints, defaults and table hints of the GitHub source."""

from __future__ import annotations

from typing import Any

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_PRODUCTION_PATTERN = "^prod(uction)?$"
TOKEN_SETTING = "SOURCES__GITHUB__ACCESS_TOKEN"

PER_PAGE = 100
# Commits are read from the last committed date seen minus this overlap, so a commit whose
# date is a little older than the newest one (clock skew, rebases) is not missed.
COMMITS_OVERLAP_HOURS = 24.0
# Deployments are re-read back to the newest known creation time minus this window, so
# statuses reported after the previous run (a deploy that finished later) are picked up.
DEPLOYMENTS_OVERLAP_DAYS = 3.0
# A deployment still unfinished at the last run keeps the window open this long at most.
PENDING_DEPLOYMENT_MAX_DAYS = 30.0

HEADERS = {
    "Accept": "application/vnd.github+json",
    "X-GitHub-Api-Version": "2022-11-28",
    "User-Agent": "valuestream",
}

COMMITS = "/repos/{repo}/commits"
DEPLOYMENTS = "/repos/{repo}/deployments"
DEPLOYMENT_STATUSES = "/repos/{repo}/deployments/{deployment_id}/statuses"
COMPARE = "/repos/{repo}/compare/{base}...{head}"

# A deployment's outcome is its latest terminal status: GitHub later marks a successful
# deployment `inactive` when a newer one replaces it, which does not undo the deploy.
TERMINAL_STATES = frozenset({"success", "failure", "error"})


def _column(data_type: str, nullable: bool = True) -> dict[str, Any]:
    # A fresh dict per column: dlt writes the column name into the hint it is given.
    return {"data_type": data_type, "nullable": nullable}


DEPLOYMENT_COLUMNS: dict[str, Any] = {
    "id": _column("bigint", nullable=False),
    "repository": _column("text", nullable=False),
    "sha": _column("text"),
    "ref": _column("text"),
    "task": _column("text"),
    "environment": _column("text"),
    "original_environment": _column("text"),
    "description": _column("text"),
    "creator_login": _column("text"),
    "created_at": _column("timestamp"),
    "updated_at": _column("timestamp"),
    "production_environment": _column("bool"),
    "transient_environment": _column("bool"),
}
DEPLOYMENT_STATUS_COLUMNS: dict[str, Any] = {
    "id": _column("bigint", nullable=False),
    "deployment_id": _column("bigint", nullable=False),
    "repository": _column("text", nullable=False),
    "state": _column("text"),
    "environment": _column("text"),
    "description": _column("text"),
    "creator_login": _column("text"),
    "created_at": _column("timestamp"),
    "updated_at": _column("timestamp"),
    "log_url": _column("text"),
}
# A production deployment is a GitHub deployment or a successful run of a deploy workflow:
# `deployment_source` says which (their ids are GitHub ids of different records), and keys
# the ranges with `deployment_id`.
DEPLOYMENT_SOURCE_DEPLOYMENT = "deployment"
DEPLOYMENT_SOURCE_WORKFLOW_RUN = "workflow_run"
DEPLOYMENT_RANGE_COLUMNS: dict[str, Any] = {
    "deployment_source": _column("text", nullable=False),
    "deployment_id": _column("bigint", nullable=False),
    "repository": _column("text", nullable=False),
    "head_sha": _column("text"),
    "base_deployment_source": _column("text"),
    "base_deployment_id": _column("bigint"),
    "base_sha": _column("text"),
    "range_known": _column("bool", nullable=False),
    "commit_count": _column("bigint"),
}
DEPLOYMENT_COMMIT_COLUMNS: dict[str, Any] = {
    "deployment_source": _column("text", nullable=False),
    "deployment_id": _column("bigint", nullable=False),
    "repository": _column("text", nullable=False),
    "sha": _column("text", nullable=False),
}
COMMIT_COLUMNS: dict[str, Any] = {
    "repository": _column("text", nullable=False),
    "sha": _column("text", nullable=False),
    "message": _column("text"),
    "author_name": _column("text"),
    "author_email": _column("text"),
    "author_login": _column("text"),
    "authored_at": _column("timestamp"),
    "committer_login": _column("text"),
    "committed_at": _column("timestamp"),
    "parent_shas": _column("text"),
    "parent_count": _column("bigint"),
}

# The contract a record is checked against before it is loaded (`checks.checked_row`): the
# table's columns, and the times the ranges, windows and cursors are computed from required.
DEPLOYMENT_CONTRACT: dict[str, Any] = {
    **DEPLOYMENT_COLUMNS,
    "created_at": _column("timestamp", nullable=False),
}
DEPLOYMENT_STATUS_CONTRACT: dict[str, Any] = {
    **DEPLOYMENT_STATUS_COLUMNS,
    "created_at": _column("timestamp", nullable=False),
}
COMMIT_CONTRACT: dict[str, Any] = {
    **COMMIT_COLUMNS,
    "committed_at": _column("timestamp", nullable=False),
}

# --------------------------------------------------------------------------- GraphQL

# Below this many points left, the client sleeps until the budget resets.
GRAPHQL_MIN_REMAINING = 100
GRAPHQL_MAX_SLEEP_SECONDS = 3600.0
GRAPHQL_RATE_LIMITED_ATTEMPTS = 3
# Pull requests are re-read back to the newest known update minus this overlap.
PULL_REQUESTS_OVERLAP_HOURS = 24.0
# Issues are asked `since` the newest known update minus this overlap.
ISSUES_OVERLAP_HOURS = 24.0
# Releases are re-read back to the newest known creation minus this overlap.
RELEASES_OVERLAP_DAYS = 7.0
# Workflow runs are re-read back to the newest known creation minus this overlap (and to the
# oldest run still unfinished at the last run, at most PENDING_DEPLOYMENT_MAX_DAYS back).
WORKFLOW_RUNS_OVERLAP_DAYS = 3.0
DEFAULT_INCIDENT_LABEL = "incident"

PULLS = "/repos/{repo}/pulls"
PULL_REVIEWS = "/repos/{repo}/pulls/{number}/reviews"
PULL_COMMITS = "/repos/{repo}/pulls/{number}/commits"
CHECK_RUNS = "/repos/{repo}/commits/{sha}/check-runs"
RELEASES = "/repos/{repo}/releases"
ISSUES = "/repos/{repo}/issues"
WORKFLOW_RUNS = "/repos/{repo}/actions/runs"

PULL_REQUEST_COLUMNS: dict[str, Any] = {
    "repository": _column("text", nullable=False),
    "number": _column("bigint", nullable=False),
    "id": _column("bigint"),
    "title": _column("text"),
    "body": _column("text"),
    "state": _column("text"),
    "is_draft": _column("bool"),
    "author_login": _column("text"),
    "author_is_bot": _column("bool"),
    "head_ref": _column("text"),
    "head_sha": _column("text"),
    "base_ref": _column("text"),
    "base_sha": _column("text"),
    "created_at": _column("timestamp"),
    "updated_at": _column("timestamp"),
    "merged_at": _column("timestamp"),
    "closed_at": _column("timestamp"),
    "merge_commit_sha": _column("text"),
    "labels": _column("text"),
    "url": _column("text"),
}
PULL_REQUEST_REVIEW_COLUMNS: dict[str, Any] = {
    "id": _column("bigint", nullable=False),
    "repository": _column("text", nullable=False),
    "pull_request_number": _column("bigint", nullable=False),
    "state": _column("text"),
    "submitted_at": _column("timestamp"),
    "author_login": _column("text"),
    "author_is_bot": _column("bool"),
}
PULL_REQUEST_COMMIT_COLUMNS: dict[str, Any] = {
    "repository": _column("text", nullable=False),
    "pull_request_number": _column("bigint", nullable=False),
    "sha": _column("text", nullable=False),
    "position": _column("bigint"),
    "author_name": _column("text"),
    "author_email": _column("text"),
    "author_login": _column("text"),
    "authored_at": _column("timestamp"),
    "committed_at": _column("timestamp"),
    "message_headline": _column("text"),
}
CHECK_RUN_COLUMNS: dict[str, Any] = {
    "id": _column("bigint", nullable=False),
    "repository": _column("text", nullable=False),
    "head_sha": _column("text", nullable=False),
    "name": _column("text"),
    "status": _column("text"),
    "conclusion": _column("text"),
    "started_at": _column("timestamp"),
    "completed_at": _column("timestamp"),
    "app_slug": _column("text"),
    "check_suite_id": _column("bigint"),
    "details_url": _column("text"),
}
RELEASE_COLUMNS: dict[str, Any] = {
    "id": _column("bigint", nullable=False),
    "repository": _column("text", nullable=False),
    "tag_name": _column("text"),
    "name": _column("text"),
    "target_commitish": _column("text"),
    "draft": _column("bool"),
    "prerelease": _column("bool"),
    "author_login": _column("text"),
    "created_at": _column("timestamp"),
    "published_at": _column("timestamp"),
    "body": _column("text"),
    "url": _column("text"),
}
ISSUE_COLUMNS: dict[str, Any] = {
    "repository": _column("text", nullable=False),
    "number": _column("bigint", nullable=False),
    "id": _column("bigint"),
    "title": _column("text"),
    "body": _column("text"),
    "state": _column("text"),
    "state_reason": _column("text"),
    "author_login": _column("text"),
    "labels": _column("text"),
    "is_incident": _column("bool"),
    "created_at": _column("timestamp"),
    "updated_at": _column("timestamp"),
    "closed_at": _column("timestamp"),
    "closed_by_login": _column("text"),
    "url": _column("text"),
}
WORKFLOW_RUN_COLUMNS: dict[str, Any] = {
    "id": _column("bigint", nullable=False),
    "repository": _column("text", nullable=False),
    "name": _column("text"),
    "workflow_id": _column("bigint"),
    "path": _column("text"),
    "run_number": _column("bigint"),
    "run_attempt": _column("bigint"),
    "event": _column("text"),
    "status": _column("text"),
    "conclusion": _column("text"),
    "head_branch": _column("text"),
    "head_sha": _column("text"),
    "display_title": _column("text"),
    # What the workflow name says it deployed to (see `activity.deploy_environment`).
    "environment": _column("text"),
    "actor_login": _column("text"),
    "created_at": _column("timestamp"),
    "updated_at": _column("timestamp"),
    "run_started_at": _column("timestamp"),
    "url": _column("text"),
}

# GraphQL page sizes: nested connections multiply a query's cost and its time on GitHub.
PULL_REQUESTS_PAGE_SIZE = 50
PULL_REQUEST_REVIEWS_PAGE_SIZE = 50  # nested: more costs a follow-up query
PULL_REQUEST_COMMITS_PAGE_SIZE = 100  # nested: more costs a follow-up query
# A later run first asks small pages (pull requests, deployments with statuses, releases,
# issues updated since the cursor, the branch history's first page) of up to
# PROBE_REPOSITORIES repositories in one query; a repository with more changes than that
# goes on with full pages.
PROBE_REPOSITORIES = 15
PULL_REQUEST_PROBE_PAGE_SIZE = 20
DEPLOYMENT_PROBE_PAGE_SIZE = 25
# The probes also carry the newest releases and the issues updated since the issues' cursor:
# a repository whose pages show nothing new or changed is not asked the REST lists of
# deployments, releases or issues (the change-check, `changes`).
RELEASE_PROBE_PAGE_SIZE = 10
ISSUE_PROBE_PAGE_SIZE = 20
DEPLOYMENTS_PAGE_SIZE = 100
# Deployment statuses: the next page of up to this many repositories per query.
DEPLOYMENT_REPOSITORIES_PER_QUERY = 5
HISTORY_PAGE_SIZE = 100
# The default branch's history: the next page of up to this many repositories per query.
HISTORY_REPOSITORIES_PER_QUERY = 10
# Check runs of deployed shas: this many shas per query (`object(oid:)` aliases, across
# repositories), each with up to CHECK_SUITES_PAGE_SIZE suites of up to CHECK_RUNS_PAGE_SIZE
# runs; a sha with more is read through REST. 100 shas cost 11 points.
CHECK_RUNS_SHAS_PER_QUERY = 100
CHECK_SUITES_PAGE_SIZE = 10
CHECK_RUNS_PAGE_SIZE = 50
