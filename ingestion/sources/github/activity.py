"""REST reads of what GitHub's GraphQL API does not serve (or serves no cheaper): check runs of
deployed shas, releases, issues and deploy-workflow runs. Each reads from a cursor kept per
repository by its resource, so a later run reads only what is new or changed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from ingestion.quarantine import QuarantineRow

from . import settings
from .checks import checked_row
from .helpers import GitHubClient, parse_timestamp
from .rows import check_run_row, issue_row, release_row, workflow_run_row

logger = logging.getLogger(__name__)

# A row for its table, or a record kept aside in `quarantine` (see `checks`).
Row = dict[str, Any] | QuarantineRow


def good(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """The rows that keep the contract (quarantined records left out)."""
    return [row for row in rows if isinstance(row, dict)]


def _utc_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class CheckRuns:
    rows: list[Row] = field(default_factory=list)
    complete_shas: list[str] = field(default_factory=list)  # every run finished: never again


def read_check_runs(client: GitHubClient, repo: str, shas: Iterable[str]) -> CheckRuns:
    result = CheckRuns()
    asked = 0
    for sha in shas:
        asked += 1
        path = settings.CHECK_RUNS.format(repo=repo, sha=sha)
        checked = [
            checked_row(
                partial(check_run_row, repo, item),
                item,
                entity="check_runs",
                position=f"{path} page {number} item {index}",
                columns=settings.CHECK_RUN_COLUMNS,
            )
            for number, page in enumerate(client.pages(path, data_selector="check_runs"), 1)
            for index, item in enumerate(page)
        ]
        result.rows.extend(checked)
        rows = [r for r in checked if isinstance(r, dict)]
        if rows and len(rows) == len(checked) and all(r["status"] == "completed" for r in rows):
            result.complete_shas.append(sha)
    logger.info(
        "github: %s: %d check runs of %d deployed shas (rate limit remaining %s)",
        repo,
        len(good(result.rows)),
        asked,
        client.rate_limit_remaining,
    )
    return result


def read_releases(client: GitHubClient, repo: str, start: datetime | None) -> list[Row]:
    """Newest first; pages stop once they reach behind `start`."""
    rows: list[Row] = []
    path = settings.RELEASES.format(repo=repo)
    for number, page in enumerate(client.pages(path), 1):
        page_rows = [
            checked_row(
                partial(release_row, repo, item),
                item,
                entity="releases",
                position=f"{path} page {number} item {index}",
                columns=settings.RELEASE_COLUMNS,
            )
            for index, item in enumerate(page)
        ]
        rows.extend(r for r in page_rows if not _before(r, start))
        if any(_before(r, start) for r in page_rows):
            break
    logger.info(
        "github: %s: %d releases%s (rate limit remaining %s)",
        repo,
        len(good(rows)),
        f" created since {start.isoformat()}" if start else "",
        client.rate_limit_remaining,
    )
    return rows


def _before(row: Row, start: datetime | None) -> bool:
    if start is None or not isinstance(row, dict) or row["created_at"] is None:
        return False
    return bool(row["created_at"] < start)


def read_issues(
    client: GitHubClient, repo: str, since: datetime | None, incident_label: str
) -> tuple[list[Row], datetime | None]:
    """Issues updated since `since`, and the newest update of anything listed: GitHub's list
    includes pull requests (skipped here), and they move the cursor too, so the next run
    does not page through them again."""
    params: dict[str, Any] = {"state": "all", "sort": "updated", "direction": "asc"}
    if since is not None:
        params["since"] = _utc_text(since)
    rows: list[Row] = []
    newest: datetime | None = None
    path = settings.ISSUES.format(repo=repo)
    for number, page in enumerate(client.pages(path, params), 1):
        for index, item in enumerate(page):
            try:
                updated = parse_timestamp(item.get("updated_at"))
            except ValueError:
                updated = None
            if updated is not None and (newest is None or updated > newest):
                newest = updated
            if "pull_request" not in item:
                rows.append(
                    checked_row(
                        partial(issue_row, repo, item, incident_label),
                        item,
                        entity="issues",
                        position=f"{path} page {number} item {index}",
                        columns=settings.ISSUE_COLUMNS,
                    )
                )
    logger.info(
        "github: %s: %d issues%s (rate limit remaining %s)",
        repo,
        len(good(rows)),
        f" updated since {params['since']}" if "since" in params else "",
        client.rate_limit_remaining,
    )
    return rows, newest


def deploy_environment(matcher: re.Pattern[str], name: str | None) -> str | None:
    """The environment a deploy workflow run deployed to, from its workflow name and the
    repository's deploy-workflow pattern: the pattern's named group `environment` when it
    has one, else the text after the match (`^Deploy ` on `Deploy production`), else the
    first group that matched (`^Deploy (prod|staging)$`). None when the name does not match
    or names no environment."""
    match = matcher.search(name or "")
    if match is None:
        return None
    if "environment" in matcher.groupindex:
        found = match.group("environment")
    else:
        found = (name or "")[match.end() :].strip() or next(
            (group for group in match.groups() if group), None
        )
    return found.strip() if found and found.strip() else None


def read_workflow_runs(
    client: GitHubClient, repo: str, pattern: str, start: datetime | None
) -> list[Row]:
    """Runs of the workflows whose name matches `pattern` (case-insensitive), created since
    `start`, each with the environment its name names (`deploy_environment`)."""
    params: dict[str, Any] = {}
    if start is not None:
        params["created"] = f">={_utc_text(start)}"
    matcher = re.compile(pattern, re.IGNORECASE)
    seen = 0
    rows: list[Row] = []
    path = settings.WORKFLOW_RUNS.format(repo=repo)
    pages = client.pages(path, params, data_selector="workflow_runs")
    for number, page in enumerate(pages, 1):
        seen += len(page)
        rows.extend(
            checked_row(
                partial(_workflow_run_with_environment, repo, item, matcher),
                item,
                entity="workflow_runs",
                position=f"{path} page {number} item {index}",
                columns=settings.WORKFLOW_RUN_COLUMNS,
            )
            for index, item in enumerate(page)
            if matcher.search(str(item.get("name") or ""))
        )
    logger.info(
        "github: %s: %d deploy workflow runs of %d runs%s (rate limit remaining %s)",
        repo,
        len(good(rows)),
        seen,
        f" created since {params['created'][2:]}" if "created" in params else "",
        client.rate_limit_remaining,
    )
    return rows


def _workflow_run_with_environment(
    repo: str, item: dict[str, Any], matcher: re.Pattern[str]
) -> dict[str, Any]:
    row = workflow_run_row(repo, item)
    row["environment"] = deploy_environment(matcher, row["name"])
    return row
