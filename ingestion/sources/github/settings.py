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

REPOSITORY = "/repos/{repo}"
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
DEPLOYMENT_RANGE_COLUMNS: dict[str, Any] = {
    "deployment_id": _column("bigint", nullable=False),
    "repository": _column("text", nullable=False),
    "head_sha": _column("text"),
    "base_deployment_id": _column("bigint"),
    "base_sha": _column("text"),
    "range_known": _column("bool", nullable=False),
    "commit_count": _column("bigint"),
}
DEPLOYMENT_COMMIT_COLUMNS: dict[str, Any] = {
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
