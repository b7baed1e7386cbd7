"""Deterministic Jira site for a sandbox organisation: one project per team.

Each team's issues come from their own `random.Random` (seeded from the organisation seed
and the team id), so adding a team never changes another team's history. Nothing happens
after the organisation's `now`: a history that would continue later simply stops there.
"""

from __future__ import annotations

import csv
import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingestion.sandbox.jira.model import (
    ASSIGNEE,
    DONE,
    FLAG,
    IN_PROGRESS,
    PRIORITIES,
    PRIORITY_CHANGE,
    RANK,
    RESOLUTION_DONE,
    RESOLUTION_DUPLICATE,
    RESOLUTION_WONT_DO,
    STATUS,
    TO_DO,
    UNFLAG,
    Booking,
    FixVersion,
    Issue,
    JiraData,
    Project,
    Status,
)
from ingestion.sandbox.model import Organisation, iso

DAY = 86_400
HOUR = 3_600

# Workflow templates: (status name, category, role, median days in the status).
# Roles drive the simulation: "new" (backlog), "queue" (waiting for someone), "touch"
# (worked on), "done". "Blocked" is only visited as an excursion from a touch status.
_Step = tuple[str, str, str, float]
WORKFLOWS: dict[str, tuple[_Step, ...]] = {
    "scrum": (
        ("Backlog", TO_DO, "new", 6.0),
        ("Selected for Development", TO_DO, "queue", 4.0),
        ("In Progress", IN_PROGRESS, "touch", 1.5),
        ("Blocked", IN_PROGRESS, "blocked", 2.0),
        ("In Review", IN_PROGRESS, "touch", 0.4),
        ("Ready for QA", IN_PROGRESS, "queue", 1.5),
        ("In QA", IN_PROGRESS, "touch", 0.5),
        ("Awaiting Deploy", IN_PROGRESS, "queue", 2.0),
        ("Done", DONE, "done", 0.0),
    ),
    "kanban": (
        ("To Do", TO_DO, "new", 5.0),
        ("Ready", TO_DO, "queue", 4.5),
        ("In Progress", IN_PROGRESS, "touch", 1.5),
        ("Code Review", IN_PROGRESS, "touch", 0.5),
        ("Ready for QA", IN_PROGRESS, "queue", 2.0),
        ("Testing", IN_PROGRESS, "touch", 0.5),
        ("Done", DONE, "done", 0.0),
    ),
    "german": (
        ("Offen", TO_DO, "new", 6.0),
        ("Bereit", TO_DO, "queue", 6.0),
        ("In Arbeit", IN_PROGRESS, "touch", 1.5),
        ("In Prüfung", IN_PROGRESS, "touch", 0.6),
        ("Erledigt", DONE, "done", 0.0),
    ),
    "spanish": (
        ("Pendiente", TO_DO, "new", 6.0),
        ("Seleccionado", TO_DO, "queue", 5.0),
        ("En curso", IN_PROGRESS, "touch", 1.5),
        ("En revisión", IN_PROGRESS, "touch", 0.6),
        ("On Hold", IN_PROGRESS, "blocked", 2.0),
        ("Listo", DONE, "done", 0.0),
    ),
}
_TEMPLATE_ORDER = ("scrum", "kanban", "german", "spanish")
# A status renamed part-way through the history (same id, new name): (current, earlier).
RENAMED_STATUS = ("Code Review", "Peer Review")
RENAME_AT = 0.45  # share of the history after which the rename happened

# Team trends: the factor on queue times at the start and at the end of the history.
TRENDS = {"improving": (1.7, 0.5), "worsening": (0.6, 2.2), "steady": (1.0, 1.0)}
SMALL_TRENDS = {"catalog": "improving", "billing": "worsening"}

FLOW_ITEMS_PER_ENGINEER_WEEK = 1.6
ISSUE_TYPE_MIX = (
    ("Story", 0.50),
    ("Bug", 0.24),
    ("Task", 0.12),
    ("Tech Debt", 0.09),
    ("Security Vulnerability", 0.05),
)
STORIES_PER_EPIC = 12
SUBTASK_SHARE = 0.2
NEVER_STARTED = 0.08
CANCEL_FROM_BACKLOG = 0.07
CANCEL_IN_FLIGHT = 0.02
FLAG_SHARE = 0.07
BLOCKED_SHARE = 0.06
BACKWARD_SHARE = 0.10
REOPEN_SHARE = 0.05
PRIORITY_CHANGE_SHARE = 0.1
RANKS_PER_ITEM = 2.0
HAND_OVER_SHARE = 0.7
RELEASE_EVERY_DAYS = 14
BOOKING_ENVIRONMENTS = ("qa-1", "qa-2", "uat")

