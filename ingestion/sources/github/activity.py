"""Check runs of deployed shas (many per GraphQL query, or one REST request per sha), and the
REST reads of what GitHub's GraphQL API does not serve as REST does: releases (REST's
`target_commitish`), issues (`closed_by`) and deploy-workflow runs. Each reads from a cursor
kept per repository by its resource, so a later run reads only what is new or changed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from ingestion.quarantine import QuarantineRow

from . import queries, settings
from .checks import checked_row
from .graphql import GraphQLClient
from .helpers import GitHubClient, parse_timestamp
from .rows import (
    check_run_row,
    graphql_check_run_row,
    issue_row,
    release_row,
    workflow_run_row,
)

logger = logging.getLogger(__name__)

# A row for its table, or a record kept aside in `quarantine` (see `checks`).
Row = dict[str, Any] | QuarantineRow


def good(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """The rows that keep the contract (quarantined records left out)."""
    return [row for row in rows if isinstance(row, dict)]


def utc_text(moment: datetime) -> str:
    """A time as GitHub's query parameters take it (`2024-05-01T12:00:00Z`)."""
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


def read_check_runs_graphql(
    graphql: GraphQLClient,
    rest: GitHubClient,
    wanted: Mapping[str, Sequence[str]],
    shas_per_query: int = settings.CHECK_RUNS_SHAS_PER_QUERY,
) -> dict[str, CheckRuns]:
    """`read_check_runs` for the shas of many repositories (`{repo: shas}`), up to
    `shas_per_query` shas in one GraphQL query. A sha GraphQL does not answer whole (not
    found, more suites or runs than a page, an id it cannot read, a run breaking the
    contract) is read through REST, which pages through every run and quarantines what
    breaks the contract with its REST position."""
    pairs = [(repo, sha) for repo, shas in wanted.items() for sha in shas]
    results = {repo: CheckRuns() for repo in wanted}
    by_rest: dict[str, list[str]] = {repo: [] for repo in wanted}
    queries_sent = 0
    for offset in range(0, len(pairs), shas_per_query):
        chunk = pairs[offset : offset + shas_per_query]
        repos = list(dict.fromkeys(repo for repo, _ in chunk))
        variables: dict[str, Any] = {
            "suitesPageSize": settings.CHECK_SUITES_PAGE_SIZE,
            "runsPageSize": settings.CHECK_RUNS_PAGE_SIZE,
        }
        for i, repo in enumerate(repos):
            variables[f"owner{i}"], variables[f"name{i}"] = repo.split("/", 1)
        for j, (_, sha) in enumerate(chunk):
            variables[f"sha{j}"] = sha
        query = queries.check_runs([repos.index(repo) for repo, _ in chunk])
        data = graphql.query(query, variables)
        queries_sent += 1
        for j, (repo, sha) in enumerate(chunk):
            node = (data.get(f"r{repos.index(repo)}") or {}).get(f"c{j}")
            rows = _graphql_check_runs(repo, sha, node)
            if rows is None:
                by_rest[repo].append(sha)
                continue
            results[repo].rows.extend(rows)
            if rows and all(row["status"] == "completed" for row in rows):
                results[repo].complete_shas.append(sha)
    for repo, shas in by_rest.items():
        if shas:
            fetched = read_check_runs(rest, repo, shas)
            results[repo].rows.extend(fetched.rows)
            results[repo].complete_shas.extend(fetched.complete_shas)
    logger.info(
        "github: %d check runs of %d deployed shas in %d GraphQL queries, %d shas through "
        "REST (%s points left)",
        sum(len(good(r.rows)) for r in results.values()),
        len(pairs),
        queries_sent,
        sum(len(shas) for shas in by_rest.values()),
        graphql.remaining,
    )
    return results


def _graphql_check_runs(
    repo: str, sha: str, node: Mapping[str, Any] | None
) -> list[dict[str, Any]] | None:
    """The rows of one commit's answer, or None when REST must be asked."""
    suites = (node or {}).get("checkSuites")
    if not suites or (suites.get("pageInfo") or {}).get("hasNextPage"):
        return None
    rows: list[dict[str, Any]] = []
    for suite in suites.get("nodes") or []:
        runs = (suite or {}).get("checkRuns") or {}
        if (runs.get("pageInfo") or {}).get("hasNextPage"):
            return None
        for run in runs.get("nodes") or []:
            try:
                row = graphql_check_run_row(repo, sha, suite, run)
            except (KeyError, TypeError, ValueError, AttributeError):
                return None
            if row is None:
                return None
            checked = checked_row(
                lambda row=row: row,
                run,
                entity="check_runs",
                position="GraphQL",
                columns=settings.CHECK_RUN_COLUMNS,
            )
            if not isinstance(checked, dict):
                return None
            rows.append(checked)
    return rows


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
        params["since"] = utc_text(since)
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
        params["created"] = f">={utc_text(start)}"
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
