"""Records of the simulated Jira Cloud site: projects, workflows, issues, changelogs, releases.

Lean on purpose (the large tier has ~200k issues and ~2M changelog histories): an issue's
changelog is one flat `array('q')` of five integers per history, and JSON is built only
when the API asks for it.

Changelog history kinds (`kind` in `(ts, kind, a, b, c)`):
- `STATUS`: status a -> b; c is the resolution id set by the move (entering a Done
  status), or 0. Leaving a Done status clears the resolution.
- `FLAG` / `UNFLAG`: the "Flagged" field set to / cleared from "Impediment" (a, b, c = 0).
- `ASSIGNEE`: assignee a -> b (indexes into `JiraData.logins`).
- `PRIORITY_CHANGE`: priority a -> b (Jira priority ids, 1 = Highest .. 5 = Lowest).
- `RANK`: the backlog order changed ("Ranked higher" when a is 1, else "Ranked lower").
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

STATUS = 0
FLAG = 1
UNFLAG = 2
ASSIGNEE = 3
PRIORITY_CHANGE = 4
RANK = 5
RANK_FIELD_ID = "customfield_10019"

# Jira's status categories: (id, key, colour, name).
TO_DO = "new"
IN_PROGRESS = "indeterminate"
DONE = "done"
CATEGORIES: dict[str, tuple[int, str, str]] = {
    TO_DO: (2, "blue-gray", "To Do"),
    IN_PROGRESS: (4, "yellow", "In Progress"),
    DONE: (3, "green", "Done"),
}

# Resolution ids: 0 is "no resolution".
RESOLUTIONS: dict[int, str] = {
    10000: "Done",
    10001: "Won't Do",
    10002: "Duplicate",
    10003: "Cannot Reproduce",
}
RESOLUTION_DONE = 10000
RESOLUTION_WONT_DO = 10001
RESOLUTION_DUPLICATE = 10002

ISSUE_TYPES: dict[str, tuple[int, int, bool]] = {  # name -> (id, hierarchy level, subtask)
    "Epic": (10000, 1, False),
    "Story": (10001, 0, False),
    "Task": (10002, 0, False),
    "Bug": (10003, 0, False),
    "Sub-task": (10004, -1, True),
    "Security Vulnerability": (10005, 0, False),
    "Tech Debt": (10006, 0, False),
}
PRIORITIES: dict[str, int] = {"Highest": 1, "High": 2, "Medium": 3, "Low": 4, "Lowest": 5}
FLAGGED_FIELD_ID = "customfield_10021"
FLAGGED_OPTION_ID = "10019"


@dataclass(frozen=True, slots=True)
class Status:
    status_id: int
    name: str  # the current name
    category: str  # TO_DO | IN_PROGRESS | DONE
    description: str = ""
    # A rename: (instant, earlier name). Changelog strings before it carry the earlier name.
    renamed: tuple[int, str] | None = None

    def name_at(self, ts: int) -> str:
        if self.renamed is not None and ts < self.renamed[0]:
            return self.renamed[1]
        return self.name


@dataclass(frozen=True, slots=True)
class Project:
    project_id: int
    key: str
    name: str
    team_id: str
    value_stream_id: str
    workflow: tuple[int, ...]  # status ids in workflow order (first is the initial status)
    lead_login: str


@dataclass(slots=True)
class FixVersion:
    version_id: int
    project_key: str
    name: str
    created_ts: int  # the version exists (is visible) from here
    start_ts: int
    planned_ts: int  # the planned release date (midnight UTC of that day)
    released_ts: int | None  # when it was released, None if not yet (at `now`)
    archived: bool = False


@dataclass(slots=True)
class Issue:
    issue_id: int
    key: str
    project_key: str
    team_id: str
    value_stream_id: str
    issue_type: str
    summary: str
    priority: str  # at creation; `PRIORITY_CHANGE` histories change it
    labels: tuple[str, ...]
    reporter: str
    assignee: str  # at creation; `ASSIGNEE` histories change it
    created_ts: int
    initial_status: int
    changelog: array = field(default_factory=lambda: array("q"))  # 5 ints per history
    history_base: int = 0  # id of the first history; the n-th is history_base + n
    parent_key: str | None = None  # epic of a story, story of a sub-task
    fix_versions: tuple[int, ...] = ()
    # Derived by `finish()` from the changelog (the ground truth's own records).
    in_progress_ts: int | None = None  # first move into an In Progress-category status
    resolved_ts: int | None = None  # last move into a Done status, None unless done now
    resolution: int = 0

    # -- changelog ------------------------------------------------------------------------

    def add(self, ts: int, kind: int, a: int = 0, b: int = 0, c: int = 0) -> None:
        self.changelog.extend((ts, kind, a, b, c))

    def histories(self) -> Iterator[tuple[int, int, int, int, int]]:
        log = self.changelog
        for i in range(0, len(log), 5):
            yield log[i], log[i + 1], log[i + 2], log[i + 3], log[i + 4]

    @property
    def history_count(self) -> int:
        return len(self.changelog) // 5

    def visible_count(self, clock: int) -> int:
        """Histories at or before clock (histories are in time order)."""
        log = self.changelog
        n = len(log) // 5
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            if log[mid * 5] <= clock:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def state_at(self, clock: int) -> tuple[int, int, bool, int, int, int]:
        """(status id, resolution id, flagged, updated ts, assignee index or -1 for the
        creation-time assignee, priority id or 0 for the creation-time one) at clock."""
        status, resolution, flagged, updated = self.initial_status, 0, False, self.created_ts
        assignee, priority = -1, 0
        for ts, kind, _a, b, c in self.histories():
            if ts > clock:
                break
            updated = ts
            if kind == STATUS:
                status = b
                resolution = c
            elif kind == FLAG:
                flagged = True
            elif kind == UNFLAG:
                flagged = False
            elif kind == ASSIGNEE:
                assignee = b
            elif kind == PRIORITY_CHANGE:
                priority = b
        return status, resolution, flagged, updated, assignee, priority

    def flagged_periods(self) -> list[tuple[int, int | None]]:
        """(flagged, unflagged or None if still flagged) for each "Impediment" period."""
        periods: list[tuple[int, int | None]] = []
        start: int | None = None
        for ts, kind, _a, _b, _c in self.histories():
            if kind == FLAG and start is None:
                start = ts
            elif kind == UNFLAG and start is not None:
                periods.append((start, ts))
                start = None
        if start is not None:
            periods.append((start, None))
        return periods

    def finish(self, categories: dict[int, str]) -> None:
        """Derive in_progress_ts / resolved_ts / resolution from the whole changelog."""
        status, resolution = self.initial_status, 0
        self.in_progress_ts = None
        last_done: int | None = None
        for ts, kind, _a, b, c in self.histories():
            if kind != STATUS:
                continue
            status, resolution = b, c
            if categories[b] == DONE:
                last_done = ts
            elif self.in_progress_ts is None and categories[b] == IN_PROGRESS:
                self.in_progress_ts = ts
        done = categories[status] == DONE
        self.resolution = resolution if done else 0
        self.resolved_ts = last_done if done else None


@dataclass(frozen=True, slots=True)
class Booking:
    booking_id: str
    environment: str
    team_id: str
    release: str  # the fix version's name
    start_ts: int
    end_ts: int
    status: str  # requested | approved | rejected | cancelled
    requested_by: str
    requested_ts: int


@dataclass(slots=True)
class JiraData:
    site: str  # e.g. "acme"
    seed: int
    now_ts: int
    start_ts: int
    statuses: dict[int, Status]
    projects: list[Project]
    issues: list[Issue]  # by issue id
    versions: list[FixVersion]
    bookings: list[Booking]
    # Accounts that act in Jira: login -> (account id, display name, email, time zone)
    accounts: dict[str, tuple[str, str, str, str]]
    stream_timezones: dict[str, str]  # value stream id -> IANA time zone
    logins: list[str] = field(default_factory=list)  # people by index (ASSIGNEE histories)
    _by_key: dict[str, Issue] = field(default_factory=dict, repr=False)

    def issue(self, key_or_id: str) -> Issue | None:
        if not self._by_key:
            for issue in self.issues:
                self._by_key[issue.key] = issue
                self._by_key[str(issue.issue_id)] = issue
        return self._by_key.get(key_or_id.upper())

    def project(self, key_or_id: str) -> Project | None:
        for project in self.projects:
            if project.key == key_or_id.upper() or str(project.project_id) == key_or_id:
                return project
        return None

    def done_statuses(self) -> set[int]:
        return {s.status_id for s in self.statuses.values() if s.category == DONE}

    def summary(self) -> dict[str, int]:
        return {
            "projects": len(self.projects),
            "issues": len(self.issues),
            "changelog_histories": sum(i.history_count for i in self.issues),
            "fix_versions": len(self.versions),
            "bookings": len(self.bookings),
        }