_LABELS = ("frontend", "backend", "api", "customer", "performance", "ux", "refactor", "chore")
_RISK_LABELS = ("security", "compliance")
_VERBS = ("Add", "Support", "Improve", "Allow", "Show", "Rework", "Speed up", "Validate")
_THINGS = (
    "saved cards", "refund flow", "invoice export", "search filters", "price rules",
    "order history", "address book", "coupon codes", "product images", "delivery slots",
    "tax report", "wish list", "session timeout", "currency display", "stock alerts",
)  # fmt: skip


def _median_draw(rng: random.Random, median_days: float, sigma: float) -> int:
    """A heavy-tailed (log-normal) duration in seconds with the given median."""
    if median_days <= 0:
        return 0
    return max(60, int(rng.lognormvariate(math.log(median_days * DAY), sigma)))


KNOWN_KEYS = {"checkout": "CHK", "billing": "BIL", "catalog": "CAT", "search": "SRC"}


def project_key(team_id: str, taken: set[str]) -> str:
    """CHK for checkout, BIL for billing, CAT for catalog, SRC for search; else derived."""
    known = KNOWN_KEYS.get(team_id)
    if known and known not in taken:
        return known
    letters = [c for c in team_id.upper() if c.isalpha()]
    consonants = [c for c in letters[1:] if c not in "AEIOU"]
    candidates = [
        letters[0] + "".join(consonants[:2]),
        "".join(letters[:3]),
        letters[0] + "".join(consonants[-2:]),
    ]
    for candidate in candidates:
        if len(candidate) == 3 and candidate not in taken:
            return candidate
    n = 2
    while f"{letters[0]}{letters[1]}{n}" in taken:
        n += 1
    return f"{letters[0]}{letters[1]}{n}"


def account_id(login: str) -> str:
    return "5b10" + hashlib.sha1(f"jira:{login}".encode()).hexdigest()[:20]


@dataclass
class _Draft:
    """An issue before ids and keys are assigned."""

    issue: Issue
    parent: _Draft | None = None


