"""Records of the simulated organisation.

Timestamps are integer seconds since the Unix epoch (UTC): the generator makes hundreds of
thousands of records for the larger tiers, and integers keep that lean. `to_datetime` and
`iso` convert at the edges.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DEFAULT_PRODUCTION_PATTERN = "^prod(uction)?$"
TERMINAL_STATES = frozenset({"success", "failure", "error"})


def to_datetime(ts: int) -> datetime:
    """An aware UTC datetime for epoch seconds."""
    return datetime.fromtimestamp(ts, tz=UTC)


def iso(ts: int) -> str:
    """GitHub's timestamp format: `2026-01-02T03:04:05Z`."""
    # time.gmtime formats in a third of datetime's time: the sandbox writes one per field.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


@dataclass(frozen=True, slots=True)
class Person:
    login: str
    name: str
    email: str
    user_id: int
    team_id: str | None  # None for bots and platform accounts
    kind: str = "User"  # GitHub's `type`: "User" or "Bot"


@dataclass(frozen=True, slots=True)
class Team:
    team_id: str
    name: str
    value_stream_id: str
    members: tuple[str, ...]  # logins


@dataclass(frozen=True, slots=True)
class ValueStream:
    value_stream_id: str
    name: str
    timezone: str
    team_ids: tuple[str, ...]
    production_pattern: str = DEFAULT_PRODUCTION_PATTERN


@dataclass(frozen=True, slots=True)
class Repository:
    repo_id: int
    owner: str
    name: str
    value_stream_id: str
    team_id: str
    created_ts: int
    staging_environment: str = "staging"
    production_environment: str = "production"
    language: str = "Python"
    default_branch: str = "main"
    # "deployments": GitHub deployments with statuses; "workflow": a GitHub Actions deploy
    # workflow per environment (runs named `deploy_workflow_name(environment)`) instead.
    deploy_via: str = "deployments"
    incident_issues: bool = False  # incidents are also filed as GitHub issues labelled `incident`

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def deploy_workflow_name(self, environment: str) -> str:
        """The Actions workflow that deploys to `environment` (config pattern: `^Deploy `)."""
        return f"Deploy {environment}"

    def deploy_workflow_path(self, environment: str) -> str:
        return f".github/workflows/deploy-{environment}.yml"


@dataclass(slots=True)
class Commit:
    """A commit. Commits of the default branch carry when they became reachable from it."""

    sha: str
    repository: str
    message: str
    author_login: str
    authored_ts: int
    committer_login: str
    committed_ts: int
    parents: tuple[str, ...]
    # Default-branch bookkeeping (None for commits that never landed, e.g. a squashed PR's own).
    landed_ts: int | None = None
    landed_seq: int | None = None  # order in which commits became reachable from main
    first_parent: bool = False  # on main's first-parent chain (each one was a branch head)
    pull_number: int | None = None


@dataclass(slots=True)
class Review:
    review_id: int
    reviewer_login: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED
    submitted_ts: int
    body: str
    commit_sha: str  # the PR head the review was submitted on


@dataclass(slots=True)
class PullRequest:
    """A pull request. `Organisation.pull_requests` holds merged ones (merged_ts set);
    `Organisation.unmerged_pull_requests` the open and the closed-without-merge ones."""

    number: int
    repository: str
    title: str
    author_login: str
    head_ref: str
    base_sha: str
    merge_method: str  # "merge" | "squash" | "rebase" ("" while open or when closed)
    created_ts: int
    merged_ts: int | None
    merged_by_login: str
    commits: list[Commit]  # the PR's own commits, oldest first
    merge_commit_sha: str  # the commit main pointed at after the merge ("" if unmerged)
    labels: tuple[str, ...] = ()
    reviews: list[Review] = field(default_factory=list)  # by submission time
    work_item_key: str | None = None  # the Jira key in the title or head branch, if any
    closed_ts: int | None = None  # merge time, or when it was closed without merge
    draft: bool = False
    ready_ts: int | None = None  # when a draft was marked ready for review
    body: str = ""
    pull_id: int = 0

    @property
    def head_sha(self) -> str:
        return self.commits[-1].sha

    @property
    def is_hotfix(self) -> bool:
        return "hotfix" in self.labels or self.head_ref.startswith("hotfix/")

    def state_at(self, clock: int) -> str:
        """GitHub's `state` (open/closed) at `clock`."""
        return "closed" if self.closed_ts is not None and self.closed_ts <= clock else "open"

    def updated_at(self, clock: int) -> int:
        """Last change visible at `clock`: creation, a review, readiness, merge or close."""
        latest = self.created_ts
        for review in self.reviews:
            if latest < review.submitted_ts <= clock:
                latest = review.submitted_ts
        for moment in (self.ready_ts, self.closed_ts):
            if moment is not None and latest < moment <= clock:
                latest = moment
        return latest


@dataclass(slots=True)
class Issue:
    """A GitHub issue. Incidents carry the `incident` label and the generator's knowledge of
    their cause: the deployment they name (link_kind "explicit"), the one they follow
    ("window") or none (unrelated)."""

    number: int
    repository: str
    title: str
    body: str
    author_login: str
    labels: tuple[str, ...]
    created_ts: int
    closed_ts: int | None
    closed_by_login: str | None = None
    issue_id: int = 0
    caused_by_deployment_id: int | None = None
    link_kind: str | None = None

    @property
    def is_incident(self) -> bool:
        return "incident" in self.labels

    def updated_at(self, clock: int) -> int:
        if self.closed_ts is not None and self.closed_ts <= clock:
            return self.closed_ts
        return self.created_ts


