"""Deterministic generator of a simulated software organisation.

Everything comes from `random.Random` instances seeded from the organisation seed (one per
repository and concern, so adding a repository or a kind of record never shifts the history
of the others) and from `now`. Nothing is generated after `now`, except the reviews that
pull requests still open at `now` will receive (a server clock moved past `now` sees them).

Order: people, teams and repositories; the Jira side (`ingestion.sandbox.jira`, when that
package is present) whose work items the pull requests name; per repository the default
branch history with pull requests and reviews, the deployments (with rollbacks, hotfix pull
requests merged into the history after a bad release, incidents filed as GitHub issues),
then unmerged pull requests, plain issues, releases and a few clock-skewed commits; last the
PagerDuty side (`ingestion.sandbox.pagerduty`), which reads the deployments.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.sandbox.model import (
    Commit,
    Deployment,
    DeploymentStatus,
    Issue,
    Organisation,
    Person,
    PullRequest,
    Release,
    Repository,
    Review,
    Team,
    ValueStream,
)


def _optional(module: str, name: str) -> Any:
    """A function of the Jira / PagerDuty packages, or None while they are absent."""
    import importlib

    try:
        found = importlib.import_module(module)
    except ImportError as exc:
        if not (exc.name or "").startswith(module):
            raise
        return None
    return getattr(found, name, None)  # None while the package is still being written


DAY = 86_400
HOUR = 3_600
ORG_LOGIN = "acme"
ORG_NAME = "Acme"
EMAIL_DOMAIN = "acme.example"
DEPLOY_BOT = "github-actions[bot]"
DEPENDENCY_BOT = "dependabot[bot]"
REVIEW_BOT = "copilot-pull-request-reviewer[bot]"
WEB_FLOW = "web-flow"
REVIEW_BOT_ACCOUNT = Person(
    REVIEW_BOT, "Copilot", "175728472+Copilot@users.noreply.github.com", 175728472, None, "Bot"
)
PLATFORM_ACCOUNTS = {
    DEPLOY_BOT: Person(
        DEPLOY_BOT,
        "github-actions[bot]",
        "41898282+github-actions[bot]@users.noreply.github.com",
        41898282,
        None,
        "Bot",
    ),
    DEPENDENCY_BOT: Person(
        DEPENDENCY_BOT,
        "dependabot[bot]",
        "49699333+dependabot[bot]@users.noreply.github.com",
        49699333,
        None,
        "Bot",
    ),
    WEB_FLOW: Person(WEB_FLOW, "GitHub", "noreply@github.com", 19864447, None, "User"),
}


# ---------------------------------------------------------------------------------------
# Shapes


@dataclass(frozen=True)
class RepoSpec:
    name: str
    # Production release triggers per weekday at the start and at the end of the history.
    cadence: tuple[float, float]
    language: str = "Python"
    staging: str = "staging"
    production: str = "production"
    deploy_via: str = "deployments"  # or "workflow": GitHub Actions runs instead of deployments
    incident_issues: bool = False  # incidents also filed as GitHub issues labelled `incident`
    releases: bool = False  # publishes GitHub releases for some production deployments


@dataclass(frozen=True)
class TeamSpec:
    team_id: str
    name: str
    engineers: int
    repos: tuple[RepoSpec, ...]


@dataclass(frozen=True)
class StreamSpec:
    value_stream_id: str
    name: str
    timezone: str
    teams: tuple[TeamSpec, ...]


@dataclass(frozen=True)
class TierShape:
    value_streams: int
    engineers: int
    history_days: int
    teams_per_stream: tuple[int, int]
    repos_per_team: tuple[int, int]
    # Shares of generated repositories that deploy through an Actions workflow, file incidents
    # as GitHub issues and publish releases (the small tier names its repositories instead).
    workflow_deploy_share: float = 0.0
    incident_issue_share: float = 0.0
    release_share: float = 0.0


TIERS: dict[str, TierShape] = {
    "small": TierShape(
        value_streams=2,
        engineers=30,
        history_days=365,
        teams_per_stream=(2, 2),
        repos_per_team=(1, 2),
    ),
    "medium": TierShape(
        value_streams=6,
        engineers=150,
        history_days=730,
        teams_per_stream=(2, 3),
        repos_per_team=(1, 3),
        workflow_deploy_share=0.2,
        incident_issue_share=0.2,
        release_share=0.4,
    ),
    "large": TierShape(
        value_streams=20,
        engineers=1000,
        history_days=730,
        teams_per_stream=(4, 6),
        repos_per_team=(1, 3),
        workflow_deploy_share=0.2,
        incident_issue_share=0.15,
        release_share=0.3,
    ),
}

# The `small` tier is the organisation described in valuestream.yml at the repository root.
SMALL_ORGANISATION: tuple[StreamSpec, ...] = (
    StreamSpec("payments", "Payments", "UTC", (
        TeamSpec("checkout", "Checkout", 8, (
            RepoSpec("payments-api", (2.5, 2.5), "Go"),
            RepoSpec("checkout-web", (1.2, 1.2), "TypeScript", incident_issues=True,
                     releases=True),
        )),
        TeamSpec("billing", "Billing", 7, (
            RepoSpec("billing-service", (0.5, 0.5), "Java", releases=True),
        )),
    )),
    StreamSpec("storefront", "Storefront", "Europe/Berlin", (
        TeamSpec("catalog", "Catalog", 8, (
            # The catalog team moves from weekly releases to daily ones over the year.
            RepoSpec("catalog-api", (0.2, 2.0), "Python"),
            RepoSpec("storefront-web", (0.2, 1.5), "TypeScript"),
        )),
        TeamSpec("search", "Search", 7, (
            RepoSpec("search-service", (0.2, 0.2), "Kotlin", staging="stage", production="prod",
                     incident_issues=True, releases=True),
        )),
    )),
)  # fmt: skip

PULL_REQUESTS_PER_ENGINEER_WEEKDAY = 0.45
MERGE_METHODS = (
    ("merge", 0.45),
    ("squash", 0.30),
    ("rebase", 0.10),
    ("direct", 0.08),
    ("dependency", 0.07),
)
STAGING_FAILURE = 0.04
PRODUCTION_FAILURE = 0.07
PRODUCTION_ERROR = 0.02
ROLLBACK = 0.03
PREVIEW = 0.03
HOTFIX = 0.04  # a production deployment turns out bad and a hotfix PR follows within hours
INCIDENT_ISSUE = 0.05  # ... or an incident is filed as a GitHub issue (flagged repositories)
UNRELATED_INCIDENTS_PER_WEEK = 0.15
ISSUES_PER_WEEKDAY = 0.12  # plain bug / enhancement issues per repository
CLOCK_SKEW = 0.01  # share of squash/rebase PRs with one commit authored on a wrong clock
CLOSED_UNMERGED = 0.04  # PRs closed without merge, relative to the merged rate
OPEN_WINDOW_DAYS = 5  # PRs started in these last days are still open at now
RELEASE_SHARE = 0.3  # production releases that get a GitHub release (flagged repositories)
WORK_ITEM_LINK = 0.9  # human PRs naming a work item key (title or branch)

_STREAM_WORDS = (
    "payments", "storefront", "logistics", "identity", "analytics", "mobile", "marketing",
    "fulfilment", "pricing", "risk", "messaging", "platform", "partners", "loyalty",
    "onboarding", "reporting", "support", "inventory", "media", "travel", "insurance",
)  # fmt: skip
_TEAM_WORDS = (
    "checkout", "billing", "catalog", "search", "ledger", "fraud", "routing", "carriers",
    "accounts", "sessions", "insights", "ios", "android", "campaigns", "warehouse", "quotes",
    "limits", "inbox", "notifications", "infra", "observability", "affiliates", "rewards",
    "signup", "exports", "helpdesk", "stock", "video", "bookings", "claims", "tax", "refunds",
    "cart", "reviews", "ranking", "profiles", "consent", "pipelines", "edge", "gateway",
)  # fmt: skip
_REPO_SUFFIXES = ("api", "web", "service", "worker", "jobs")
_LANGUAGES = ("Python", "Go", "TypeScript", "Java", "Kotlin", "Ruby")
_TIMEZONES = (
    "UTC", "Europe/Berlin", "America/New_York", "Europe/London", "Asia/Kolkata",
    "America/Los_Angeles", "Australia/Sydney",
)  # fmt: skip
# Production release triggers per weekday (start, end): elite, high, medium, low, improving.
_CADENCES = ((3.0, 3.0), (1.0, 1.2), (0.3, 0.3), (0.2, 0.2), (0.05, 0.1), (0.2, 2.0))
_CADENCE_WEIGHTS = (2, 3, 3, 2, 1, 1)
_FIRST = (
    "Ada", "Grace", "Alan", "Barbara", "Dennis", "Edsger", "Frances", "Guido", "Hedy", "Ivan",
    "Jean", "Ken", "Linus", "Margaret", "Niklaus", "Ole", "Radia", "Sophie", "Tim", "Yukihiro",
    "Annie", "Bjarne", "Carol", "Donald", "Elena", "Fatima", "Gustav", "Hannah", "Ines", "Jonas",
    "Kavya", "Lars", "Mina", "Noor", "Oscar", "Priya", "Quentin", "Rosa", "Sven", "Tariq",
)  # fmt: skip
_LAST = (
    "Lovelace", "Hopper", "Turing", "Liskov", "Ritchie", "Dijkstra", "Allen", "Rossum",
    "Lamarr", "Sutherland", "Sammet", "Thompson", "Torvalds", "Hamilton", "Wirth", "Dahl",
    "Perlman", "Wilson", "Lee", "Matsumoto", "Easley", "Stroustrup", "Shaw", "Knuth", "Petrova",
    "Haddad", "Berg", "Schmidt", "Costa", "Weber", "Rao", "Nilsson", "Park", "Khan", "Silva",
    "Iyer", "Dubois", "Moreno", "Lund", "Aziz",
)  # fmt: skip
_VERBS = (
    "Add",
    "Fix",
    "Update",
    "Refactor",
    "Remove",
    "Improve",
    "Handle",
    "Rename",
    "Extract",
    "Test",
)
_NOUNS = (
    "retry logic", "input validation", "pagination", "error handling", "logging", "caching",
    "feature flag", "metrics", "timeout", "currency rounding", "config loading", "search index",
    "rate limiter", "session expiry", "webhook handler", "price rules", "translations",
    "health check", "database migration", "API client",
)  # fmt: skip
_LIBRARIES = (
    "requests",
    "lodash",
    "jackson-databind",
    "golang.org/x/net",
    "react",
    "pydantic",
    "okhttp",
)


# ---------------------------------------------------------------------------------------
# Public entry point


def default_now() -> datetime:
    """Midnight UTC of today."""
    today = datetime.now(UTC).date()
    return datetime(today.year, today.month, today.day, tzinfo=UTC)


def generate_organisation(
    tier: str = "small", seed: int = 7, now: datetime | None = None
) -> Organisation:
    """Build the organisation of `tier`, deterministic in (tier, seed, now)."""
    if tier not in TIERS:
        raise ValueError(f"unknown sandbox tier {tier!r}; expected one of {sorted(TIERS)}")
    if now is None:
        now = default_now()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    shape = TIERS[tier]
    specs = SMALL_ORGANISATION if tier == "small" else _generated_specs(shape, seed)
    end_ts = int(now.timestamp())
    start_ts = end_ts - shape.history_days * DAY

    people: dict[str, Person] = dict(PLATFORM_ACCOUNTS)
    streams: list[ValueStream] = []
    teams: list[Team] = []
    repos: list[tuple[Repository, TeamSpec, RepoSpec]] = []
    name_rng = random.Random(f"{seed}:people")
    repo_id = 100_000
    for stream_spec in specs:
        for team_spec in stream_spec.teams:
            members = tuple(
                _new_person(people, name_rng, team_spec.team_id) for _ in range(team_spec.engineers)
            )
            teams.append(
                Team(team_spec.team_id, team_spec.name, stream_spec.value_stream_id, members)
            )
            for repo_spec in team_spec.repos:
                repo_id += 1
                repos.append(
                    (
                        Repository(
                            repo_id=repo_id,
                            owner=ORG_LOGIN,
                            name=repo_spec.name,
                            value_stream_id=stream_spec.value_stream_id,
                            team_id=team_spec.team_id,
                            created_ts=start_ts - 30 * DAY,
                            staging_environment=repo_spec.staging,
                            production_environment=repo_spec.production,
                            language=repo_spec.language,
                            deploy_via=repo_spec.deploy_via,
                            incident_issues=repo_spec.incident_issues,
                        ),
                        team_spec,
                        repo_spec,
                    )
                )
        streams.append(
            ValueStream(
                stream_spec.value_stream_id,
                stream_spec.name,
                stream_spec.timezone,
                tuple(t.team_id for t in stream_spec.teams),
            )
        )

    people[REVIEW_BOT] = REVIEW_BOT_ACCOUNT
    org = Organisation(
        login=ORG_LOGIN,
        name=ORG_NAME,
        tier=tier,
        seed=seed,
        now=now,
        value_streams=streams,
        teams=teams,
        people=people,
        repositories=[r for r, _, _ in repos],
        start_ts=start_ts,
    )
    generate_jira = _optional("ingestion.sandbox.jira", "generate_jira")
    if generate_jira is not None:
        org.jira = generate_jira(org, seed)
    work_items = _work_items_by_team(org.jira)
    team_members = {t.team_id: t.members for t in teams}
    stream_tz = {s.value_stream_id: s.timezone for s in streams}
    links: list[tuple[Issue, Deployment]] = []
    for repo, team_spec, repo_spec in repos:
        builder = _RepoBuilder(
            seed=seed,
            repo=repo,
            members=team_members[team_spec.team_id],
            start_ts=start_ts,
            end_ts=end_ts,
            utc_offset_hours=_utc_offset_hours(stream_tz[repo.value_stream_id], now),
            work_items=work_items.get(team_spec.team_id, ([], [])),
        )
        pr_rate = team_spec.engineers * PULL_REQUESTS_PER_ENGINEER_WEEKDAY / len(team_spec.repos)
        builder.build_history(pr_rate)
        builder.build_deployments(repo_spec.cadence)
        builder.build_aftermath(pr_rate, repo_spec.releases)
        org.commits[repo.full_name] = builder.commits
        org.pull_requests[repo.full_name] = builder.pull_requests
        org.unmerged_pull_requests[repo.full_name] = builder.unmerged
        org.deployments[repo.full_name] = builder.deployments
        org.issues[repo.full_name] = builder.issues
        org.releases[repo.full_name] = builder.releases
        links.extend(builder.incident_links)
    _assign_deployment_ids(org)
    repositories = {r.full_name: r for r in org.repositories}
    for issue, deployment in links:
        issue.caused_by_deployment_id = deployment.deployment_id
        named = deployment.visible_id(repositories[deployment.repository])
        issue.body = issue.body.replace("{deployment_id}", str(named))
    _assign_record_ids(org)
    generate_pagerduty = _optional("ingestion.sandbox.pagerduty", "generate_pagerduty")
    if generate_pagerduty is not None:
        org.pagerduty = generate_pagerduty(org, seed)
    return org


WorkItemIndex = tuple[list[int], list[tuple[int, int | None, str, str]]]


def _work_items_by_team(jira: Any) -> dict[str, WorkItemIndex]:
    """Per team: work items that were ever in progress, sorted by start, for PR linking."""
    rows: dict[str, list[tuple[int, int | None, str, str]]] = {}
    if jira is None:
        return {}
    for item in jira.issues:
        started = getattr(item, "in_progress_ts", None)
        kind = str(getattr(item, "issue_type", "")).lower()
        if started is None or kind in ("epic", "sub-task", "subtask"):
            continue
        rows.setdefault(item.team_id, []).append((started, item.resolved_ts, item.key, kind))
    index: dict[str, WorkItemIndex] = {}
    for team_id, items in rows.items():
        items.sort(key=lambda r: (r[0], r[2]))
        index[team_id] = ([r[0] for r in items], items)
    return index


# ---------------------------------------------------------------------------------------
# Organisation shape for the generated tiers


def _generated_specs(shape: TierShape, seed: int) -> tuple[StreamSpec, ...]:
    rng = random.Random(f"{seed}:shape")
    extras = random.Random(f"{seed}:shape-extras")  # own stream: the shape above stays put
    team_counts = [rng.randint(*shape.teams_per_stream) for _ in range(shape.value_streams)]
    n_teams = sum(team_counts)
    base, extra = divmod(shape.engineers, n_teams)
    team_sizes = [base + (1 if i < extra else 0) for i in range(n_teams)]
    team_words = _unique_names(_TEAM_WORDS, n_teams)
    stream_words = _unique_names(_STREAM_WORDS, shape.value_streams)
    streams: list[StreamSpec] = []
    t = 0
    for s, count in enumerate(team_counts):
        teams: list[TeamSpec] = []
        for _ in range(count):
            team_id = team_words[t]
            cadence = rng.choices(_CADENCES, weights=_CADENCE_WEIGHTS)[0]
            repo_specs = []
            for r in range(rng.randint(*shape.repos_per_team)):
                renamed = rng.random() < 0.1
                repo_specs.append(
                    RepoSpec(
                        name=f"{team_id}-{_REPO_SUFFIXES[r]}",
                        cadence=(cadence[0] * rng.uniform(0.7, 1.3), cadence[1]),
                        language=rng.choice(_LANGUAGES),
                        staging="stage" if renamed else "staging",
                        production="prod" if renamed else "production",
                        deploy_via=(
                            "workflow"
                            if extras.random() < shape.workflow_deploy_share
                            else "deployments"
                        ),
                        incident_issues=extras.random() < shape.incident_issue_share,
                        releases=extras.random() < shape.release_share,
                    )
                )
            teams.append(TeamSpec(team_id, team_id.title(), team_sizes[t], tuple(repo_specs)))
            t += 1
        word = stream_words[s]
        streams.append(
            StreamSpec(word, word.title(), _TIMEZONES[s % len(_TIMEZONES)], tuple(teams))
        )
    return tuple(streams)


def _unique_names(words: tuple[str, ...], count: int) -> list[str]:
    return [
        words[i % len(words)] + ("" if i < len(words) else f"-{i // len(words) + 1}")
        for i in range(count)
    ]


def _new_person(people: dict[str, Person], rng: random.Random, team_id: str) -> str:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    login = f"{first[0]}{last}".lower()
    n = 1
    while login in people:
        n += 1
        login = f"{first[0]}{last}{n}".lower()
    people[login] = Person(
        login=login,
        name=f"{first} {last}",
        email=f"{login}@{EMAIL_DOMAIN}",
        user_id=5_000_000 + len(people),
        team_id=team_id,
    )
    return login


def _utc_offset_hours(timezone: str, now: datetime) -> int:
    offset = now.astimezone(ZoneInfo(timezone)).utcoffset() or timedelta(0)
    return round(offset.total_seconds() / HOUR)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


# ---------------------------------------------------------------------------------------
# One repository: default-branch history, pull requests and deployments


class _RepoBuilder:
    def __init__(
        self,
        seed: int,
        repo: Repository,
        members: tuple[str, ...],
        start_ts: int,
        end_ts: int,
        utc_offset_hours: int,
        work_items: WorkItemIndex = ([], []),
    ) -> None:
        self.seed = seed
        self.repo = repo
        self.full_name = repo.full_name
        self.members = members
        self.start_ts = start_ts
        self.end_ts = end_ts
        self.offset = utc_offset_hours
        self.rng = random.Random(f"{seed}:{repo.full_name}")
        # Separate streams for what came later, so the history and deployments stay put.
        self.link_rng = random.Random(f"{seed}:{repo.full_name}:links")
        self.review_rng = random.Random(f"{seed}:{repo.full_name}:reviews")
        self.fix_rng = random.Random(f"{seed}:{repo.full_name}:fixes")
        self.extra_rng = random.Random(f"{seed}:{repo.full_name}:extra")
        self.work_item_starts, self.work_items = work_items
        self.commits: list[Commit] = []
        self.pull_requests: list[PullRequest] = []
        self.unmerged: list[PullRequest] = []
        self.deployments: list[Deployment] = []
        self.issues: list[Issue] = []
        self.releases: list[Release] = []
        self.incident_links: list[tuple[Issue, Deployment]] = []  # ids are known only later
        self._heads_ts: list[int] = []
        self._heads_sha: list[str] = []
        self._sha_counters: dict[str, int] = {}
        self._run_counter = 0

    # -- helpers --------------------------------------------------------------------------

    def _sha(self, namespace: str = "") -> str:
        n = self._sha_counters[namespace] = self._sha_counters.get(namespace, 0) + 1
        key = f"{self.seed}/{self.full_name}/{namespace}{n}".encode()
        return hashlib.sha1(key).hexdigest()

    def _head_at(self, ts: int) -> str:
        i = bisect_right(self._heads_ts, ts) - 1
        return self._heads_sha[max(i, 0)]

    def _land(self, commit: Commit, ts: int, first_parent: bool) -> None:
        commit.landed_ts = ts
        commit.landed_seq = len(self.commits)
        commit.first_parent = first_parent
        self.commits.append(commit)
        if first_parent:
            self._heads_ts.append(ts)
            self._heads_sha.append(commit.sha)

    def _insert_head(self, commit: Commit, ts: int) -> None:
        """Land one first-parent commit at ts after later history was already built: the
        next first-parent commit is re-parented onto it and landing order renumbered."""
        previous = self._head_at(ts)
        position = bisect_right([c.landed_ts or 0 for c in self.commits], ts)
        commit.parents = (previous,)
        commit.landed_ts = ts
        commit.first_parent = True
        self.commits.insert(position, commit)
        for later in self.commits[position + 1 :]:
            if later.first_parent:
                if later.parents and later.parents[0] == previous:
                    later.parents = (commit.sha, *later.parents[1:])
                break
        for seq in range(position, len(self.commits)):
            self.commits[seq].landed_seq = seq
        at = bisect_right(self._heads_ts, ts)
        self._heads_ts.insert(at, ts)
        self._heads_sha.insert(at, commit.sha)

    def _working_time(self, day_ts: int, rng: random.Random | None = None) -> int:
        """A time during local working hours (08:00-18:00) of the day starting at day_ts."""
        rng = rng or self.rng
        return day_ts + (8 - self.offset) * HOUR + int(rng.random() * 10 * HOUR)

    def _weekdays(self, first_ts: int) -> list[tuple[int, bool]]:
        """(midnight UTC, is weekday) for each day from first_ts's day to the end."""
        day = first_ts - first_ts % DAY
        days = []
        while day <= self.end_ts:
            days.append((day, datetime.fromtimestamp(day, UTC).weekday() < 5))
            day += DAY
        return days

    def _message(self, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        return f"{rng.choice(_VERBS)} {rng.choice(_NOUNS)}"

    def _work_item(self, at: int) -> tuple[str, str] | None:
        """(key, issue type) of a work item of the team in progress at `at`, if any."""
        rng = self.link_rng
        if not self.work_items or rng.random() >= WORK_ITEM_LINK:
            return None
        i = bisect_right(self.work_item_starts, at)
        found = [
            item
            for item in self.work_items[max(i - 60, 0) : i]
            if item[1] is None or item[1] >= at - DAY
        ]
        if not found and i > 0 and at - self.work_items[i - 1][0] < 30 * DAY:
            found = [self.work_items[i - 1]]
        if not found:
            return None
        _, _, key, kind = rng.choice(found)
        return key, kind

    def _link(
        self, title: str, head_ref: str, slug: str, author: str, at: int
    ) -> tuple[str, str, str | None, tuple[str, ...]]:
        """Put a work item key in the title or the branch name (or leave the PR unlinked)."""
        item = self._work_item(at)
        if item is None:
            return title, head_ref, None, ()
        key, kind = item
        labels: tuple[str, ...] = ("bug",) if kind in ("bug", "defect") else ()
        style = self.link_rng.random()
        if style < 0.45:
            return f"{key} {title}", head_ref, key, labels
        if style < 0.6:
            return f"[{key}] {title}", head_ref, key, labels
        return title, f"{author}/{key}-{slug}", key, labels

    # -- history --------------------------------------------------------------------------

    def build_history(self, pr_rate: float) -> None:
        rng = self.rng
        created = self.repo.created_ts
        first = self.members[0]
        self._land(
            Commit(
                self._sha(), self.full_name, "Initial commit", first, created, first, created, ()
            ),
            created,
            True,
        )
        events: list[int] = []
        for day, weekday in self._weekdays(self.start_ts):
            for _ in range(_poisson(rng, pr_rate if weekday else pr_rate * 0.04)):
                events.append(self._working_time(day))
        events.sort()
        methods = [m for m, _ in MERGE_METHODS]
        weights = [w for _, w in MERGE_METHODS]
        for t in events:
            if t > self.end_ts:
                break
            method = rng.choices(methods, weights)[0]
            if method == "direct":
                self._direct_push(t)
            elif method == "dependency":
                self._pull_request(t, DEPENDENCY_BOT, rng.choice(("squash", "merge")))
            else:
                self._pull_request(t, rng.choice(self.members), method)

    def _direct_push(self, t: int) -> None:
        rng = self.rng
        author = rng.choice(self.members)
        n = rng.randint(1, 2)
        authored = sorted(t - rng.randint(60, 1800) for _ in range(n))
        parent = self._heads_sha[-1]
        for i, ts in enumerate(authored):
            commit = Commit(
                self._sha(), self.full_name, self._message(), author, ts, author, ts, (parent,)
            )
            self._land(commit, t, True)
            parent = commit.sha
            if i < n - 1:  # one push moves the head once; only the last commit is a head
                self._heads_ts.pop()
                self._heads_sha.pop()

    def _pull_request(self, t: int, author: str, method: str) -> None:
        rng = self.rng
        number = len(self.pull_requests) + 1
        bot = author == DEPENDENCY_BOT
        key: str | None = None
        labels: tuple[str, ...]
        if bot:
            lib = rng.choice(_LIBRARIES)
            major, minor = rng.randint(1, 9), rng.randint(0, 30)
            title = f"Bump {lib} from {major}.{minor}.0 to {major}.{minor}.1"
            head_ref = f"dependabot/{lib.replace('/', '-')}-{major}.{minor}.1"
            labels = ("dependencies",)
            n = 1
        else:
            title = self._message()
            slug = f"{title.lower().replace(' ', '-')}-{number}"
            head_ref = f"{author}/{slug}"
            labels = ()
            n = rng.randint(1, 5)
        started = max(t - rng.randint(2 * HOUR, 72 * HOUR), self.repo.created_ts + 60)
        if not bot:
            title, head_ref, key, labels = self._link(title, head_ref, slug, author, started)
        base = self._head_at(started)
        authored = sorted(rng.randint(started, t - 600) for _ in range(n))
        own: list[Commit] = []
        parent = base
        for i, ts in enumerate(authored):
            message = title if bot or i == 0 else self._message()
            commit = Commit(
                self._sha(),
                self.full_name,
                message,
                author,
                ts,
                author,
                ts,
                (parent,),
                pull_number=number,
            )
            own.append(commit)
            parent = commit.sha
        merger = author if bot is False and rng.random() < 0.7 else rng.choice(self.members)
        if method == "merge":
            for commit in own:
                self._land(commit, t, False)
            merge = Commit(
                self._sha(),
                self.full_name,
                f"Merge pull request #{number} from {ORG_LOGIN}/{head_ref}\n\n{title}",
                merger,
                t,
                WEB_FLOW,
                t,
                (self._heads_sha[-1], own[-1].sha),
                pull_number=number,
            )
            self._land(merge, t, True)
            head = merge.sha
        elif method == "squash":
            body = "\n".join(f"* {c.message}" for c in own)
            squash = Commit(
                self._sha(), self.full_name, f"{title} (#{number})\n\n{body}", author, t,
                WEB_FLOW, t, (self._heads_sha[-1],), pull_number=number,
            )  # fmt: skip
            self._land(squash, t, True)
            head = squash.sha
        else:  # rebase: the PR's commits replayed on main, committed by GitHub at merge time
            parent = self._heads_sha[-1]
            for i, original in enumerate(own):
                replayed = Commit(
                    self._sha(), self.full_name, original.message, author, original.authored_ts,
                    WEB_FLOW, t, (parent,), pull_number=number,
                )  # fmt: skip
                self._land(replayed, t, True)
                if i < len(own) - 1:
                    self._heads_ts.pop()
                    self._heads_sha.pop()
                parent = replayed.sha
            head = parent
        pr = PullRequest(
            number=number,
            repository=self.full_name,
            title=title,
            author_login=author,
            head_ref=head_ref,
            base_sha=base,
            merge_method=method,
            created_ts=min(authored[-1] + 300, t - 60),
            merged_ts=t,
            merged_by_login=merger,
            commits=own,
            merge_commit_sha=head,
            labels=labels,
            work_item_key=key,
            closed_ts=t,
            body=f"Closes {key}" if key else "",
        )
        pr.reviews = self._reviews(pr, t)
        self.pull_requests.append(pr)
        if method != "rebase" and rng.random() < PREVIEW:
            at = authored[-1] + rng.randint(60, 500)
            if at <= self.end_ts:
                self._deploy(at, own[-1].sha, head_ref, f"preview-{number}", "preview", True)

    def _reviews(self, pr: PullRequest, until: int | None) -> list[Review]:
        """Reviews between opening and `until` (the merge; None: open, some after now).

        Pickup is heavy-tailed; some PRs get changes requested first, some only comments,
        and a few are merged without any approval. A review bot comments on some.
        """
        rng = self.review_rng
        opened = pr.ready_ts or pr.created_ts
        end = until if until is not None else opened + rng.randint(2 * HOUR, 4 * DAY)
        span = max(end - opened, 120)
        head = pr.commits[-1].sha
        reviewers = [m for m in self.members if m != pr.author_login] or list(self.members)
        reviews: list[Review] = []

        def add(login: str, state: str, fraction: float, body: str = "") -> None:
            at = opened + max(int(span * min(fraction, 0.97)), 30)
            if at < end:
                reviews.append(Review(0, login, state, at, body, head))

        if rng.random() < 0.25:
            add(REVIEW_BOT, "COMMENTED", rng.uniform(0.0, 0.05), "Automated review summary.")
        first = min(rng.expovariate(3.0), 0.9)
        kind = rng.random()
        reviewer = rng.choice(reviewers)
        if kind < 0.07:  # merged without approval
            if rng.random() < 0.5:
                add(reviewer, "COMMENTED", first, "A few questions inline.")
        elif kind < 0.22:
            add(reviewer, "CHANGES_REQUESTED", first, "Please add a test for this.")
            add(reviewer, "APPROVED", first + rng.uniform(0.05, 1 - first))
        elif kind < 0.32:
            add(rng.choice(reviewers), "COMMENTED", first, "Looks reasonable, one nit.")
            add(reviewer, "APPROVED", first + rng.uniform(0.02, 1 - first))
        else:
            add(reviewer, "APPROVED", first)
            if rng.random() < 0.15:
                add(rng.choice(reviewers), "APPROVED", first + rng.uniform(0.0, 1 - first))
        reviews.sort(key=lambda r: (r.submitted_ts, r.reviewer_login))
        return reviews

    # -- deployments ----------------------------------------------------------------------

    def _deploy(
        self,
        t: int,
        sha: str,
        ref: str,
        environment: str,
        kind: str,
        outcome: bool | str,
        creator: str = DEPLOY_BOT,
        rng: random.Random | None = None,
    ) -> Deployment:
        """One deployment attempt; outcome True/"success", "failure" or "error"."""
        rng = rng or self.rng
        state = "success" if outcome is True else str(outcome)
        production = environment == self.repo.production_environment
        transient = kind == "preview"
        self._run_counter += 1
        log = f"{self.full_name}/actions/runs/{self.repo.repo_id * 100_000 + self._run_counter}"
        started = t + rng.randint(5, 90)
        finished = started + rng.randint(180, 1200 if production else 600)
        description = {
            "release": f"Deploy {sha[:7]} to {environment}",
            "retry": f"Retry deploy of {sha[:7]} to {environment}",
            "rollback": f"Rollback to {sha[:7]}",
            "hotfix": f"Hotfix deploy of {sha[:7]} to {environment}",
            "preview": f"Preview of {ref}",
        }[kind]
        texts = {
            "success": "Deployment finished successfully.",
            "failure": "Deployment failed.",
            "error": "Deployment could not run.",
        }
        statuses = [
            DeploymentStatus(0, "queued", t, DEPLOY_BOT, "", log),
            DeploymentStatus(0, "in_progress", started, DEPLOY_BOT, "", log),
            DeploymentStatus(0, state, finished, DEPLOY_BOT, texts[state], log),
        ]
        deployment = Deployment(
            deployment_id=0,
            repository=self.full_name,
            sha=sha,
            ref=ref,
            environment=environment,
            original_environment=environment,
            description=description,
            creator_login=creator,
            created_ts=t,
            statuses=[s for s in statuses if s.created_ts <= self.end_ts],
            kind=kind,
            production_environment=production,
            transient_environment=transient,
        )
        self.deployments.append(deployment)
        return deployment

    def _attempts(
        self, t: int, sha: str, environment: str, failure: float, error: float, tries: int
    ) -> tuple[Deployment | None, int]:
        """Deploy until success, at most `tries` attempts. Returns (success, busy until)."""
        rng = self.rng
        for attempt in range(tries):
            if t > self.end_ts:
                return None, t
            r = rng.random()
            outcome: bool | str = (
                "failure" if r < failure else "error" if r < failure + error else True
            )
            dep = self._deploy(
                t, sha, "main", environment, "release" if attempt == 0 else "retry", outcome
            )
            finished = dep.statuses[-1].created_ts
            if dep.final_state == "success":
                return dep, finished
            if dep.finished_ts is None:  # still running at `now`
                return None, self.end_ts + 1
            t = finished + rng.randint(600, 2400)
        return None, t

    def build_deployments(self, cadence: tuple[float, float]) -> None:
        rng = self.rng
        span = max(self.end_ts - self.start_ts, 1)
        triggers: list[int] = []
        for day, weekday in self._weekdays(self.start_ts + 7 * DAY):
            if not weekday:
                continue
            progress = (day - self.start_ts) / span
            rate = cadence[0] + (cadence[1] - cadence[0]) * progress
            for _ in range(_poisson(rng, rate)):
                triggers.append(self._working_time(day))
        triggers.sort()
        repo = self.repo
        busy_until = 0
        deployed: list[str] = []  # shas of successful production deployments, in order
        for t in triggers:
            if t < busy_until or t > self.end_ts:
                continue
            head = self._head_at(t)
            if head in deployed:
                continue  # nothing new to ship (or main still points at a rolled-back sha)
            staged, t = self._attempts(t, head, repo.staging_environment, STAGING_FAILURE, 0.0, 2)
            busy_until = t
            if staged is None:
                continue
            t += rng.randint(120, 3600)
            shipped, busy_until = self._attempts(
                t, head, repo.production_environment, PRODUCTION_FAILURE, PRODUCTION_ERROR, 3
            )
            if shipped is None:
                continue
            deployed.append(head)
            if len(deployed) >= 2 and deployed[-2] != head and rng.random() < ROLLBACK:
                at = busy_until + rng.randint(15 * 60, 3 * HOUR)
                if at <= self.end_ts:
                    target = deployed[-2]
                    rollback = self._deploy(
                        at, target, target, repo.production_environment, "rollback", True,
                        creator=rng.choice(self.members),
                    )  # fmt: skip
                    busy_until = rollback.statuses[-1].created_ts
                    if rollback.final_state == "success":
                        deployed.append(target)
                continue
            busy_until = self._after_release(shipped, busy_until, deployed)
        self.deployments.sort(key=lambda d: d.created_ts)
        self._mark_inactive()

    def _after_release(self, shipped: Deployment, finished: int, deployed: list[str]) -> int:
        """What follows a production release that turns out bad: a hotfix PR deployed within
        hours, and/or an incident filed as a GitHub issue. Returns when the repo is free."""
        rng = self.fix_rng
        hotfix = rng.random() < HOTFIX
        issue = self.repo.incident_issues and rng.random() < (0.5 if hotfix else INCIDENT_ISSUE)
        busy_until = finished
        if issue:
            at = finished + rng.randint(10 * 60, 20 * HOUR)
            self._incident_issue(shipped, at, hotfix, self._shipped_pulls(shipped, deployed))
        if not hotfix:
            return busy_until
        merged = finished + rng.randint(40 * 60, 6 * HOUR)
        deploy_at = merged + rng.randint(5 * 60, 40 * 60)
        if deploy_at > self.end_ts:
            return busy_until
        self._hotfix_pull_request(finished + rng.randint(5 * 60, 30 * 60), merged)
        head = self._head_at(deploy_at)
        fix = self._deploy(
            deploy_at, head, "main", self.repo.production_environment, "hotfix", True,
            creator=rng.choice(self.members), rng=rng,
        )  # fmt: skip
        if fix.final_state == "success":
            deployed.append(head)
        return fix.statuses[-1].created_ts

    def _shipped_pulls(self, shipped: Deployment, deployed: list[str]) -> list[PullRequest]:
        """The merged PRs a production deployment shipped first (empty for the first one)."""
        if len(deployed) < 2:
            return []
        seq = {c.sha: c.landed_seq or 0 for c in self.commits if c.first_parent}
        before = max(seq[sha] for sha in deployed[:-1])
        head = seq[shipped.sha]
        return [
            pr
            for pr in self.pull_requests
            if pr.merge_commit_sha in seq and before < seq[pr.merge_commit_sha] <= head
        ]

    def _hotfix_pull_request(self, started: int, merged: int) -> PullRequest:
        rng = self.fix_rng
        number = len(self.pull_requests) + 1
        author = rng.choice(self.members)
        title = f"Hotfix: {self._message(rng).lower()}"
        slug = f"{title.lower().replace(':', '').replace(' ', '-')}-{number}"
        marker = rng.random()
        head_ref = f"hotfix/{slug}" if marker < 0.7 else f"{author}/{slug}"
        labels: tuple[str, ...] = ("hotfix",) if marker >= 0.4 else ()
        title, head_ref, key, more = self._link(title, head_ref, slug, author, started)
        labels = tuple(dict.fromkeys((*labels, *more)))
        if not head_ref.startswith("hotfix/") and "hotfix" not in labels:
            labels = ("hotfix", *labels)
        base = self._head_at(started)
        authored = sorted(rng.randint(started, merged - 300) for _ in range(rng.randint(1, 2)))
        own: list[Commit] = []
        parent = base
        for ts in authored:
            commit = Commit(
                self._sha("hotfix/"), self.full_name, title if not own else self._message(rng),
                author, ts, author, ts, (parent,), pull_number=number,
            )  # fmt: skip
            own.append(commit)
            parent = commit.sha
        body = "\n".join(f"* {c.message}" for c in own)
        squash = Commit(
            self._sha("hotfix/"), self.full_name, f"{title} (#{number})\n\n{body}", author,
            merged, WEB_FLOW, merged, (), pull_number=number,
        )  # fmt: skip
        self._insert_head(squash, merged)
        pr = PullRequest(
            number=number, repository=self.full_name, title=title, author_login=author,
            head_ref=head_ref, base_sha=base, merge_method="squash",
            created_ts=min(authored[-1] + 120, merged - 60), merged_ts=merged,
            merged_by_login=author, commits=own, merge_commit_sha=squash.sha, labels=labels,
            work_item_key=key, closed_ts=merged, body="Urgent fix for production.",
        )  # fmt: skip
        pr.reviews = self._reviews(pr, merged)
        self.pull_requests.append(pr)
        return pr

    def _incident_issue(
        self,
        deployment: Deployment | None,
        at: int,
        hotfix: bool,
        shipped: list[PullRequest] | None = None,
    ) -> None:
        """An incident filed as a GitHub issue; it names the deployment's sha, its id or one
        of the PRs it shipped (explicit), or only follows it in time (window), or has no
        cause (unrelated)."""
        if at > self.end_ts:
            return
        rng = self.fix_rng if deployment is not None else self.extra_rng
        service = self.repo.name
        symptom = rng.choice(
            ("elevated 5xx rate", "latency above SLO", "checkout errors", "stale search results",
             "failed payments", "timeouts from upstream", "memory pressure")
        )  # fmt: skip
        title = f"Incident: {symptom} on {service}"
        body = f"Alert fired for {service}: {symptom}."
        link_kind: str | None = None
        if deployment is not None:
            link_kind = "window"
            mention = rng.random()
            if mention < 0.3:
                body += f" Started after deploying {deployment.sha[:7]}."
                link_kind = "explicit"
            elif mention < 0.45:
                # the id is known once every deployment has one; filled in after generation
                body += " Suspect deployment {deployment_id}."
                link_kind = "explicit"
            elif mention < 0.6 and shipped:
                pr = rng.choice(shipped)
                named = f"#{pr.number}" if rng.random() < 0.5 else f"{self.full_name}#{pr.number}"
                body += f" Looks related to {named}."
                link_kind = "explicit"
        if hotfix:
            body += " A hotfix is on its way."
        resolved = at + int(min(rng.lognormvariate(math.log(2 * HOUR), 1.0), 10 * DAY))
        reporter = rng.choice(self.members)
        issue = Issue(
            number=0, repository=self.full_name, title=title, body=body, author_login=reporter,
            labels=("incident", rng.choice(("sev1", "sev2", "sev2", "sev3"))), created_ts=at,
            closed_ts=resolved if resolved <= self.end_ts else None,
            closed_by_login=reporter if resolved <= self.end_ts else None,
            caused_by_deployment_id=None, link_kind=link_kind,
        )  # fmt: skip
        self.issues.append(issue)
        if deployment is not None:
            self.incident_links.append((issue, deployment))

    def _mark_inactive(self) -> None:
        """GitHub's auto_inactive: a new success in a non-production, non-transient
        environment adds an `inactive` status to the environment's previous successful one."""
        previous: dict[str, Deployment] = {}
        for dep in sorted(self.deployments, key=lambda d: (d.finished_ts or 0, d.created_ts)):
            if dep.production_environment or dep.transient_environment:
                continue
            if dep.final_state != "success":
                continue
            earlier = previous.get(dep.environment)
            finished = dep.finished_ts or 0
            if earlier is not None:
                earlier.statuses.append(
                    DeploymentStatus(
                        0, "inactive", finished, DEPLOY_BOT,
                        "The deployment is now inactive", earlier.statuses[-1].log_url_path,
                    )
                )  # fmt: skip
            previous[dep.environment] = dep

    # -- after the deployments: unmerged PRs, issues, releases, clock skew ----------------

    def build_aftermath(self, pr_rate: float, releases: bool) -> None:
        self._unmerged_pull_requests(pr_rate)
        self._plain_issues()
        if self.repo.incident_issues:
            rng = self.extra_rng
            week = 7 * DAY
            t = self.start_ts
            while t < self.end_ts:
                for _ in range(_poisson(rng, UNRELATED_INCIDENTS_PER_WEEK)):
                    self._incident_issue(None, t + rng.randint(0, week - 1), False)
                t += week
        if releases:
            self._releases()
        self._clock_skew()

    def _unmerged_pull_requests(self, pr_rate: float) -> None:
        rng = self.extra_rng
        plans: list[tuple[int, int | None]] = []  # (created, closed or None while open)
        for day, weekday in self._weekdays(self.start_ts):
            if not weekday:
                continue
            for _ in range(_poisson(rng, pr_rate * CLOSED_UNMERGED)):
                created = self._working_time(day, rng)
                plans.append((created, created + rng.randint(HOUR, 20 * DAY)))
            if day >= self.end_ts - OPEN_WINDOW_DAYS * DAY:
                for _ in range(_poisson(rng, pr_rate * 0.6)):
                    plans.append((self._working_time(day, rng), None))
        number = len(self.pull_requests)
        for created, closed in sorted(plans, key=lambda p: p[0]):
            if created > self.end_ts - 600:
                continue
            number += 1
            author = rng.choice(self.members)
            title = self._message(rng)
            slug = f"{title.lower().replace(' ', '-')}-{number}"
            head_ref = f"{author}/{slug}"
            started = created - rng.randint(HOUR, 48 * HOUR)
            title, head_ref, key, labels = self._link(title, head_ref, slug, author, started)
            parent = self._head_at(started)
            base = parent
            own: list[Commit] = []
            for ts in sorted(rng.randint(started, created - 60) for _ in range(rng.randint(1, 3))):
                commit = Commit(
                    self._sha("branch/"), self.full_name, title if not own else self._message(rng),
                    author, ts, author, ts, (parent,), pull_number=number,
                )  # fmt: skip
                own.append(commit)
                parent = commit.sha
            if closed is not None and closed > self.end_ts:
                closed = None  # abandoned, but not closed yet
            draft = closed is None and rng.random() < 0.25
            ready = None
            if draft and rng.random() < 0.5:
                ready = created + rng.randint(HOUR, 3 * DAY)  # may lie after now
            pr = PullRequest(
                number=number, repository=self.full_name, title=title, author_login=author,
                head_ref=head_ref, base_sha=base, merge_method="", created_ts=created,
                merged_ts=None, merged_by_login="", commits=own, merge_commit_sha="",
                labels=labels, work_item_key=key, closed_ts=closed, draft=draft,
                ready_ts=ready, body=f"Relates to {key}" if key else "",
            )  # fmt: skip
            if not draft or ready is not None:
                # reviews of open PRs run past now: a later clock sees them (and updated_at move)
                pr.reviews = self._reviews(pr, closed)
            self.unmerged.append(pr)

    def _plain_issues(self) -> None:
        rng = self.extra_rng
        for day, weekday in self._weekdays(self.start_ts):
            if not weekday:
                continue
            for _ in range(_poisson(rng, ISSUES_PER_WEEKDAY)):
                created = self._working_time(day, rng)
                if created > self.end_ts:
                    continue
                bug = rng.random() < 0.6
                closed = created + int(rng.lognormvariate(math.log(5 * DAY), 1.2))
                reporter = rng.choice(self.members)
                what = self._message(rng).lower()
                self.issues.append(
                    Issue(
                        number=0, repository=self.full_name,
                        title=f"{'Bug' if bug else 'Request'}: {what}",
                        body="Steps to reproduce are in the linked ticket." if bug else "",
                        author_login=reporter, labels=("bug",) if bug else ("enhancement",),
                        created_ts=created, closed_ts=closed if closed <= self.end_ts else None,
                        closed_by_login=reporter if closed <= self.end_ts else None,
                    )
                )  # fmt: skip

    def _releases(self) -> None:
        rng = self.extra_rng
        major, minor, patch = 1, 0, 0
        for dep in self.deployments:
            if not dep.production_environment or dep.final_state != "success":
                continue
            if dep.kind == "hotfix":
                patch += 1
            elif dep.kind == "release" and rng.random() < RELEASE_SHARE:
                minor, patch = minor + 1, 0
                if minor > 20:
                    major, minor = major + 1, 0
            else:
                continue
            tag = f"v{major}.{minor}.{patch}"
            published = (dep.finished_ts or dep.created_ts) + rng.randint(60, 1800)
            if published > self.end_ts:
                continue
            self.releases.append(
                Release(
                    release_id=0, repository=self.full_name, tag_name=tag, name=tag,
                    sha=dep.sha, created_ts=dep.created_ts, published_ts=published,
                    author_login=DEPLOY_BOT, body=f"Deployed to production as {dep.sha[:7]}.",
                    prerelease=False,
                )
            )  # fmt: skip

    def _clock_skew(self) -> None:
        """A few squash/rebase PRs carry a commit whose author clock ran days ahead: it looks
        authored after its deployment (negative lead time for the metrics to exclude)."""
        rng = self.extra_rng
        replayed: dict[int, list[Commit]] = {}
        for commit in self.commits:
            if commit.pull_number is not None and commit.committer_login == WEB_FLOW:
                replayed.setdefault(commit.pull_number, []).append(commit)
        for pr in self.pull_requests:
            if pr.merge_method not in ("squash", "rebase") or rng.random() >= CLOCK_SKEW:
                continue
            assert pr.merged_ts is not None
            skewed = pr.merged_ts + rng.randint(5 * DAY, 20 * DAY)
            if skewed > self.end_ts:
                continue
            victim = pr.commits[-1]
            original = victim.authored_ts
            victim.authored_ts = skewed
            victim.committed_ts = skewed
            if pr.merge_method == "rebase":
                for commit in replayed.get(pr.number, []):
                    if commit.authored_ts == original and commit.message == victim.message:
                        commit.authored_ts = skewed


_MENTION = re.compile(r"#(\d+)")


def _renumber(org: Organisation) -> None:
    """Number each repository's pull requests and issues in one sequence by creation time,
    as GitHub does, and rewrite what mentions the numbers: head branch names, merge and
    squash commit messages, preview environments and incident descriptions."""
    for repo in org.repositories:
        name = repo.full_name
        pulls = [*org.pull_requests[name], *org.unmerged_pull_requests[name]]
        issues = org.issues[name]
        records: list[tuple[int, int, int, PullRequest | Issue]] = [
            *((p.created_ts, 0, p.number, p) for p in pulls),
            *((i.created_ts, 1, k, i) for k, i in enumerate(issues)),
        ]
        records.sort(key=lambda r: r[:3])
        mapping: dict[int, int] = {}
        refs: dict[int, tuple[str, str]] = {}  # new number -> (old head ref, new head ref)
        for new, (_, _, old, record) in enumerate(records, start=1):
            record.number = new
            if isinstance(record, PullRequest):
                mapping[old] = new
                old_ref = record.head_ref
                if old_ref.endswith(f"-{old}"):
                    record.head_ref = old_ref[: -len(str(old))] + str(new)
                refs[new] = (old_ref, record.head_ref)

        def renumbered(text: str, mapping: dict[int, int] = mapping) -> str:
            return _MENTION.sub(lambda m: f"#{mapping.get(int(m.group(1)), m.group(1))}", text)

        seen: set[int] = set()
        for commit in [*org.commits[name], *(c for p in pulls for c in p.commits)]:
            if id(commit) in seen or commit.pull_number is None:
                continue
            seen.add(id(commit))
            commit.pull_number = mapping[commit.pull_number]
            if commit.committer_login == WEB_FLOW and "#" in commit.message:
                old_ref, new_ref = refs[commit.pull_number]
                message = renumbered(commit.message)
                commit.message = message.replace(f"/{old_ref}\n", f"/{new_ref}\n", 1)
        for dep in org.deployments[name]:
            if dep.kind == "preview" and dep.environment.startswith("preview-"):
                new = mapping[int(dep.environment.removeprefix("preview-"))]
                dep.environment = dep.original_environment = f"preview-{new}"
                old_ref, new_ref = refs[new]
                if dep.ref == old_ref:
                    dep.ref = new_ref
                    dep.description = f"Preview of {new_ref}"
        for issue in issues:
            if "#" in issue.body:
                issue.body = renumbered(issue.body)


def _assign_record_ids(org: Organisation) -> None:
    """GitHub numbers and ids: numbers per repository by creation (`_renumber`); ids of pull
    requests, reviews, issues and releases grow with time across the instance."""
    _renumber(org)
    pulls = sorted(
        (pr for by_repo in (org.pull_requests, org.unmerged_pull_requests)
         for prs in by_repo.values() for pr in prs),
        key=lambda p: (p.created_ts, p.repository, p.number),
    )  # fmt: skip
    for n, pr in enumerate(pulls):
        pr.pull_id = 1_800_000_000 + n
    reviews = sorted(
        ((r.submitted_ts, pr.repository, pr.number, j, r) for pr in pulls
         for j, r in enumerate(pr.reviews)),
        key=lambda x: x[:4],
    )  # fmt: skip
    for n, (*_, review) in enumerate(reviews):
        review.review_id = 2_400_000_000 + n
    issues = []
    for repo_issues in org.issues.values():
        repo_issues.sort(key=lambda i: i.number)
        issues.extend(repo_issues)
    issues.sort(key=lambda i: (i.created_ts, i.repository, i.number))
    for n, issue in enumerate(issues):
        issue.issue_id = 3_100_000_000 + n
    releases = sorted(
        (r for rs in org.releases.values() for r in rs), key=lambda r: (r.created_ts, r.repository)
    )
    for n, release in enumerate(releases):
        release.release_id = 180_000_000 + n


def _assign_deployment_ids(org: Organisation) -> None:
    """GitHub ids grow with time across the whole instance."""
    everything = [
        (d.created_ts, d.repository, i, d)
        for deps in org.deployments.values()
        for i, d in enumerate(deps)
    ]
    everything.sort(key=lambda x: x[:3])
    statuses = []
    for n, (_, _, _, dep) in enumerate(everything):
        dep.deployment_id = 10_000_000 + n
        statuses.extend((s.created_ts, dep.deployment_id, j, s) for j, s in enumerate(dep.statuses))
    statuses.sort(key=lambda x: x[:3])
    for n, (_, _, _, status) in enumerate(statuses):
        status.status_id = 200_000_000 + n