class _TeamBuilder:
    def __init__(
        self,
        data: JiraData,
        project: Project,
        members: tuple[str, ...],
        trend: str,
        seed: int,
    ) -> None:
        self.data = data
        self.project = project
        self.members = members or (project.lead_login,)
        self.rng = random.Random(f"{seed}:jira:{project.team_id}")
        self.start, self.end = data.start_ts, data.now_ts
        self.trend = TRENDS[trend]
        statuses = [data.statuses[s] for s in project.workflow]
        template = WORKFLOWS[_template_of(project)]
        self.roles = {
            data.statuses[s].status_id: t[2]
            for s, t in zip(project.workflow, template, strict=True)
        }
        self.medians = {s: t[3] for s, t in zip(project.workflow, template, strict=True)}
        self.first = statuses[0].status_id
        self.done = next(s.status_id for s in statuses if s.category == DONE)
        self.path = [s for s in project.workflow if self.roles[s] in ("queue", "touch")]
        self.touch = [s for s in self.path if self.roles[s] == "touch"]
        blocked = [s for s in project.workflow if self.roles[s] == "blocked"]
        self.blocked = blocked[0] if blocked else None
        self.index = {login: n for n, login in enumerate(data.logins)}
        self.member_index = [self.index[m] for m in self.members if m in self.index]
        self.drafts: list[_Draft] = []

    def _factor(self, ts: int) -> float:
        progress = min(max((ts - self.start) / max(self.end - self.start, 1), 0.0), 1.0)
        a, b = self.trend
        return a + (b - a) * progress

    def _working_time(self, day: int) -> int:
        return day + 7 * HOUR + int(self.rng.random() * 10 * HOUR)

    def build(self, engineers: int) -> None:
        rng = self.rng
        rate = engineers * FLOW_ITEMS_PER_ENGINEER_WEEK / 5
        types = [t for t, _ in ISSUE_TYPE_MIX]
        weights = [w for _, w in ISSUE_TYPE_MIX]
        epic: _Draft | None = None
        epic_children = 0
        day = self.start - self.start % DAY
        while day <= self.end:
            if datetime.fromtimestamp(day, UTC).weekday() < 5:
                for _ in range(_poisson(rng, rate)):
                    created = self._working_time(day)
                    if created > self.end:
                        continue
                    issue_type = rng.choices(types, weights)[0]
                    parent = None
                    if issue_type == "Story":
                        if epic is None or epic_children >= STORIES_PER_EPIC:
                            epic = self._new(created - rng.randint(HOUR, 5 * DAY), "Epic", None)
                            epic_children = 0
                        epic_children += 1
                        parent = epic
                    draft = self._new(created, issue_type, parent)
                    self._simulate(draft)
                    if issue_type == "Story" and rng.random() < SUBTASK_SHARE:
                        self._subtasks(draft)
            day += DAY
        for draft in self.drafts:
            if draft.issue.issue_type == "Epic":
                self._epic(draft)

    def _new(self, created: int, issue_type: str, parent: _Draft | None) -> _Draft:
        rng = self.rng
        created = max(created, self.start - 30 * DAY)
        if issue_type == "Bug":
            summary = f"{rng.choice(_THINGS).capitalize()} fails for some customers"
        elif issue_type == "Security Vulnerability":
            summary = f"CVE in {rng.choice(('jackson-databind', 'openssl', 'lodash', 'log4j'))}"
        elif issue_type == "Tech Debt":
            summary = f"Clean up {rng.choice(_THINGS)} module"
        elif issue_type == "Epic":
            summary = f"{rng.choice(_THINGS).capitalize()} overhaul"
        else:
            summary = f"{rng.choice(_VERBS)} {rng.choice(_THINGS)}"
        labels: list[str] = []
        if rng.random() < 0.6:
            labels.append(rng.choice(_LABELS))
        if issue_type == "Security Vulnerability" or (issue_type == "Task" and rng.random() < 0.15):
            labels.append(rng.choice(_RISK_LABELS))
        priority = rng.choices(
            ("Highest", "High", "Medium", "Low", "Lowest"),
            (0.05, 0.2, 0.5, 0.2, 0.05) if issue_type != "Bug" else (0.15, 0.35, 0.35, 0.1, 0.05),
        )[0]
        issue = Issue(
            issue_id=0,
            key="",
            project_key=self.project.key,
            team_id=self.project.team_id,
            value_stream_id=self.project.value_stream_id,
            issue_type=issue_type,
            summary=summary,
            priority=priority,
            labels=tuple(sorted(set(labels))),
            reporter=rng.choice(self.members),
            assignee=rng.choice(self.members),
            created_ts=created,
            initial_status=self.first,
        )
        draft = _Draft(issue, parent)
        self.drafts.append(draft)
        return draft

    # -- one flow item's journey ----------------------------------------------------------

    def _move(self, issue: Issue, ts: int, src: int, dst: int, resolution: int = 0) -> bool:
        if ts > self.end:
            return False
        issue.add(ts, STATUS, src, dst, resolution)
        return True

    def _simulate(self, draft: _Draft) -> None:
        rng = self.rng
        issue = draft.issue
        t = issue.created_ts + _median_draw(rng, self.medians[self.first], 1.3)
        # backlog grooming: the item is ranked up or down a few times before anyone starts
        groomed_until = min(t, issue.created_ts + 60 * DAY, self.end)
        if groomed_until > issue.created_ts + 120:
            for at in sorted(
                rng.randint(issue.created_ts + 60, groomed_until - 60)
                for _ in range(_poisson(rng, RANKS_PER_ITEM))
            ):
                higher = 1 if rng.random() < 0.6 else 0
                issue.add(at, RANK, higher)
        if rng.random() < CANCEL_FROM_BACKLOG:
            resolution = RESOLUTION_WONT_DO if rng.random() < 0.6 else RESOLUTION_DUPLICATE
            self._move(issue, t, self.first, self.done, resolution)
            return
        if rng.random() < NEVER_STARTED:
            return
        status = self.first
        index = 0
        path = self.path
        reworked = False
        assignee = self.index.get(issue.assignee, -1)
        priority = PRIORITIES[issue.priority]
        handed_over: set[int] = set()
        while index < len(path):
            nxt = path[index]
            if not self._move(issue, t, status, nxt):
                return
            status = nxt
            role = self.roles[status]
            if index == 0 and rng.random() < PRIORITY_CHANGE_SHARE:
                new_priority = min(max(priority + rng.choice((-1, 1)), 1), 5)
                if new_priority != priority:
                    issue.add(t + 2, PRIORITY_CHANGE, priority, new_priority)
                    priority = new_priority
            if (
                status in (self.touch[0], self.touch[-1])
                and status not in handed_over
                and self.member_index
            ):
                handed_over.add(status)
                new_assignee = rng.choice(self.member_index)
                if new_assignee != assignee and rng.random() < HAND_OVER_SHARE:
                    issue.add(t + 1, ASSIGNEE, assignee, new_assignee)
                    assignee = new_assignee
            factor = self._factor(t) if role == "queue" else 1.0
            stay = _median_draw(rng, self.medians[status] * factor, 1.1 if role == "queue" else 0.9)
            if role == "touch" and rng.random() < FLAG_SHARE:
                at = t + int(stay * rng.uniform(0.1, 0.8))
                held = _median_draw(rng, 1.0 * self._factor(t), 1.0)
                if at <= self.end:
                    issue.add(at, FLAG)
                    if at + held <= self.end:
                        issue.add(at + held, UNFLAG)
                    else:
                        return
                stay += held
            elif role == "touch" and self.blocked is not None and rng.random() < BLOCKED_SHARE:
                at = t + int(stay * rng.uniform(0.2, 0.7))
                if not self._move(issue, at, status, self.blocked):
                    return
                back = at + _median_draw(rng, self.medians[self.blocked], 1.0)
                if not self._move(issue, back, self.blocked, status):
                    return
                remaining = stay - (at - t)
                t = back
                stay = max(remaining, 3 * HOUR)
            if rng.random() < CANCEL_IN_FLIGHT / len(path):
                self._move(issue, t + stay, status, self.done, RESOLUTION_WONT_DO)
                return
            t += stay
            if (
                not reworked
                and role == "touch"
                and status != self.touch[0]
                and rng.random() < BACKWARD_SHARE
            ):
                reworked = True
                index = path.index(self.touch[0])  # back to development
                continue
            index += 1
        if not self._move(issue, t, status, self.done, RESOLUTION_DONE):
            return
        if rng.random() < REOPEN_SHARE:
            reopen = t + _median_draw(rng, 4.0, 1.0)
            first_touch = self.touch[0]
            if not self._move(issue, reopen, self.done, first_touch):
                return
            again = reopen + _median_draw(rng, 1.5, 0.9)
            self._move(issue, again, first_touch, self.done, RESOLUTION_DONE)

    def _subtasks(self, story: _Draft) -> None:
        rng = self.rng
        log = story.issue.changelog
        starts = [log[i] for i in range(0, len(log), 5) if log[i + 3] == self.touch[0]]
        if not starts:
            return
        begin = starts[0]
        for _ in range(rng.randint(1, 3)):
            created = begin + rng.randint(10 * 60, 4 * HOUR)
            if created > self.end:
                return
            sub = self._new(created, "Sub-task", story)
            t = created + _median_draw(rng, 0.3, 1.0)
            if not self._move(sub.issue, t, self.first, self.touch[0]):
                continue
            t += _median_draw(rng, 0.8, 0.9)
            self._move(sub.issue, t, self.touch[0], self.done, RESOLUTION_DONE)

    def _epic(self, epic: _Draft) -> None:
        children = [d.issue for d in self.drafts if d.parent is epic]
        starts = []
        ends = []
        for child in children:
            log = child.changelog
            moves = [(log[i], log[i + 3]) for i in range(0, len(log), 5) if log[i + 1] == STATUS]
            starts.extend(ts for ts, dst in moves if dst != self.done)
            ends.append(moves[-1][0] if moves and moves[-1][1] == self.done else None)
        issue = epic.issue
        if not starts:
            return
        first_touch = self.touch[0]
        self._move(issue, min(starts), self.first, first_touch)
        if ends and all(e is not None for e in ends) and len(children) >= STORIES_PER_EPIC:
            finished = max(e for e in ends if e is not None) + self.rng.randint(HOUR, 3 * DAY)
            self._move(issue, finished, first_touch, self.done, RESOLUTION_DONE)