@dataclass(slots=True)
class Release:
    release_id: int
    repository: str
    tag_name: str
    name: str
    sha: str
    created_ts: int
    published_ts: int
    author_login: str
    body: str
    prerelease: bool = False


@dataclass(slots=True)
class DeploymentStatus:
    status_id: int
    state: str
    created_ts: int
    creator_login: str
    description: str
    log_url_path: str  # appended to the web root, e.g. "acme/x/actions/runs/12"


@dataclass(slots=True)
class Deployment:
    deployment_id: int
    repository: str
    sha: str
    ref: str
    environment: str
    description: str
    creator_login: str
    created_ts: int
    statuses: list[DeploymentStatus]  # oldest first
    kind: str = "release"  # release | retry | rollback | hotfix | preview
    task: str = "deploy"
    production_environment: bool | None = None
    transient_environment: bool | None = None
    original_environment: str = ""

    def visible_id(self, repository: Repository) -> int:
        """The id the tools show for this deployment, which people name it by: GitHub's
        deployment id, or for a repository that deploys through an Actions workflow the
        run's id (its GitHub deployment id exists only in the generator)."""
        if repository.deploy_via == "workflow" and self.statuses:
            return int(self.statuses[0].log_url_path.rsplit("/", 1)[1])
        return self.deployment_id

    def terminal_status(self) -> DeploymentStatus | None:
        """The last success/failure/error status (a later `inactive` does not end a deploy)."""
        for status in reversed(self.statuses):
            if status.state in TERMINAL_STATES:
                return status
        return None

    @property
    def final_state(self) -> str | None:
        terminal = self.terminal_status()
        return terminal.state if terminal else None

    @property
    def finished_ts(self) -> int | None:
        """Creation time of the terminal status, None while the deployment runs."""
        terminal = self.terminal_status()
        return terminal.created_ts if terminal else None

    @property
    def updated_ts(self) -> int:
        return self.statuses[-1].created_ts if self.statuses else self.created_ts

    @property
    def workflow_run_id(self) -> int:
        """The id of the Actions run behind this deployment (its statuses link to the run's
        log): a repository that deploys through a workflow shows this run, not a
        GitHub deployment."""
        return int(self.statuses[0].log_url_path.rsplit("/", 1)[1])


@dataclass(slots=True)
class Organisation:
    login: str
    name: str
    tier: str
    seed: int
    now: datetime
    value_streams: list[ValueStream]
    teams: list[Team]
    people: dict[str, Person]
    repositories: list[Repository]
    # Per repository full name. Commits of the default branch in landing order.
    commits: dict[str, list[Commit]] = field(default_factory=dict)
    deployments: dict[str, list[Deployment]] = field(default_factory=dict)  # by creation
    pull_requests: dict[str, list[PullRequest]] = field(default_factory=dict)  # merged ones
    unmerged_pull_requests: dict[str, list[PullRequest]] = field(default_factory=dict)
    issues: dict[str, list[Issue]] = field(default_factory=dict)
    releases: dict[str, list[Release]] = field(default_factory=dict)
    start_ts: int = 0  # first instant of the simulated history
    # The Jira and PagerDuty sides (`ingestion.sandbox.jira.JiraData`,
    # `ingestion.sandbox.pagerduty.PagerDutyData`), None when those packages are absent.
    jira: Any = None
    pagerduty: Any = None

    @property
    def now_ts(self) -> int:
        return int(self.now.timestamp())

    def repository(self, full_name: str) -> Repository:
        for repo in self.repositories:
            if repo.full_name == full_name:
                return repo
        raise KeyError(full_name)

    def value_stream(self, value_stream_id: str) -> ValueStream:
        for stream in self.value_streams:
            if stream.value_stream_id == value_stream_id:
                return stream
        raise KeyError(value_stream_id)

    def all_deployments(self) -> list[Deployment]:
        return sorted(
            (d for deps in self.deployments.values() for d in deps),
            key=lambda d: d.deployment_id,
        )

    def summary(self) -> dict[str, int]:
        return {
            "value_streams": len(self.value_streams),
            "teams": len(self.teams),
            "engineers": sum(1 for p in self.people.values() if p.team_id is not None),
            "repositories": len(self.repositories),
            "commits": sum(len(c) for c in self.commits.values()),
            "pull_requests": sum(len(p) for p in self.pull_requests.values()),
            "deployments": sum(len(d) for d in self.deployments.values()),
            "reviews": sum(len(p.reviews) for ps in self.pull_requests.values() for p in ps),
            "issues": sum(len(i) for i in self.issues.values()),
            "releases": sum(len(r) for r in self.releases.values()),
        }


def check_runs_for(
    repository: str, sha: str, committed_ts: int, pr_head: bool
) -> list[tuple[str, str, int, int]]:
    """The CI check runs on a commit: (name, conclusion, started_ts, completed_ts).

    Derived from a hash of the sha, so the API and the ground truth agree without storing
    them: pull-request heads fail a check now and then, default-branch heads rarely.
    """
    digest = hashlib.sha256(f"checks:{repository}:{sha}".encode()).digest()
    fail_rate = 0.08 if pr_head else 0.02
    runs = []
    for i, name in enumerate(("build", "test", "lint")):
        started = committed_ts + 30 + digest[i] % 90
        completed = started + 60 + digest[3 + i] * 4
        failed = digest[6 + i] / 256 < (fail_rate if name == "test" else fail_rate / 4)
        runs.append((name, "failure" if failed else "success", started, completed))
    return runs
