"""GitHub: deployments, their statuses, default-branch commits and the commit range each
successful production deployment shipped.

Resources (schema `raw_github`, all merged on their primary keys):

- `deployments`, `deployment_statuses`: newest first, re-read back to the newest known
  creation time minus an overlap window so that statuses reported late are picked up.
- `commits`: the default-branch history, read `since` the newest committed date minus an
  overlap.
- `deployment_ranges`, `deployment_commits`: for each successful production deployment (its
  environment matches the repository's production pattern, case-insensitively), the commits
  its sha reaches and the previous successful production deployment's sha does not. Ranges
  are walked in the commits already read; the compare endpoint is asked only when the walk
  leaves them. The previous deployment of each repository is kept in the resource state, so
  runs chain their ranges.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import dlt
from dlt.extract import DltResource

from . import settings
from .helpers import (
    CommitGraph,
    GitHubAuthError,
    GitHubClient,
    GitHubSourceError,
    RangeWalker,
    commit_row,
    deployment_row,
    final_status,
    parse_timestamp,
    status_row,
)

__all__ = ["GitHubAuthError", "GitHubSourceError", "github_source"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Repository:
    repo: str
    production_pattern: str

    def is_production(self, environment: str | None) -> bool:
        return bool(environment) and bool(
            re.search(self.production_pattern, environment or "", re.IGNORECASE)
        )


def _repositories(items: Sequence[Any], default_pattern: str) -> list[Repository]:
    """Accept `"owner/name"`, a mapping with `repo` (and `production_pattern`), or an object
    with those attributes (`ingestion.config.ResolvedRepository`)."""
    repos = []
    for item in items:
        if isinstance(item, str):
            repo, pattern = item, None
        elif isinstance(item, Mapping):
            repo, pattern = item["repo"], item.get("production_pattern")
        else:
            repo, pattern = item.repo, getattr(item, "production_pattern", None)
        repos.append(Repository(repo, pattern or default_pattern))
    return repos


@dlt.source(name="github", max_table_nesting=0)
def github_source(
    repositories: Sequence[Any] = dlt.config.value,
    access_token: str | None = dlt.secrets.value,
    api_url: str = settings.DEFAULT_API_URL,
    production_pattern: str = settings.DEFAULT_PRODUCTION_PATTERN,
    commits_overlap_hours: float = settings.COMMITS_OVERLAP_HOURS,
    deployments_overlap_days: float = settings.DEPLOYMENTS_OVERLAP_DAYS,
    per_page: int = settings.PER_PAGE,
) -> Sequence[DltResource]:
    """GitHub deployments and commits of `repositories`.

    Args:
        repositories: `"owner/name"` strings, mappings with `repo` and optionally
            `production_pattern` (a regular expression, matched case-insensitively), or the
            resolved entries of `VsmConfig.repositories()`.
        access_token: a token that can read the repositories (`SOURCES__GITHUB__ACCESS_TOKEN`).
        api_url: REST root; `https://HOST/api/v3` for GitHub Enterprise
            (`SOURCES__GITHUB__API_URL`).
        production_pattern: pattern for repositories given without one.
        commits_overlap_hours: commits are re-read this far behind the newest one loaded.
        deployments_overlap_days: deployments (and their statuses) are re-read this far behind
            the newest one loaded.
        per_page: page size of list endpoints (GitHub allows up to 100).
    """
    repos = _repositories(repositories, production_pattern)
    options = _Options(
        api_url=api_url,
        access_token=access_token,
        per_page=per_page,
        commits_overlap=timedelta(hours=commits_overlap_hours),
        deployments_overlap=timedelta(days=deployments_overlap_days),
    )
    runs = _Runs(repos, options)

    @dlt.resource(
        write_disposition="merge",
        primary_key="id",
        columns=settings.DEPLOYMENT_COLUMNS,
        file_format="parquet",
    )
    def deployments() -> Iterator[list[dict[str, Any]]]:
        run = runs.current()
        state = dlt.current.resource_state()
        for repo in repos:
            fetched = run.deployments(repo)
            if fetched.rows:
                yield fetched.rows
            _remember_deployment_window(state, repo.repo, fetched)

    @dlt.resource(
        write_disposition="merge",
        primary_key="id",
        columns=settings.DEPLOYMENT_STATUS_COLUMNS,
        file_format="parquet",
    )
    def deployment_statuses() -> Iterator[list[dict[str, Any]]]:
        run = runs.current()
        for repo in repos:
            rows = [s for statuses in run.deployments(repo).statuses.values() for s in statuses]
            if rows:
                yield rows

    @dlt.resource(
        write_disposition="merge",
        primary_key=("repository", "sha"),
        columns=settings.COMMIT_COLUMNS,
        file_format="parquet",
    )
    def commits() -> Iterator[list[dict[str, Any]]]:
        run = runs.current()
        state = dlt.current.resource_state().setdefault("last_committed_at", {})
        for repo in repos:
            history = run.history(repo)
            found_elsewhere = run.ranges(repo).extra_commits
            known = {row["sha"] for row in history}
            rows = history + [row for row in found_elsewhere if row["sha"] not in known]
            if rows:
                yield rows
            newest = max((r["committed_at"] for r in history if r["committed_at"]), default=None)
            previous = parse_timestamp(state.get(repo.repo))
            if newest and (previous is None or newest > previous):
                state[repo.repo] = newest.isoformat()

    @dlt.resource(
        write_disposition="merge",
        primary_key="deployment_id",
        columns=settings.DEPLOYMENT_RANGE_COLUMNS,
        file_format="parquet",
    )
    def deployment_ranges() -> Iterator[list[dict[str, Any]]]:
        run = runs.current()
        state = dlt.current.resource_state().setdefault("last_production_deployment", {})
        for repo in repos:
            ranges = run.ranges(repo)
            if ranges.rows:
                yield ranges.rows
            if ranges.last_deployment:
                state[repo.repo] = ranges.last_deployment

    @dlt.resource(
        write_disposition="merge",
        primary_key=("deployment_id", "sha"),
        columns=settings.DEPLOYMENT_COMMIT_COLUMNS,
        file_format="parquet",
    )
    def deployment_commits() -> Iterator[list[dict[str, Any]]]:
        run = runs.current()
        for repo in repos:
            rows = run.ranges(repo).commit_rows
            if rows:
                yield rows

    return deployments, deployment_statuses, commits, deployment_ranges, deployment_commits


# --------------------------------------------------------------------------- one extraction


@dataclass(frozen=True)
class _Options:
    api_url: str
    access_token: str | None = field(repr=False)
    per_page: int
    commits_overlap: timedelta
    deployments_overlap: timedelta


@dataclass
class _Deployments:
    rows: list[dict[str, Any]]
    statuses: dict[int, list[dict[str, Any]]]
    newest_created_at: datetime | None
    oldest_unfinished_at: datetime | None


@dataclass
class _Ranges:
    rows: list[dict[str, Any]] = field(default_factory=list)
    commit_rows: list[dict[str, Any]] = field(default_factory=list)
    extra_commits: list[dict[str, Any]] = field(default_factory=list)
    last_deployment: dict[str, Any] | None = None


class _Runs:
    """Hands each extraction its own `_Run`: the source object may be reused (Dagster builds
    it once), but what one run fetched must never leak into the next."""

    def __init__(self, repos: list[Repository], options: _Options) -> None:
        self.repos = repos
        self.options = options
        self._key: str | None = None
        self._run: _Run | None = None

    def current(self) -> _Run:
        key = _extraction_key()
        if self._run is None or key != self._key:
            self._key, self._run = key, _Run(self.repos, self.options)
        return self._run


def _extraction_key() -> str:
    try:
        return str(dlt.current.load_package_state()["load_id"])
    except Exception:  # noqa: BLE001 - outside a pipeline run there is no load package
        return "no-load-package"


class _Run:
    """What one extraction reads from GitHub, shared by the five resources so each endpoint
    is asked once. Cursors are read from the resources' state when the run starts; each
    resource writes back only its own state after yielding its rows."""

    def __init__(self, repos: list[Repository], options: _Options) -> None:
        self.options = options
        self.client = GitHubClient(options.api_url, options.access_token, options.per_page)
        source_state = dlt.current.source_state()
        resources = copy.deepcopy(source_state.get("resources", {}))
        self.committed_cursor: dict[str, str] = resources.get("commits", {}).get(
            "last_committed_at", {}
        )
        self.deployment_cursor: dict[str, dict[str, str]] = resources.get("deployments", {}).get(
            "window", {}
        )
        self.previous_production: dict[str, dict[str, Any]] = resources.get(
            "deployment_ranges", {}
        ).get("last_production_deployment", {})
        self._default_branch: dict[str, str] = {}
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._deployments: dict[str, _Deployments] = {}
        self._ranges: dict[str, _Ranges] = {}

    # -- repository

    def default_branch(self, repo: Repository) -> str:
        if repo.repo not in self._default_branch:
            info = self.client.get(settings.REPOSITORY.format(repo=repo.repo))
            self._default_branch[repo.repo] = info.get("default_branch") or "main"
        return self._default_branch[repo.repo]

    # -- commits

    def history(self, repo: Repository) -> list[dict[str, Any]]:
        if repo.repo not in self._history:
            params: dict[str, Any] = {"sha": self.default_branch(repo)}
            cursor = parse_timestamp(self.committed_cursor.get(repo.repo))
            if cursor:
                since = cursor - self.options.commits_overlap
                params["since"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
            rows = [
                commit_row(repo.repo, item)
                for page in self.client.pages(settings.COMMITS.format(repo=repo.repo), params)
                for item in page
            ]
            self._history[repo.repo] = rows
            logger.info(
                "github: %s: %d commits%s (rate limit remaining %s)",
                repo.repo,
                len(rows),
                f" since {params['since']}" if "since" in params else "",
                self.client.rate_limit_remaining,
            )
        return self._history[repo.repo]

    # -- deployments

    def deployments(self, repo: Repository) -> _Deployments:
        if repo.repo not in self._deployments:
            self._deployments[repo.repo] = self._read_deployments(repo)
        return self._deployments[repo.repo]

    def _window_start(self, repo: Repository) -> datetime | None:
        window = self.deployment_cursor.get(repo.repo) or {}
        newest = parse_timestamp(window.get("newest_created_at"))
        if newest is None:
            return None
        start = newest - self.options.deployments_overlap
        unfinished = parse_timestamp(window.get("oldest_unfinished_at"))
        limit = newest - timedelta(days=settings.PENDING_DEPLOYMENT_MAX_DAYS)
        if unfinished and limit <= unfinished < start:
            start = unfinished
        return start

    def _read_deployments(self, repo: Repository) -> _Deployments:
        start = self._window_start(repo)
        rows: list[dict[str, Any]] = []
        for page in self.client.pages(settings.DEPLOYMENTS.format(repo=repo.repo)):
            page_rows = [deployment_row(repo.repo, item) for item in page]
            rows.extend(r for r in page_rows if start is None or r["created_at"] >= start)
            # Newest first: once a page reaches behind the window, older pages are known.
            if start is not None and any(r["created_at"] < start for r in page_rows):
                break
        statuses: dict[int, list[dict[str, Any]]] = {}
        unfinished: list[datetime] = []
        for row in rows:
            path = settings.DEPLOYMENT_STATUSES.format(repo=repo.repo, deployment_id=row["id"])
            statuses[row["id"]] = [
                status_row(repo.repo, row["id"], item)
                for page in self.client.pages(path)
                for item in page
            ]
            if final_status(statuses[row["id"]])[0] is None:
                unfinished.append(row["created_at"])
        logger.info(
            "github: %s: %d deployments, %d statuses%s (rate limit remaining %s)",
            repo.repo,
            len(rows),
            sum(len(s) for s in statuses.values()),
            f" created since {start.isoformat()}" if start else "",
            self.client.rate_limit_remaining,
        )
        return _Deployments(
            rows=rows,
            statuses=statuses,
            newest_created_at=max((r["created_at"] for r in rows), default=None),
            oldest_unfinished_at=min(unfinished, default=None),
        )

    # -- ranges

    def ranges(self, repo: Repository) -> _Ranges:
        if repo.repo not in self._ranges:
            self._ranges[repo.repo] = self._compute_ranges(repo)
        return self._ranges[repo.repo]

    def _compute_ranges(self, repo: Repository) -> _Ranges:
        fetched = self.deployments(repo)
        finished = []
        for row in fetched.rows:
            if not repo.is_production(row["environment"]):
                continue
            state, finished_at = final_status(fetched.statuses.get(row["id"], []))
            if state == "success" and finished_at is not None:
                finished.append((finished_at, row["id"], row))
        finished.sort(key=lambda item: (item[0], item[1]))

        previous = self.previous_production.get(repo.repo)
        if previous:
            after = (parse_timestamp(previous["finished_at"]), previous["deployment_id"])
            finished = [item for item in finished if (item[0], item[1]) > after]

        result = _Ranges()
        graph = CommitGraph(self.history(repo))
        walker = RangeWalker(graph)
        compared = 0
        for finished_at, deployment_id, row in finished:
            head = row["sha"]
            if previous is None:
                shas = None
            else:
                shas = walker.range(previous["sha"], head)
                if shas is None:
                    shas = self._compare(repo, previous["sha"], head, graph, result)
                    compared += 1
                    if shas is not None:
                        walker.reset(head)
            result.rows.append(
                {
                    "deployment_id": deployment_id,
                    "repository": repo.repo,
                    "head_sha": head,
                    "base_deployment_id": previous["deployment_id"] if previous else None,
                    "base_sha": previous["sha"] if previous else None,
                    "range_known": shas is not None,
                    "commit_count": len(shas) if shas is not None else None,
                }
            )
            result.commit_rows.extend(
                {"deployment_id": deployment_id, "repository": repo.repo, "sha": sha}
                for sha in shas or ()
            )
            previous = {
                "deployment_id": deployment_id,
                "sha": head,
                "finished_at": finished_at.isoformat(),
            }
        result.last_deployment = previous
        logger.info(
            "github: %s: %d production deployment ranges, %d commits (%d from compare)",
            repo.repo,
            len(result.rows),
            len(result.commit_rows),
            compared,
        )
        return result

    def _compare(
        self, repo: Repository, base: str, head: str, graph: CommitGraph, result: _Ranges
    ) -> list[str] | None:
        path = settings.COMPARE.format(repo=repo.repo, base=base, head=head)
        try:
            items = [
                item for page in self.client.pages(path, data_selector="commits") for item in page
            ]
        except GitHubAuthError:
            raise
        except GitHubSourceError as error:
            # A sha GitHub no longer knows (force-pushed away): the range stays unknown.
            logger.warning("github: %s: range %s...%s unknown: %s", repo.repo, base, head, error)
            return None
        rows = [commit_row(repo.repo, item) for item in items]
        graph.add(rows)
        result.extra_commits.extend(rows)
        return [row["sha"] for row in rows]


def _remember_deployment_window(state: dict[str, Any], repo: str, fetched: _Deployments) -> None:
    window = state.setdefault("window", {}).setdefault(repo, {})
    newest = parse_timestamp(window.get("newest_created_at"))
    if fetched.newest_created_at and (newest is None or fetched.newest_created_at > newest):
        window["newest_created_at"] = fetched.newest_created_at.isoformat()
    if fetched.oldest_unfinished_at:
        window["oldest_unfinished_at"] = fetched.oldest_unfinished_at.isoformat()
    else:
        window.pop("oldest_unfinished_at", None)