def _poisson(rng: random.Random, lam: float) -> int:
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _template_of(project: Project) -> str:
    return _TEMPLATE_ORDER[(project.project_id - 10000) % len(_TEMPLATE_ORDER)]


# ---------------------------------------------------------------------------------------
# Public entry point


def generate_jira(org: Organisation, seed: int) -> JiraData:
    """The Jira site of `org`: deterministic in (org's teams, people, times, seed)."""
    now_ts = org.now_ts
    start_ts = min((r.created_ts for r in org.repositories), default=now_ts) + 30 * DAY
    span = max(now_ts - start_ts, DAY)
    statuses: dict[str, Status] = {}
    next_status = [10000]

    def status(name: str, category: str) -> int:
        if name not in statuses:
            renamed = None
            if name == RENAMED_STATUS[0]:
                renamed = (start_ts + int(span * RENAME_AT), RENAMED_STATUS[1])
            statuses[name] = Status(next_status[0], name, category, "", renamed)
            next_status[0] += 1
        return statuses[name].status_id

    stream_of_team = {t.team_id: t.value_stream_id for t in org.teams}
    projects: list[Project] = []
    taken: set[str] = set()
    for n, team in enumerate(org.teams):
        key = project_key(team.team_id, taken)
        taken.add(key)
        template = WORKFLOWS[_TEMPLATE_ORDER[n % len(_TEMPLATE_ORDER)]]
        workflow = tuple(status(name, category) for name, category, _, _ in template)
        lead = team.members[0] if team.members else "admin"
        projects.append(
            Project(10000 + n, key, team.name, team.team_id, stream_of_team[team.team_id],
                    workflow, lead)
        )  # fmt: skip
    accounts: dict[str, tuple[str, str, str, str]] = {}
    tz = {s.value_stream_id: s.timezone for s in org.value_streams}
    for person in org.people.values():
        if person.team_id is None:
            continue
        stream = stream_of_team.get(person.team_id, "")
        accounts[person.login] = (
            account_id(person.login),
            person.name,
            person.email,
            tz.get(stream, "UTC"),
        )
    data = JiraData(
        site=org.login,
        seed=seed,
        now_ts=now_ts,
        start_ts=start_ts,
        statuses={s.status_id: s for s in statuses.values()},
        projects=projects,
        issues=[],
        versions=[],
        bookings=[],
        accounts=accounts,
        stream_timezones=tz,
        logins=sorted(accounts),
    )
    drafts: list[_Draft] = []
    teams = {t.team_id: t for t in org.teams}
    for n, project in enumerate(projects):
        team = teams[project.team_id]
        trend = (
            SMALL_TRENDS.get(team.team_id, "steady")
            if org.tier == "small"
            else ("improving", "worsening", "steady", "steady")[n % 4]
        )
        builder = _TeamBuilder(data, project, team.members, trend, seed)
        builder.build(len(team.members))
        drafts.extend(builder.drafts)
    _assign_ids(data, drafts)
    categories = {s.status_id: s.category for s in data.statuses.values()}
    for issue in data.issues:
        issue.finish(categories)
    _releases(data, seed)
    _bookings(data, org, seed)
    return data


