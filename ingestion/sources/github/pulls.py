"""Pull requests with their reviews and commits: many per GraphQL query, or (the fallback)
the REST list plus two requests per pull request.

Both read newest update first and stop at the first pull request updated before `start`
(the newest update already loaded minus an overlap), so a later run reads only what changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from ingestion.quarantine import QuarantineRow

from . import queries, settings
from .checks import checked_row
from .graphql import GraphQLClient
from .helpers import GitHubClient
from .rows import (
    graphql_pull_commit_row,
    graphql_pull_request_row,
    graphql_review_row,
    node_database_id,
    rest_pull_commit_row,
    rest_pull_request_row,
    rest_review_row,
)

logger = logging.getLogger(__name__)


@dataclass
class PullRequests:
    rows: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    commits: list[dict[str, Any]] = field(default_factory=list)
    follow_ups: int = 0  # queries for the rest of a pull request's reviews or commits
    quarantined: list[QuarantineRow] = field(default_factory=list)

    def keep(self, kind: str, row: dict[str, Any] | QuarantineRow) -> None:
        """Add a row to `rows`, `reviews` or `commits`, or to `quarantined`."""
        if isinstance(row, QuarantineRow):
            self.quarantined.append(row)
        else:
            getattr(self, kind).append(row)

    @property
    def newest_updated_at(self) -> datetime | None:
        return max((r["updated_at"] for r in self.rows if r["updated_at"]), default=None)


def read_graphql(
    client: GraphQLClient,
    rest: GitHubClient,
    repo: str,
    start: datetime | None,
    page_size: int = settings.PULL_REQUESTS_PAGE_SIZE,
    reviews_page_size: int = settings.PULL_REQUEST_REVIEWS_PAGE_SIZE,
    commits_page_size: int = settings.PULL_REQUEST_COMMITS_PAGE_SIZE,
    first_page: dict[str, Any] | None = None,
) -> PullRequests:
    """Pull requests updated since `start` (all when None), newest update first;
    `first_page` is the repository's first page when a probe already asked for it."""
    owner, name = repo.split("/", 1)
    result = PullRequests()
    cursor: str | None = None
    while True:
        if first_page is not None:
            connection, first_page = first_page, None
        else:
            connection = _page(
                client, owner, name, cursor, page_size, reviews_page_size, commits_page_size
            )
        reached_start = False
        before = cursor
        for index, edge in enumerate(connection.get("edges") or []):
            node = edge.get("node") or {}
            where = f"{repo} pull requests after {before or 'start'} item {index}"
            row = checked_row(
                partial(graphql_pull_request_row, repo, node),
                node,
                entity="pull_requests",
                position=where,
                columns=settings.PULL_REQUEST_COLUMNS,
            )
            if isinstance(row, QuarantineRow):
                result.quarantined.append(row)
                before = edge.get("cursor")
                continue
            if start is not None and row["updated_at"] is not None and row["updated_at"] < start:
                reached_start = True
                break
            result.rows.append(row)
            number = row["number"]
            reviews = node.get("reviews") or {}
            commits = node.get("commits") or {}
            review_nodes = list(reviews.get("nodes") or [])
            commit_nodes = list(commits.get("nodes") or [])
            more: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = ([], [])
            if _more(reviews) or _more(commits):
                result.follow_ups += 1
                more = _rest_of_pull(client, repo, number, before, reviews, commits)
            if more is None or any(
                node_database_id(r.get("id")) is None for r in review_nodes + more[0]
            ):
                # Moved in the update order, or ids GraphQL does not tell: ask REST.
                _read_nested_by_rest(rest, repo, number, result)
            else:
                for i, review in enumerate(review_nodes + more[0]):
                    result.keep(
                        "reviews",
                        checked_row(
                            partial(graphql_review_row, repo, number, review),
                            review,
                            entity="pull_request_reviews",
                            position=f"{repo}#{number} review {i}",
                            columns=settings.PULL_REQUEST_REVIEW_COLUMNS,
                        ),
                    )
                for i, commit in enumerate(commit_nodes + more[1]):
                    result.keep(
                        "commits",
                        checked_row(
                            partial(graphql_pull_commit_row, repo, number, i, commit),
                            commit,
                            entity="pull_request_commits",
                            position=f"{repo}#{number} commit {i}",
                            columns=settings.PULL_REQUEST_COMMIT_COLUMNS,
                        ),
                    )
            before = edge.get("cursor")
        page = connection["pageInfo"]
        if reached_start or not page.get("hasNextPage"):
            break
        cursor = page["endCursor"]
    logger.info(
        "github: %s: %d pull requests, %d reviews, %d commits%s via GraphQL "
        "(%d follow-up queries, %s points left)",
        repo,
        len(result.rows),
        len(result.reviews),
        len(result.commits),
        f" updated since {start.isoformat()}" if start else "",
        result.follow_ups,
        client.remaining,
    )
    return result


