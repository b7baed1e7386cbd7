"""GitHub: deployments, their statuses, default-branch commits and the commit range each
successful production deployment shipped; pull requests with reviews and commits, check
runs of deployed shas, releases, issues and deploy-workflow runs.

Resources (schema `raw_github`, all merged on their primary keys):

- `deployments`, `deployment_statuses`: newest first, re-read back to the newest known
  creation time minus an overlap window so that statuses reported late are picked up.
- `commits`: the default-branch history, read from the head until every parent chain
  reaches a head loaded last time (`history`): dates cannot tell when a commit landed.
  Through GraphQL the pages of many repositories come in one query.
- `deployment_ranges`, `deployment_commits`: for each successful production deployment (its
  environment matches the repository's production pattern, case-insensitively) -- a GitHub
  deployment, or a successful run of the repository's deploy workflow (`deployment_source`
  'deployment' or 'workflow_run') -- the commits its sha reaches and the previous
  successful production deployment's sha does not. Ranges
  are walked in the commits already read; the compare endpoint is asked only when the walk
  leaves them. The previous deployment of each repository is kept in the resource state, so
  runs chain their ranges.
- `pull_requests`, `pull_request_reviews`, `pull_request_commits`: newest update first, many
  per GraphQL query, back to the newest known update minus an overlap (`pulls`).
- `check_runs`: of the shas successful production deployments shipped, many per GraphQL
  query (`activity`); each sha whose runs are all completed is not asked again.
- `releases`, `issues`, `workflow_runs`: REST, from per-repository cursors (`activity`);
  `all_entities=False` leaves these, the check runs and the pull requests out.

A later run first asks small GraphQL pages of many repositories at once (the probes): pull
requests, deployments with statuses, releases, issues updated since the cursor and the
history's first page. They are also the change-check (`changes`): the REST lists of
deployments, releases and issues are asked only for repositories whose pages show a record
of the re-read window that is new or changed.

With `use_graphql` (the default) deployment statuses, pull requests, check runs and the
branch history come through GraphQL (`graphql`, `queries`), many repositories per query,
and are written exactly as the REST fallback writes them (`rows`).
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import dlt
from dlt.extract import DltResource

from ingestion.quarantine import QuarantineRow, route, with_quarantine_table

from . import activity, changes, pulls, queries, settings
from .checks import checked_row
from .graphql import GraphQLClient
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
from .history import HistoryWalk
from .rows import graphql_commit_row, graphql_status_row

__all__ = [
    "ACTIVITY_RESOURCES",
    "CORE_RESOURCES",
    "GitHubAuthError",
    "GitHubSourceError",
    "github_source",
]

CORE_RESOURCES = (
    "deployments",
    "deployment_statuses",
    "commits",
    "deployment_ranges",
    "deployment_commits",
)
ACTIVITY_RESOURCES = (
    "pull_requests",
    "pull_request_reviews",
    "pull_request_commits",
    "check_runs",
    "releases",
    "issues",
    "workflow_runs",
)

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
    use_graphql: bool = True,
    graphql_history: bool = True,
    pull_requests_overlap_hours: float = settings.PULL_REQUESTS_OVERLAP_HOURS,
    issues_overlap_hours: float = settings.ISSUES_OVERLAP_HOURS,
    incident_label: str = settings.DEFAULT_INCIDENT_LABEL,
    deploy_workflow_patterns: Mapping[str, str] | None = None,
    check_runs_max_age_days: float | None = None,
    all_entities: bool = True,
    commits_since: datetime | str | None = None,
) -> Sequence[DltResource]:
    """GitHub deployments, commits and commit ranges of `repositories`, and (selected with
    `all_entities`) their pull requests, reviews, check runs, releases, issues and
    deploy-workflow runs.

    Args:
        repositories: `"owner/name"` strings, mappings with `repo` and optionally
            `production_pattern` (a regular expression, matched case-insensitively), or the
            resolved entries of `VsmConfig.repositories()`.
        access_token: a token that can read the repositories (`SOURCES__GITHUB__ACCESS_TOKEN`).
        api_url: REST root; `https://HOST/api/v3` for GitHub Enterprise
            (`SOURCES__GITHUB__API_URL`).
        production_pattern: pattern for repositories given without one.
        commits_overlap_hours: used once, for a state written by versions that read commits
            `since` the newest committed date minus this overlap; commits are now read from
            the branch head until their parent chains reach the heads loaded last time.
        deployments_overlap_days: deployments (and their statuses) are re-read this far behind
            the newest one loaded.
        per_page: page size of list endpoints (GitHub allows up to 100).
        use_graphql: read pull requests (with reviews and commits), deployment statuses and
            check runs through the GraphQL API, many per request; False reads them through
            REST (one request per deployment and per deployed sha, two more per pull
            request).
        graphql_history: read the default branch's history through GraphQL too (with
            `use_graphql`, as by default): the next page of up to
            HISTORY_REPOSITORIES_PER_QUERY repositories per query, where REST asks one
            page of one repository. REST names app accounts (`dependabot[bot]`) directly;
            GraphQL links them to no `User`, so they are read from their noreply address.
        pull_requests_overlap_hours: pull requests are re-read this far behind the newest
            update loaded.
        issues_overlap_hours: issues are asked `since` the newest update loaded minus this.
        incident_label: issues carrying this label (case-insensitive) are incidents.
        deploy_workflow_patterns: `{"owner/name": regex}`; Actions runs whose workflow name
            matches are loaded as `workflow_runs` (only for the repositories named).
        check_runs_max_age_days: read check runs only for deployments created this recently
            (None: every deployed sha). Through REST check runs cost one request per deployed
            sha (a year of a 400-repository organisation: ~10,000); through GraphQL one
            query per CHECK_RUNS_SHAS_PER_QUERY shas.
        all_entities: also select `pull_requests`, `pull_request_reviews`,
            `pull_request_commits`, `check_runs`, `releases`, `issues` and `workflow_runs`
            (`ACTIVITY_RESOURCES`), as by default; False loads only `CORE_RESOURCES`. Any
            set can be picked with `github_source(...).with_resources(...)`.
        commits_since: on a first load, read the history committed since this time only
            (later runs walk back from the head to the heads loaded, whatever the dates).
    """
    repos = _repositories(repositories, production_pattern)
    options = _Options(
        api_url=api_url,
        access_token=access_token,
        per_page=per_page,
        commits_overlap=timedelta(hours=commits_overlap_hours),
        deployments_overlap=timedelta(days=deployments_overlap_days),
        use_graphql=use_graphql,
        graphql_history=use_graphql and graphql_history,
        pull_requests_overlap=timedelta(hours=pull_requests_overlap_hours),
        issues_overlap=timedelta(hours=issues_overlap_hours),
        incident_label=incident_label,
        commits_since=parse_timestamp(commits_since)
        if isinstance(commits_since, str)
        else commits_since,
        deploy_workflow_patterns=dict(deploy_workflow_patterns or {}),
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
            if fetched.unchanged:
                continue  # the change-check saw nothing new: nothing was listed, nothing moves
            yield from route([*fetched.rows, *fetched.quarantined])
            # A quarantined deployment or status is read again next run: the window waits.
            if not fetched.has_quarantined:
                _remember_deployment_window(state, repo.repo, fetched, options.deployments_overlap)
            else:
                state.setdefault("window", {}).get(repo.repo, {}).pop("listed", None)

    @dlt.resource(
        write_disposition="merge",
        primary_key="id",
        columns=settings.DEPLOYMENT_STATUS_COLUMNS,
        file_format="parquet",
    )
    def deployment_statuses() -> Iterator[list[dict[str, Any]]]:
        run = runs.current()
        for repo in repos:
            fetched = run.deployments(repo)
            if fetched.unchanged:
                continue
            rows = [s for statuses in fetched.statuses.values() for s in statuses]
            yield from route([*rows, *fetched.quarantined_statuses])

    @dlt.resource(
        write_disposition="merge",
        primary_key=("repository", "sha"),
        columns=settings.COMMIT_COLUMNS,
        file_format="parquet",
    )
    def commits() -> Iterator[list[dict[str, Any]]]:
        run = runs.current()
        state = dlt.current.resource_state()
        heads = state.setdefault("heads", {})
        for repo in repos:
            history = run.history(repo)
            quarantined = run.quarantined_commits(repo)
            found_elsewhere = run.ranges(repo).extra_commits
            # A quarantined commit is left to the next run's history (not taken from the
            # compare endpoint meanwhile), so the table and the quarantine agree.
            known = {row["sha"] for row in history} | {q.record_id for q in quarantined}
            rows = history + [row for row in found_elsewhere if row["sha"] not in known]
            yield from route([*rows, *quarantined])
            if quarantined:
                continue  # read again next run: the known heads wait
            head = run.history_head(repo)
            if head:
                heads[repo.repo] = [head]
                state.get("last_committed_at", {}).pop(repo.repo, None)

    @dlt.resource(
        write_disposition="merge",
        primary_key=("deployment_source", "deployment_id"),
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
            # With a deployment, workflow run or commit in quarantine the ranges are computed
            # again from the same place next run, when the record is whole.
            quarantined = (
                run.deployments(repo).has_quarantined
                or run.quarantined_workflow_runs(repo)
                or run.quarantined_commits(repo)
            )
            if ranges.last_deployment and not quarantined:
                state[repo.repo] = ranges.last_deployment

    @dlt.resource(
        write_disposition="merge",
        primary_key=("deployment_source", "deployment_id", "sha"),
        columns=settings.DEPLOYMENT_COMMIT_COLUMNS,
        file_format="parquet",
    )
    def deployment_commits() -> Iterator[list[dict[str, Any]]]:
        run = runs.current()
        for repo in repos:
            rows = run.ranges(repo).commit_rows
            if rows:
                yield rows

    @dlt.resource(
        write_disposition="merge",
        primary_key=("repository", "number"),
        columns=settings.PULL_REQUEST_COLUMNS,
        file_format="parquet",
        selected=all_entities,
    )
    def pull_requests() -> Iterator[Any]:
        run = runs.current()
        state = dlt.current.resource_state().setdefault("last_updated_at", {})
        for repo in repos:
            fetched = run.pull_requests(repo)
            yield from route([*fetched.rows, *fetched.quarantined])
            # A quarantined record is read again next run: the cursor waits for it.
            if not fetched.quarantined:
                _advance(state, repo.repo, fetched.newest_updated_at)

    @dlt.resource(
        write_disposition="merge",
        primary_key="id",
        columns=settings.PULL_REQUEST_REVIEW_COLUMNS,
        file_format="parquet",
        selected=all_entities,
    )
    def pull_request_reviews() -> Iterator[Any]:
        run = runs.current()
        for repo in repos:
            yield from route(run.pull_requests(repo).reviews)

    @dlt.resource(
        write_disposition="merge",
        primary_key=("repository", "pull_request_number", "sha"),
        columns=settings.PULL_REQUEST_COMMIT_COLUMNS,
        file_format="parquet",
        selected=all_entities,
    )
    def pull_request_commits() -> Iterator[Any]:
        run = runs.current()
        for repo in repos:
            yield from route(run.pull_requests(repo).commits)

    @dlt.resource(
        write_disposition="merge",
        primary_key="id",
        columns=settings.CHECK_RUN_COLUMNS,
        file_format="parquet",
        selected=all_entities,
    )
    def check_runs() -> Iterator[Any]:
        run = runs.current()
        state = dlt.current.resource_state().setdefault("complete_shas", {})
        since = (
            datetime.now(UTC) - timedelta(days=check_runs_max_age_days)
            if check_runs_max_age_days is not None
            else None
        )
        wanted: dict[str, list[str]] = {}
        for repo in repos:
            done = set(state.get(repo.repo, []))
            wanted[repo.repo] = [
                sha for sha in run.deployed_production_shas(repo, since) if sha not in done
            ]
        if options.use_graphql:
            # Many shas of many repositories per query; what GraphQL cannot give whole is
            # read through REST.
            read = activity.read_check_runs_graphql(run.graphql, run.client, wanted)
        else:
            read = {
                name: activity.read_check_runs(run.client, name, shas)
                for name, shas in wanted.items()
            }
        for repo in repos:
            fetched = read[repo.repo]
            yield from route(fetched.rows)
            if fetched.complete_shas:
                done = set(state.get(repo.repo, []))
                state[repo.repo] = sorted(done | set(fetched.complete_shas))

    @dlt.resource(
        write_disposition="merge",
        primary_key="id",
        columns=settings.RELEASE_COLUMNS,
        file_format="parquet",
        selected=all_entities,
    )
    def releases() -> Iterator[Any]:
        run = runs.current()
        resource_state = dlt.current.resource_state()
        state = resource_state.setdefault("newest_created_at", {})
        known = resource_state.setdefault("known", {})
        overlap = timedelta(days=settings.RELEASES_OVERLAP_DAYS)
        for repo in repos:
            newest = parse_timestamp(state.get(repo.repo))
            start = newest - overlap if newest else None
            if run.releases_unchanged(repo, start):
                continue
            rows = activity.read_releases(run.client, repo.repo, start)
            yield from route(rows)
            good = activity.good(rows)
            if len(good) == len(rows):
                _advance(state, repo.repo, _newest(good, "created_at"))
                newest = parse_timestamp(state.get(repo.repo))
                window = [r for r in good if newest is None or r["created_at"] >= newest - overlap]
                known[repo.repo] = changes.remember_releases(window)
            else:
                known.pop(repo.repo, None)  # a quarantined release: the next run reads again

    @dlt.resource(
        write_disposition="merge",
        primary_key=("repository", "number"),
        columns=settings.ISSUE_COLUMNS,
        file_format="parquet",
        selected=all_entities,
    )
    def issues() -> Iterator[Any]:
        run = runs.current()
        resource_state = dlt.current.resource_state()
        state = resource_state.setdefault("last_updated_at", {})
        known = resource_state.setdefault("known", {})
        for repo in repos:
            if run.issues_unchanged(repo):
                continue
            newest = parse_timestamp(state.get(repo.repo))
            since = newest - options.issues_overlap if newest else None
            rows, newest_listed = activity.read_issues(
                run.client, repo.repo, since, options.incident_label
            )
            yield from route(rows)
            good = activity.good(rows)
            if len(good) == len(rows):
                _advance(state, repo.repo, newest_listed)
                newest = parse_timestamp(state.get(repo.repo))
                next_since = newest - options.issues_overlap if newest else None
                known[repo.repo] = changes.remember_issues(good, next_since)
            else:
                known.pop(repo.repo, None)  # a quarantined issue: the next run reads again

    @dlt.resource(
        write_disposition="merge",
        primary_key="id",
        columns=settings.WORKFLOW_RUN_COLUMNS,
        file_format="parquet",
        selected=all_entities,
    )
    def workflow_runs() -> Iterator[Any]:
        run = runs.current()
        state = dlt.current.resource_state().setdefault("window", {})
        for repo in repos:
            if not options.deploy_workflow_patterns.get(repo.repo):
                continue
            window = state.setdefault(repo.repo, {})
            checked = run.workflow_runs(repo)
            yield from route(checked)
            rows = activity.good(checked)
            if len(rows) < len(checked):
                continue  # a quarantined run is read again next time: the window waits
            _advance(window, "newest_created_at", _newest(rows, "created_at"))
            unfinished = [r["created_at"] for r in rows if r["status"] != "completed"]
            if unfinished:
                window["oldest_unfinished_at"] = min(unfinished).isoformat()
            else:
                window.pop("oldest_unfinished_at", None)

    # Records that break their table's contract are kept aside, in `quarantine` (`checks`);
    # the ranges are computed, never read, so they have none.
    return (
        *(
            with_quarantine_table(resource)
            for resource in (deployments, deployment_statuses, commits)
        ),
        deployment_ranges,
        deployment_commits,
        *(
            with_quarantine_table(resource)
            for resource in (
                pull_requests,
                pull_request_reviews,
                pull_request_commits,
                check_runs,
                releases,
                issues,
                workflow_runs,
            )
        ),
    )


# --------------------------------------------------------------------------- one extraction


@dataclass(frozen=True)
class _Options:
    api_url: str
    access_token: str | None = field(repr=False)
    per_page: int
    commits_overlap: timedelta
    deployments_overlap: timedelta
    use_graphql: bool = True
    graphql_history: bool = False
    pull_requests_overlap: timedelta = timedelta(hours=settings.PULL_REQUESTS_OVERLAP_HOURS)
    issues_overlap: timedelta = timedelta(hours=settings.ISSUES_OVERLAP_HOURS)
    incident_label: str = settings.DEFAULT_INCIDENT_LABEL
    commits_since: datetime | None = None
    deploy_workflow_patterns: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Deployments:
    rows: list[dict[str, Any]]
    statuses: dict[int, list[dict[str, Any]]]
    newest_created_at: datetime | None
    oldest_unfinished_at: datetime | None
    quarantined: list[QuarantineRow] = field(default_factory=list)
    quarantined_statuses: list[QuarantineRow] = field(default_factory=list)
    # The change-check found the window as the last run left it: `rows` are then the probe's
    # (id, sha, environment, creation) for the ranges and check runs, and nothing is written.
    unchanged: bool = False

    @property
    def has_quarantined(self) -> bool:
        return bool(self.quarantined or self.quarantined_statuses)


@dataclass(frozen=True)
class _Production:
    """A successful production deployment: a GitHub deployment or a deploy-workflow run."""

    source: str  # settings.DEPLOYMENT_SOURCE_DEPLOYMENT | DEPLOYMENT_SOURCE_WORKFLOW_RUN
    id: int
    sha: str | None
    created_at: datetime
    finished_at: datetime

    @property
    def order(self) -> tuple[datetime, str, int]:
        return (self.finished_at, self.source, self.id)


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
    """What one extraction reads from GitHub, shared by the resources so each endpoint is
    asked once. Cursors are read from the resources' state when the run starts; each
    resource writes back only its own state after yielding its rows."""

    def __init__(self, repos: list[Repository], options: _Options) -> None:
        self.repos = repos
        self.options = options
        self.client = GitHubClient(options.api_url, options.access_token, options.per_page)
        source_state = dlt.current.source_state()
        resources = copy.deepcopy(source_state.get("resources", {}))
        commits_state = resources.get("commits", {})
        self.known_heads: dict[str, list[str]] = commits_state.get("heads", {})
        # Written by versions that read commits `since` a date; used once, then replaced.
        self.committed_cursor: dict[str, str] = commits_state.get("last_committed_at", {})
        self.deployment_cursor: dict[str, dict[str, str]] = resources.get("deployments", {}).get(
            "window", {}
        )
        self.previous_production: dict[str, dict[str, Any]] = resources.get(
            "deployment_ranges", {}
        ).get("last_production_deployment", {})
        self.pull_cursor: dict[str, str] = resources.get("pull_requests", {}).get(
            "last_updated_at", {}
        )
        releases_state = resources.get("releases", {})
        self.release_cursor: dict[str, str] = releases_state.get("newest_created_at", {})
        self.release_known: dict[str, dict[str, str]] = releases_state.get("known", {})
        issues_state = resources.get("issues", {})
        self.issue_cursor: dict[str, str] = issues_state.get("last_updated_at", {})
        self.issue_known: dict[str, dict[str, str]] = issues_state.get("known", {})
        self.workflow_window: dict[str, dict[str, str]] = resources.get("workflow_runs", {}).get(
            "window", {}
        )
        self._workflow_runs: dict[str, list[activity.Row]] = {}
        self._graphql: GraphQLClient | None = None
        self._pulls: dict[str, pulls.PullRequests] = {}
        self._probes: dict[str, dict[str, Any]] | None = None
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._quarantined_commits: dict[str, list[QuarantineRow]] = {}
        self._heads: dict[str, str | None] = {}
        self._deployments: dict[str, _Deployments] = {}
        self._ranges: dict[str, _Ranges] = {}

    @property
    def graphql(self) -> GraphQLClient:
        if self._graphql is None:
            self._graphql = GraphQLClient(self.options.api_url, self.options.access_token)
        return self._graphql

    # -- commits

    def history(self, repo: Repository) -> list[dict[str, Any]]:
        """The default branch's commits new since the heads loaded last time (every commit on
        a first load, or those committed since `commits_since`), read from the head until
        every parent chain is closed by commits already loaded (`history.HistoryWalk`)."""
        if repo.repo not in self._history and self.options.graphql_history:
            self._read_histories()
        if repo.repo not in self._history:
            known = self.known_heads.get(repo.repo) or []
            since = self._history_since(repo, bool(known))
            walk = HistoryWalk(known)
            pages = self._rest_history_pages(repo, since)
            read = 0
            for page in pages:
                read += 1
                walk.add(page)
                if walk.closed:
                    break  # the rest of the history is loaded already
            self._history[repo.repo] = walk.rows
            self._quarantined_commits[repo.repo] = walk.quarantined
            self._heads[repo.repo] = walk.head
            logger.info(
                "github: %s: %d commits in %d pages%s%s (rate limit remaining %s)",
                repo.repo,
                len(walk.rows),
                read,
                f", {len(walk.new)} new since the last head" if known else "",
                f" since {since.isoformat()}" if since else "",
                self.client.rate_limit_remaining,
            )
        return self._history[repo.repo]

    def _read_histories(self) -> None:
        """`history` of every repository not read yet, through GraphQL: each query asks the
        next page of up to HISTORY_REPOSITORIES_PER_QUERY repositories whose walk is still
        open, so a later run (one page each, mostly) costs a query per ten repositories."""
        walks: dict[str, HistoryWalk] = {}
        cursors: dict[str, str | None] = {}
        since: dict[str, str | None] = {}
        pages: dict[str, int] = {}
        for repo in self.repos:
            if repo.repo in self._history:
                continue
            known = self.known_heads.get(repo.repo) or []
            start = self._history_since(repo, bool(known))
            walks[repo.repo] = HistoryWalk(known)
            cursors[repo.repo] = None
            since[repo.repo] = start.strftime("%Y-%m-%dT%H:%M:%SZ") if start else None
            pages[repo.repo] = 0
        open_walks = list(walks)

        def take(name: str, branch: Mapping[str, Any]) -> None:
            """One history page of `name` into its walk; closes the walk when done."""
            history = (branch.get("target") or {}).get("history")
            if history is None:  # an empty repository has no default branch yet
                open_walks.remove(name)
                return
            pages[name] += 1
            walks[name].add(
                checked_row(
                    partial(graphql_commit_row, name, node),
                    node,
                    entity="commits",
                    position=f"GraphQL history page {pages[name]} item {index}",
                    columns=settings.COMMIT_CONTRACT,
                )
                for index, node in enumerate(history["nodes"] or [])
            )
            page = history["pageInfo"]
            if walks[name].closed or not page.get("hasNextPage"):
                open_walks.remove(name)  # the rest of the history is loaded already
            else:
                cursors[name] = page["endCursor"]

        # A repository read before: its first page came with the probes.
        by_name = {repo.repo: repo for repo in self.repos}
        for name in list(open_walks):
            if since[name] is None and self.known_heads.get(name):
                first_page = self._probe(by_name[name], "defaultBranchRef")
                if first_page is not None:
                    take(name, first_page)
        batch = settings.HISTORY_REPOSITORIES_PER_QUERY
        while open_walks:
            chunk = open_walks[:batch]
            variables: dict[str, Any] = {"pageSize": settings.HISTORY_PAGE_SIZE}
            for i, name in enumerate(chunk):
                variables[f"owner{i}"], variables[f"name{i}"] = name.split("/", 1)
                variables[f"cursor{i}"] = cursors[name]
                variables[f"since{i}"] = since[name]
            data = self.graphql.query(queries.branch_histories(len(chunk)), variables)
            for i, name in enumerate(chunk):
                take(name, (data.get(f"r{i}") or {}).get("defaultBranchRef") or {})
        for name, walk in walks.items():
            self._history[name] = walk.rows
            self._quarantined_commits[name] = walk.quarantined
            self._heads[name] = walk.head
            logger.info(
                "github: %s: %d commits in %d GraphQL pages%s%s",
                name,
                len(walk.rows),
                pages[name],
                f", {len(walk.new)} new since the last head" if self.known_heads.get(name) else "",
                f" since {since[name]}" if since[name] else "",
            )

    def history_head(self, repo: Repository) -> str | None:
        """The branch head this run read (None for an empty repository)."""
        self.history(repo)
        return self._heads.get(repo.repo)

    def _history_since(self, repo: Repository, has_known_heads: bool) -> datetime | None:
        if has_known_heads:
            return None
        # A state written before the heads were kept: its date cursor, this once.
        cursor = parse_timestamp(self.committed_cursor.get(repo.repo))
        if cursor:
            return cursor - self.options.commits_overlap
        return self.options.commits_since

    def _rest_history_pages(
        self, repo: Repository, since: datetime | None
    ) -> Iterator[list[dict[str, Any] | QuarantineRow]]:
        # Without `sha` GitHub lists the default branch: no request for its name.
        params: dict[str, Any] = {}
        if since is not None:
            params["since"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        path = settings.COMMITS.format(repo=repo.repo)
        for number, page in enumerate(self.client.pages(path, params), 1):
            yield [
                checked_row(
                    partial(commit_row, repo.repo, item),
                    item,
                    entity="commits",
                    position=f"{path} page {number} item {index}",
                    columns=settings.COMMIT_CONTRACT,
                )
                for index, item in enumerate(page)
            ]

    def quarantined_commits(self, repo: Repository) -> list[QuarantineRow]:
        """This run's commits of `repo` that broke the contract (after `history`)."""
        self.history(repo)
        return self._quarantined_commits.get(repo.repo, [])

    # -- pull requests

    def pull_requests(self, repo: Repository) -> pulls.PullRequests:
        if repo.repo not in self._pulls:
            newest = parse_timestamp(self.pull_cursor.get(repo.repo))
            start = newest - self.options.pull_requests_overlap if newest else None
            if self.options.use_graphql:
                first_page = self._probe(repo, "pullRequests")
                fetched = pulls.read_graphql(
                    self.graphql, self.client, repo.repo, start, first_page=first_page
                )
            else:
                fetched = pulls.read_rest(self.client, repo.repo, start)
            self._pulls[repo.repo] = fetched
        return self._pulls[repo.repo]

    def _probe(self, repo: Repository, connection: str) -> dict[str, Any] | None:
        """The first page of `connection` ("pullRequests" or "deployments") of a repository
        read before, from the probes (asked together once, then handed out once)."""
        if self._probes is None:
            self._probes = self._ask_probes()
        return self._probes.get(repo.repo, {}).pop(connection, None)

    def _peek(self, repo: Repository, connection: str) -> dict[str, Any] | None:
        """The probe's first page of `connection` of a repository, left for `_probe`."""
        if self._probes is None:
            self._probes = self._ask_probes()
        return self._probes.get(repo.repo, {}).get(connection)

    def _issues_since(self, repo: Repository) -> datetime | None:
        newest = parse_timestamp(self.issue_cursor.get(repo.repo))
        return newest - self.options.issues_overlap if newest else None

    def _release_start(self, repo: Repository) -> datetime | None:
        newest = parse_timestamp(self.release_cursor.get(repo.repo))
        return newest - timedelta(days=settings.RELEASES_OVERLAP_DAYS) if newest else None

    def _ask_probes(self) -> dict[str, dict[str, Any]]:
        # Per repository: (name, pull requests?, deployments?, releases?, issues?, history?).
        # The releases and issues are asked only where the last REST read left what it
        # listed to compare with (`changes`); the history's first page where a head was
        # loaded before (a first load reads it `since` a date, by `_read_histories`).
        wanted = [
            (
                repo.repo,
                bool(self.pull_cursor.get(repo.repo)),
                self._window_start(repo) is not None
                or (self.deployment_cursor.get(repo.repo) or {}).get("listed") is not None,
                self.release_known.get(repo.repo) is not None,
                self.issue_known.get(repo.repo) is not None,
                self.options.graphql_history and bool(self.known_heads.get(repo.repo)),
            )
            for repo in self.repos
        ]
        wanted = [item for item in wanted if any(item[1:])]
        found: dict[str, dict[str, Any]] = {}
        batch = settings.PROBE_REPOSITORIES
        for offset in range(0, len(wanted), batch):
            chunk = wanted[offset : offset + batch]
            variables: dict[str, Any] = {}
            if any(item[1] for item in chunk):
                variables.update(
                    pullsPageSize=settings.PULL_REQUEST_PROBE_PAGE_SIZE,
                    reviewsPageSize=settings.PULL_REQUEST_REVIEWS_PAGE_SIZE,
                    commitsPageSize=settings.PULL_REQUEST_COMMITS_PAGE_SIZE,
                )
            if any(item[2] for item in chunk):
                variables["deploymentsPageSize"] = settings.DEPLOYMENT_PROBE_PAGE_SIZE
            if any(item[3] for item in chunk):
                variables["releasesPageSize"] = settings.RELEASE_PROBE_PAGE_SIZE
            if any(item[4] for item in chunk):
                variables["issuesPageSize"] = settings.ISSUE_PROBE_PAGE_SIZE
            if any(item[5] for item in chunk):
                variables["historyPageSize"] = settings.HISTORY_PAGE_SIZE
            by_name = {repo.repo: repo for repo in self.repos}
            for i, item in enumerate(chunk):
                name = item[0]
                variables[f"owner{i}"], variables[f"name{i}"] = name.split("/", 1)
                if item[4]:
                    since = self._issues_since(by_name[name])
                    variables[f"issuesSince{i}"] = activity.utc_text(since) if since else None
            query = queries.repository_probes([item[1:] for item in chunk])
            data = self.graphql.query(query, variables)
            for i, item in enumerate(chunk):
                found[item[0]] = {k: v for k, v in (data.get(f"r{i}") or {}).items() if v}
        return found

    def releases_unchanged(self, repo: Repository, start: datetime | None) -> bool:
        """Whether the probe shows the releases of the window as the last REST read left
        them (then the REST list is not asked)."""
        if not self.options.use_graphql or self.release_known.get(repo.repo) is None:
            return False
        unchanged = changes.releases_unchanged(
            self._peek(repo, "releases"), start, self.release_known.get(repo.repo)
        )
        if unchanged:
            logger.info("github: %s: releases unchanged since the last run", repo.repo)
        return unchanged

    def issues_unchanged(self, repo: Repository) -> bool:
        """Whether the probe shows the issues updated since the cursor as the last REST
        read left them (then the REST list is not asked)."""
        if not self.options.use_graphql or self.issue_known.get(repo.repo) is None:
            return False
        unchanged = changes.issues_unchanged(
            self._peek(repo, "issues"), self.issue_known.get(repo.repo)
        )
        if unchanged:
            logger.info("github: %s: issues unchanged since the last run", repo.repo)
        return unchanged

    # -- deployments

    def deployed_production_shas(
        self, repo: Repository, since: datetime | None = None
    ) -> list[str]:
        """Shas of this run's successful production deployments (created since `since`),
        oldest first, once each."""
        shas: dict[str, None] = {}
        for deployment in sorted(
            self.production_deployments(repo), key=lambda d: (d.created_at, d.source, d.id)
        ):
            if since is not None and deployment.created_at < since:
                continue
            if deployment.sha:
                shas.setdefault(deployment.sha, None)
        return list(shas)

    def production_deployments(self, repo: Repository) -> list[_Production]:
        """This run's successful production deployments of `repo`: GitHub deployments whose
        environment matches the production pattern and whose latest terminal status is
        success, and deploy-workflow runs completed with success whose environment (from the
        workflow name) matches it, finished at their last update."""
        found: list[_Production] = []
        fetched = self.deployments(repo)
        for row in fetched.rows:
            if not repo.is_production(row["environment"]):
                continue
            state, finished_at = final_status(fetched.statuses.get(row["id"], []))
            if state == "success" and finished_at is not None:
                found.append(
                    _Production(
                        settings.DEPLOYMENT_SOURCE_DEPLOYMENT,
                        row["id"],
                        row["sha"],
                        row["created_at"],
                        finished_at,
                    )
                )
        for run in activity.good(self.workflow_runs(repo)):
            if (
                run["status"] == "completed"
                and run["conclusion"] == "success"
                and repo.is_production(run["environment"])
                and run["updated_at"] is not None
                and run["created_at"] is not None
            ):
                found.append(
                    _Production(
                        settings.DEPLOYMENT_SOURCE_WORKFLOW_RUN,
                        run["id"],
                        run["head_sha"],
                        run["created_at"],
                        run["updated_at"],
                    )
                )
        return found

    # -- deploy-workflow runs

    def workflow_runs(self, repo: Repository) -> list[activity.Row]:
        """Runs of the repository's deploy workflow created since its window (every run on a
        first load; none when the repository names no deploy workflow)."""
        if repo.repo not in self._workflow_runs:
            pattern = self.options.deploy_workflow_patterns.get(repo.repo)
            if not pattern:
                self._workflow_runs[repo.repo] = []
            else:
                overlap = timedelta(days=settings.WORKFLOW_RUNS_OVERLAP_DAYS)
                start = _window(self.workflow_window.get(repo.repo) or {}, overlap)
                self._workflow_runs[repo.repo] = activity.read_workflow_runs(
                    self.client, repo.repo, pattern, start
                )
        return self._workflow_runs[repo.repo]

    def quarantined_workflow_runs(self, repo: Repository) -> bool:
        runs = self.workflow_runs(repo)
        return len(activity.good(runs)) < len(runs)

    def deployments(self, repo: Repository) -> _Deployments:
        if repo.repo not in self._deployments:
            # Every repository's list first, so that the statuses of many repositories come
            # in one GraphQL query.
            unchanged = {r.repo for r in self.repos if self._deployments_unchanged(r)}
            listed = {
                r.repo: self._probed_deployments(r)
                if r.repo in unchanged
                else self._list_deployments(r)
                for r in self.repos
            }
            statuses: dict[str, dict[int, list[dict[str, Any]]]] = {}
            if self.options.use_graphql:
                statuses = self._graphql_statuses(listed)
            for r in self.repos:
                rows, quarantined, start = listed[r.repo]
                self._deployments[r.repo] = self._read_deployments(
                    r, rows, quarantined, start, statuses.get(r.repo, {})
                )
                self._deployments[r.repo].unchanged = r.repo in unchanged
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

    def _deployments_unchanged(self, repo: Repository) -> bool:
        """Whether the probe shows the deployments of the window (and so their statuses,
        which move a deployment's `updated_at`) as the last REST read left them."""
        if not self.options.use_graphql:
            return False
        start = self._window_start(repo)
        known = (self.deployment_cursor.get(repo.repo) or {}).get("listed")
        if known is None:
            return False
        unchanged = changes.deployments_unchanged(self._peek(repo, "deployments"), start, known)
        if unchanged:
            logger.info("github: %s: deployments unchanged since the last run", repo.repo)
        return unchanged

    def _probed_deployments(
        self, repo: Repository
    ) -> tuple[list[dict[str, Any]], list[QuarantineRow], datetime | None]:
        """The window's deployments as the probe shows them, for the ranges and check runs
        only (id, sha, environment, creation): none of them changed, none is written."""
        start = self._window_start(repo)
        page = self._peek(repo, "deployments") or {}
        rows = []
        for node in page.get("nodes") or []:
            created = parse_timestamp(node["createdAt"])
            if start is not None and created < start:
                break
            rows.append(
                {
                    "id": node["databaseId"],
                    "repository": repo.repo,
                    "sha": node.get("commitOid"),
                    "environment": node.get("environment"),
                    "created_at": created,
                }
            )
        return rows, [], start

    def _list_deployments(
        self, repo: Repository
    ) -> tuple[list[dict[str, Any]], list[QuarantineRow], datetime | None]:
        """The REST list, newest first, back to the window's start."""
        start = self._window_start(repo)
        rows: list[dict[str, Any]] = []
        quarantined: list[QuarantineRow] = []
        path = settings.DEPLOYMENTS.format(repo=repo.repo)
        for number, page in enumerate(self.client.pages(path), 1):
            checked = [
                checked_row(
                    partial(deployment_row, repo.repo, item),
                    item,
                    entity="deployments",
                    position=f"{path} page {number} item {index}",
                    columns=settings.DEPLOYMENT_CONTRACT,
                )
                for index, item in enumerate(page)
            ]
            quarantined.extend(r for r in checked if isinstance(r, QuarantineRow))
            page_rows = [r for r in checked if isinstance(r, dict)]
            rows.extend(r for r in page_rows if start is None or r["created_at"] >= start)
            # Newest first: once a page reaches behind the window, older pages are known.
            if start is not None and any(r["created_at"] < start for r in page_rows):
                break
        return rows, quarantined, start

    def _read_deployments(
        self,
        repo: Repository,
        rows: list[dict[str, Any]],
        quarantined: list[QuarantineRow],
        start: datetime | None,
        statuses: dict[int, list[dict[str, Any]]],
    ) -> _Deployments:
        """The deployments listed, with their statuses: those GraphQL gave (`statuses`),
        the others through REST."""
        unfinished: list[datetime] = []
        quarantined_statuses: list[QuarantineRow] = []
        for row in rows:
            if row["id"] not in statuses:
                path = settings.DEPLOYMENT_STATUSES.format(repo=repo.repo, deployment_id=row["id"])
                checked = [
                    checked_row(
                        partial(status_row, repo.repo, row["id"], item),
                        item,
                        entity="deployment_statuses",
                        position=f"{path} page {number} item {index}",
                        columns=settings.DEPLOYMENT_STATUS_CONTRACT,
                    )
                    for number, page in enumerate(self.client.pages(path), 1)
                    for index, item in enumerate(page)
                ]
                quarantined_statuses.extend(r for r in checked if isinstance(r, QuarantineRow))
                statuses[row["id"]] = [r for r in checked if isinstance(r, dict)]
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
            quarantined=quarantined,
            quarantined_statuses=quarantined_statuses,
        )

    def _graphql_statuses(
        self, listed: Mapping[str, tuple[list[dict[str, Any]], Any, datetime | None]]
    ) -> dict[str, dict[int, list[dict[str, Any]]]]:
        """Statuses of the deployments listed, per repository: 100 deployments of up to
        DEPLOYMENT_REPOSITORIES_PER_QUERY repositories per query, newest first like REST's
        list. A deployment the query did not reach, one with more statuses than a nested
        page, or a status whose id cannot be read is left out (asked by REST)."""
        by_name = {repo.repo: repo for repo in self.repos}
        found: dict[str, dict[int, list[dict[str, Any]]]] = {name: {} for name in listed}
        cursors: dict[str, str | None] = {}
        pending: list[str] = []
        for name, (rows, _, start) in listed.items():
            if not rows:
                continue
            first_page = self._probe(by_name[name], "deployments")
            if first_page is None:
                cursors[name] = None
                pending.append(name)
            elif self._take_statuses(name, rows, start, first_page, found[name]):
                cursors[name] = first_page["pageInfo"]["endCursor"]
                pending.append(name)
        batch = settings.DEPLOYMENT_REPOSITORIES_PER_QUERY
        while pending:
            chunk = pending[:batch]
            variables: dict[str, Any] = {"pageSize": settings.DEPLOYMENTS_PAGE_SIZE}
            for i, name in enumerate(chunk):
                variables[f"owner{i}"], variables[f"name{i}"] = name.split("/", 1)
                variables[f"cursor{i}"] = cursors[name]
            data = self.graphql.query(queries.deployment_statuses_many(len(chunk)), variables)
            for i, name in enumerate(chunk):
                connection = (data.get(f"r{i}") or {}).get("deployments") or {}
                rows, _, start = listed[name]
                if self._take_statuses(name, rows, start, connection, found[name]):
                    cursors[name] = connection["pageInfo"]["endCursor"]
                else:
                    pending.remove(name)
        return found

    def _take_statuses(
        self,
        repository: str,
        rows: list[dict[str, Any]],
        start: datetime | None,
        connection: Mapping[str, Any],
        found: dict[int, list[dict[str, Any]]],
    ) -> bool:
        """Keep the statuses of one page of deployments in `found`; True while the next page
        is needed."""
        wanted = {row["id"]: row for row in rows}
        for node in connection.get("nodes") or []:
            created = parse_timestamp(node.get("createdAt"))
            if start is not None and created is not None and created < start:
                return False
            row = wanted.get(node.get("databaseId"))
            connection_of_statuses = node.get("statuses") or {}
            if row is None or (connection_of_statuses.get("pageInfo") or {}).get("hasNextPage"):
                continue
            converted = [
                _graphql_status(repository, row, status)
                for status in connection_of_statuses.get("nodes") or []
            ]
            # A status that breaks the contract sends its deployment to REST, whose
            # answer is quarantined with its REST position.
            if all(isinstance(status, dict) for status in converted):
                found[row["id"]] = [s for s in converted if isinstance(s, dict)]
        page = connection.get("pageInfo") or {}
        return bool(page.get("hasNextPage")) and len(found) < len(wanted)

    # -- ranges

    def ranges(self, repo: Repository) -> _Ranges:
        if repo.repo not in self._ranges:
            self._ranges[repo.repo] = self._compute_ranges(repo)
        return self._ranges[repo.repo]

    def _compute_ranges(self, repo: Repository) -> _Ranges:
        finished = sorted(self.production_deployments(repo), key=lambda d: d.order)
        previous = self.previous_production.get(repo.repo)
        if previous:
            # A state written before workflow runs counted names GitHub deployments only.
            previous = {"deployment_source": settings.DEPLOYMENT_SOURCE_DEPLOYMENT, **previous}
            after = (
                parse_timestamp(previous["finished_at"]),
                previous["deployment_source"],
                previous["deployment_id"],
            )
            finished = [item for item in finished if item.order > after]

        result = _Ranges()
        graph = CommitGraph(self.history(repo))
        walker = RangeWalker(graph)
        compared = 0
        for deployment in finished:
            head = deployment.sha
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
                    "deployment_source": deployment.source,
                    "deployment_id": deployment.id,
                    "repository": repo.repo,
                    "head_sha": head,
                    "base_deployment_source": previous["deployment_source"] if previous else None,
                    "base_deployment_id": previous["deployment_id"] if previous else None,
                    "base_sha": previous["sha"] if previous else None,
                    "range_known": shas is not None,
                    "commit_count": len(shas) if shas is not None else None,
                }
            )
            result.commit_rows.extend(
                {
                    "deployment_source": deployment.source,
                    "deployment_id": deployment.id,
                    "repository": repo.repo,
                    "sha": sha,
                }
                for sha in shas or ()
            )
            previous = {
                "deployment_source": deployment.source,
                "deployment_id": deployment.id,
                "sha": head,
                "finished_at": deployment.finished_at.isoformat(),
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


def _graphql_status(
    repository: str, deployment: Mapping[str, Any], node: Mapping[str, Any]
) -> dict[str, Any] | QuarantineRow | None:
    try:
        row = graphql_status_row(repository, deployment["id"], deployment["environment"], node)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # asked by REST, whose answer is checked (and quarantined) there
    if row is None:
        return None
    return checked_row(
        lambda: row,
        node,
        entity="deployment_statuses",
        position="GraphQL",
        columns=settings.DEPLOYMENT_STATUS_CONTRACT,
    )


def _newest(rows: list[dict[str, Any]], column: str) -> datetime | None:
    return max((row[column] for row in rows if row[column] is not None), default=None)


def _advance(state: dict[str, Any], key: str, moment: datetime | None) -> None:
    """Move a timestamp cursor forward (never back)."""
    previous = parse_timestamp(state.get(key))
    if moment is not None and (previous is None or moment > previous):
        state[key] = moment.isoformat()


def _window(window: Mapping[str, Any], overlap: timedelta) -> datetime | None:
    """Where a newest-first re-read starts: the newest known creation minus `overlap`, or the
    oldest record still unfinished at the last run (at most PENDING_DEPLOYMENT_MAX_DAYS)."""
    newest = parse_timestamp(window.get("newest_created_at"))
    if newest is None:
        return None
    start = newest - overlap
    unfinished = parse_timestamp(window.get("oldest_unfinished_at"))
    limit = newest - timedelta(days=settings.PENDING_DEPLOYMENT_MAX_DAYS)
    if unfinished and limit <= unfinished < start:
        start = unfinished
    return start


def _remember_deployment_window(
    state: dict[str, Any], repo: str, fetched: _Deployments, overlap: timedelta
) -> None:
    window = state.setdefault("window", {}).setdefault(repo, {})
    newest = parse_timestamp(window.get("newest_created_at"))
    if fetched.newest_created_at and (newest is None or fetched.newest_created_at > newest):
        window["newest_created_at"] = fetched.newest_created_at.isoformat()
    if fetched.oldest_unfinished_at:
        window["oldest_unfinished_at"] = fetched.oldest_unfinished_at.isoformat()
    else:
        window.pop("oldest_unfinished_at", None)
    # What the next run's window holds, for its change-check (`changes`).
    start = _window(window, overlap)
    window["listed"] = changes.remember_deployments(
        row for row in fetched.rows if start is None or row["created_at"] >= start
    )