def _assign_ids(data: JiraData, drafts: list[_Draft]) -> None:
    order = {p.key: n for n, p in enumerate(data.projects)}
    drafts.sort(key=lambda d: (d.issue.created_ts, order[d.issue.project_key]))
    numbers: dict[str, int] = {}
    history = 100_000
    for n, draft in enumerate(drafts):
        issue = draft.issue
        issue.issue_id = 10_000 + n
        numbers[issue.project_key] = numbers.get(issue.project_key, 0) + 1
        issue.key = f"{issue.project_key}-{numbers[issue.project_key]}"
        issue.history_base = history
        history += issue.history_count
    for draft in drafts:
        if draft.parent is not None:
            draft.issue.parent_key = draft.parent.issue.key
    data.issues = [d.issue for d in drafts]


def _releases(data: JiraData, seed: int) -> None:
    version_id = 10_000
    by_project: dict[str, list[Issue]] = {}
    for issue in data.issues:
        if issue.issue_type not in ("Epic", "Sub-task"):
            by_project.setdefault(issue.project_key, []).append(issue)
    for project in data.projects:
        rng = random.Random(f"{seed}:jira:releases:{project.key}")
        planned = data.start_ts - data.start_ts % DAY + rng.randint(7, 20) * DAY
        previous = data.start_ts
        seq_by_year: dict[int, int] = {}
        versions: list[FixVersion] = []
        while planned - 28 * DAY <= data.now_ts:
            year = datetime.fromtimestamp(planned, UTC).year
            seq_by_year[year] = seq_by_year.get(year, 0) + 1
            r = rng.random()
            slip = (
                rng.randint(0, 1)
                if r < 0.6
                else rng.randint(2, 10)
                if r < 0.85
                else -rng.randint(1, 2)
            )
            actual = planned + slip * DAY + rng.randint(9 * HOUR, 17 * HOUR)
            versions.append(
                FixVersion(
                    version_id=version_id,
                    project_key=project.key,
                    name=f"{project.name} {year}.{seq_by_year[year]:02d}",
                    created_ts=planned - 28 * DAY,
                    start_ts=previous,
                    planned_ts=planned,
                    released_ts=actual if actual <= data.now_ts else None,
                )
            )
            version_id += 1
            previous = planned
            planned += RELEASE_EVERY_DAYS * DAY
        for old in versions:
            if old.released_ts is not None and old.released_ts < data.now_ts - 300 * DAY:
                old.archived = True
        data.versions.extend(versions)
        released = [v for v in versions if v.released_ts is not None]
        upcoming = [v for v in versions if v.released_ts is None]
        for issue in by_project.get(project.key, []):
            if issue.resolved_ts is not None and issue.resolution == RESOLUTION_DONE:
                for v in released:
                    if v.released_ts is not None and v.released_ts >= issue.resolved_ts:
                        issue.fix_versions = (v.version_id,)
                        break
                else:
                    if upcoming:
                        issue.fix_versions = (upcoming[0].version_id,)
            elif (
                issue.resolved_ts is None
                and issue.history_count
                and upcoming
                and rng.random() < 0.7
            ):
                issue.fix_versions = (
                    upcoming[min(rng.randint(0, 1), len(upcoming) - 1)].version_id,
                )
    data.versions.sort(key=lambda v: v.version_id)


