"""Deterministic generator of a simulated software organisation.

Everything comes from `random.Random` instances seeded from the organisation seed (one per
repository, so adding a repository never shifts the history of the others) and from `now`.
Nothing happens after `now`: later records are simply not generated.
"""

from __future__ import annotations

import hashlib
import math
import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ingestion.sandbox.model import (
    Commit,
    Deployment,
    DeploymentStatus,
    Organisation,
    Person,
    PullRequest,
    Repository,
    Team,
    ValueStream,
)

DAY = 86_400
HOUR = 3_600
ORG_LOGIN = "acme"
ORG_NAME = "Acme"
EMAIL_DOMAIN = "acme.example"
DEPLOY_BOT = "github-actions[bot]"
DEPENDENCY_BOT = "dependabot[bot]"
WEB_FLOW = "web-flow"
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
    ),
    "large": TierShape(
        value_streams=20,
        engineers=1000,
        history_days=730,
        teams_per_stream=(4, 6),
        repos_per_team=(1, 3),
    ),
}

# The `small` tier is the organisation described in valuestream.yml at the repository root.
SMALL_ORGANISATION: tuple[StreamSpec, ...] = (
    StreamSpec("payments", "Payments", "UTC", (
        TeamSpec("checkout", "Checkout", 8, (
            RepoSpec("payments-api", (2.5, 2.5), "Go"),
            RepoSpec("checkout-web", (1.2, 1.2), "TypeScript"),
        )),
        TeamSpec("billing", "Billing", 7, (RepoSpec("billing-service", (0.5, 0.5), "Java"),)),
    )),
    StreamSpec("storefront", "Storefront", "Europe/Berlin", (
        TeamSpec("catalog", "Catalog", 8, (
            # The catalog team moves from weekly releases to daily ones over the year.
            RepoSpec("catalog-api", (0.2, 2.0), "Python"),
            RepoSpec("storefront-web", (0.2, 1.5), "TypeScript"),
        )),
        TeamSpec("search", "Search", 7, (
            RepoSpec("search-service", (0.2, 0.2), "Kotlin", staging="stage", production="prod"),
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
    )
    team_members = {t.team_id: t.members for t in teams}
    stream_tz = {s.value_stream_id: s.timezone for s in streams}
    for repo, team_spec, repo_spec in repos:
        builder = _RepoBuilder(
            seed=seed,
            repo=repo,
            members=team_members[team_spec.team_id],
            start_ts=start_ts,
            end_ts=end_ts,
            utc_offset_hours=_utc_offset_hours(stream_tz[repo.value_stream_id], now),
        )
        pr_rate = team_spec.engineers * PULL_REQUESTS_PER_ENGINEER_WEEKDAY / len(team_spec.repos)
        builder.build_history(pr_rate)
        builder.build_deployments(repo_spec.cadence)
        org.commits[repo.full_name] = builder.commits
        org.pull_requests[repo.full_name] = builder.pull_requests
        org.deployments[repo.full_name] = builder.deployments
    _assign_deployment_ids(org)
    return org


# ---------------------------------------------------------------------------------------
# Organisation shape for the generated tiers


def _generated_specs(shape: TierShape, seed: int) -> tuple[StreamSpec, ...]:
    rng = random.Random(f"{seed}:shape")
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
    ) -> None:
        self.seed = seed
        self.repo = repo
        self.full_name = repo.full_name
        self.members = members
        self.start_ts = start_ts
        self.end_ts = end_ts
        self.offset = utc_offset_hours
        self.rng = random.Random(f"{seed}:{repo.full_name}")
        self.commits: list[Commit] = []
        self.pull_requests: list[PullRequest] = []
        self.deployments: list[Deployment] = []
        self._heads_ts: list[int] = []
        self._heads_sha: list[str] = []
        self._sha_counter = 0
        self._run_counter = 0

    # -- helpers --------------------------------------------------------------------------

    def _sha(self) -> str:
        self._sha_counter += 1
        key = f"{self.seed}/{self.full_name}/{self._sha_counter}".encode()
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

    def _working_time(self, day_ts: int) -> int:
        """A time during local working hours (08:00-18:00) of the day starting at day_ts."""
        return day_ts + (8 - self.offset) * HOUR + int(self.rng.random() * 10 * HOUR)

    def _weekdays(self, first_ts: int) -> list[tuple[int, bool]]:
        """(midnight UTC, is weekday) for each day from first_ts's day to the end."""
        day = first_ts - first_ts % DAY
        days = []
        while day <= self.end_ts:
            days.append((day, datetime.fromtimestamp(day, UTC).weekday() < 5))
            day += DAY
        return days

    def _message(self) -> str:
        rng = self.rng
        return f"{rng.choice(_VERBS)} {rng.choice(_NOUNS)}"

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
        if bot:
            lib = rng.choice(_LIBRARIES)
            major, minor = rng.randint(1, 9), rng.randint(0, 30)
            title = f"Bump {lib} from {major}.{minor}.0 to {major}.{minor}.1"
            head_ref = f"dependabot/{lib.replace('/', '-')}-{major}.{minor}.1"
            n = 1
        else:
            title = self._message()
            head_ref = f"{author}/{title.lower().replace(' ', '-')}-{number}"
            n = rng.randint(1, 5)
        started = max(t - rng.randint(2 * HOUR, 72 * HOUR), self.repo.created_ts + 60)
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
        self.pull_requests.append(
            PullRequest(
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
            )
        )
        if method != "rebase" and rng.random() < PREVIEW:
            at = authored[-1] + rng.randint(60, 500)
            if at <= self.end_ts:
                self._deploy(at, own[-1].sha, head_ref, f"preview-{number}", "preview", True)

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
    ) -> Deployment:
        """One deployment attempt; outcome True/"success", "failure" or "error"."""
        rng = self.rng
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
            if deployed and deployed[-1] == head:
                continue  # nothing new to ship
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
        self.deployments.sort(key=lambda d: d.created_ts)
        self._mark_inactive()

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
