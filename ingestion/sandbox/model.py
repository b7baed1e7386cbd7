"""Records of the simulated organisation.

Timestamps are integer seconds since the Unix epoch (UTC): the generator makes hundreds of
thousands of records for the larger tiers, and integers keep that lean. `to_datetime` and
`iso` convert at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

DEFAULT_PRODUCTION_PATTERN = "^prod(uction)?$"
TERMINAL_STATES = frozenset({"success", "failure", "error"})


def to_datetime(ts: int) -> datetime:
    """An aware UTC datetime for epoch seconds."""
    return datetime.fromtimestamp(ts, tz=UTC)


def iso(ts: int) -> str:
    """GitHub's timestamp format: `2026-01-02T03:04:05Z`."""
    return to_datetime(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


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

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


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
class PullRequest:
    number: int
    repository: str
    title: str
    author_login: str
    head_ref: str
    base_sha: str
    merge_method: str  # "merge" | "squash" | "rebase"
    created_ts: int
    merged_ts: int
    merged_by_login: str
    commits: list[Commit]  # the PR's own commits, oldest first
    merge_commit_sha: str  # the commit main pointed at after the merge


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
    kind: str = "release"  # release | retry | rollback | preview
    task: str = "deploy"
    production_environment: bool | None = None
    transient_environment: bool | None = None
    original_environment: str = ""

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
    pull_requests: dict[str, list[PullRequest]] = field(default_factory=dict)

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
        }