def _bookings(data: JiraData, org: Organisation, seed: int) -> None:
    rng = random.Random(f"{seed}:jira:bookings")
    members = {t.team_id: t.members for t in org.teams}
    project_of = {p.key: p for p in data.projects}
    n = 0
    for version in data.versions:
        project = project_of[version.project_key]
        if rng.random() < 0.25:
            continue  # not every release books a test environment
        env = f"{project.value_stream_id}-{rng.choice(BOOKING_ENVIRONMENTS)}"
        start = version.planned_ts - rng.randint(2, 6) * DAY + rng.randint(8, 11) * HOUR
        end = start + rng.randint(1, 4) * DAY
        requested = start - rng.randint(1, 12) * DAY - rng.randint(0, 8) * HOUR
        if requested > data.now_ts:
            continue
        r = rng.random()
        if start > data.now_ts and r < 0.5:
            state = "requested"
        else:
            state = (
                "approved" if r < 0.75 else "requested" if r < 0.82 else "rejected" if r < 0.9
                else "cancelled"
            )  # fmt: skip
        n += 1
        team_members = members.get(project.team_id) or (project.lead_login,)
        data.bookings.append(
            Booking(
                booking_id=f"BK-{n:05d}",
                environment=env,
                team_id=project.team_id,
                release=version.name,
                start_ts=start,
                end_ts=end,
                status=state,
                requested_by=rng.choice(team_members),
                requested_ts=requested,
            )
        )
    data.bookings.sort(key=lambda b: (b.requested_ts, b.booking_id))


# The columns of the files source's environment_bookings (ingestion/sources/files/README.md).
BOOKING_COLUMNS = (
    "booking_id", "environment", "team", "release", "requested_by", "start_at", "end_at",
    "status",
)  # fmt: skip


def write_bookings_csv(data: JiraData, path: str | Path) -> Path:
    """Test-environment bookings as the CSV the files source reads (UTC ISO timestamps)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(BOOKING_COLUMNS)
        for b in data.bookings:
            writer.writerow(
                (b.booking_id, b.environment, b.team_id, b.release, b.requested_by,
                 iso(b.start_ts), iso(b.end_ts), b.status)
            )  # fmt: skip
    return target