def _page(
    client: GraphQLClient,
    owner: str,
    name: str,
    cursor: str | None,
    page_size: int,
    reviews_page_size: int,
    commits_page_size: int,
) -> dict[str, Any]:
    data = client.query(
        queries.PULL_REQUESTS,
        {
            "owner": owner,
            "name": name,
            "cursor": cursor,
            "pageSize": page_size,
            "reviewsPageSize": reviews_page_size,
            "commitsPageSize": commits_page_size,
        },
    )
    return dict(data["repository"]["pullRequests"])


def _more(connection: dict[str, Any]) -> bool:
    return bool((connection.get("pageInfo") or {}).get("hasNextPage"))


def _rest_of_pull(
    client: GraphQLClient,
    repo: str,
    number: int,
    pull_cursor: str | None,
    reviews: dict[str, Any],
    commits: dict[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """The reviews and commits after the first nested pages; None when the pull request is no
    longer where its cursor says (it moved in the update order): the caller asks REST."""
    owner, name = repo.split("/", 1)
    review_nodes: list[dict[str, Any]] = []
    commit_nodes: list[dict[str, Any]] = []
    review_page, commit_page = reviews.get("pageInfo") or {}, commits.get("pageInfo") or {}
    while review_page.get("hasNextPage") or commit_page.get("hasNextPage"):
        data = client.query(
            queries.PULL_REQUEST_MORE,
            {
                "owner": owner,
                "name": name,
                "pullCursor": pull_cursor,
                "reviewsCursor": review_page.get("endCursor"),
                "commitsCursor": commit_page.get("endCursor"),
            },
        )
        nodes = data["repository"]["pullRequests"].get("nodes") or []
        if not nodes or nodes[0]["number"] != number:
            logger.info("github: %s: pull request #%d moved; reading it by REST", repo, number)
            return None
        node = nodes[0]
        if review_page.get("hasNextPage"):
            review_nodes += node["reviews"].get("nodes") or []
            review_page = node["reviews"]["pageInfo"]
        if commit_page.get("hasNextPage"):
            commit_nodes += node["commits"].get("nodes") or []
            commit_page = node["commits"]["pageInfo"]
    return review_nodes, commit_nodes


def _rest_nested(
    rest: GitHubClient, repo: str, number: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    reviews = [
        item
        for page in rest.pages(settings.PULL_REVIEWS.format(repo=repo, number=number))
        for item in page
    ]
    commits = [
        item
        for page in rest.pages(settings.PULL_COMMITS.format(repo=repo, number=number))
        for item in page
    ]
    return reviews, commits


def _read_nested_by_rest(rest: GitHubClient, repo: str, number: int, result: PullRequests) -> None:
    reviews, commits = _rest_nested(rest, repo, number)
    for i, review in enumerate(reviews):
        result.keep(
            "reviews",
            checked_row(
                partial(rest_review_row, repo, number, review),
                review,
                entity="pull_request_reviews",
                position=f"{repo}#{number} review {i}",
                columns=settings.PULL_REQUEST_REVIEW_COLUMNS,
            ),
        )
    for i, commit in enumerate(commits):
        result.keep(
            "commits",
            checked_row(
                partial(rest_pull_commit_row, repo, number, i, commit),
                commit,
                entity="pull_request_commits",
                position=f"{repo}#{number} commit {i}",
                columns=settings.PULL_REQUEST_COMMIT_COLUMNS,
            ),
        )


def read_rest(rest: GitHubClient, repo: str, start: datetime | None) -> PullRequests:
    result = PullRequests()
    params = {"state": "all", "sort": "updated", "direction": "desc"}
    path = settings.PULLS.format(repo=repo)
    for page_number, page in enumerate(rest.pages(path, params), 1):
        reached_start = False
        for index, item in enumerate(page):
            row = checked_row(
                partial(rest_pull_request_row, repo, item),
                item,
                entity="pull_requests",
                position=f"{path} page {page_number} item {index}",
                columns=settings.PULL_REQUEST_COLUMNS,
            )
            if isinstance(row, QuarantineRow):
                result.quarantined.append(row)
                continue
            if start and row["updated_at"] and row["updated_at"] < start:
                reached_start = True
                break
            result.rows.append(row)
            _read_nested_by_rest(rest, repo, row["number"], result)
        if reached_start:
            break
    logger.info(
        "github: %s: %d pull requests, %d reviews, %d commits%s via REST (rate limit remaining %s)",
        repo,
        len(result.rows),
        len(result.reviews),
        len(result.commits),
        f" updated since {start.isoformat()}" if start else "",
        rest.rate_limit_remaining,
    )
    return result
