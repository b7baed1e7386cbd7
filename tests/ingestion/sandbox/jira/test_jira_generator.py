"""The generated Jira site: determinism, shape, realistic statistics, bookings."""

from __future__ import annotations

import csv
import statistics
from collections import Counter

import pytest
from sandbox_scenarios import NOW

from ingestion.sandbox.generator import generate_organisation
from ingestion.sandbox.jira import generate_jira, write_bookings_csv
from ingestion.sandbox.jira.model import (
    DONE,
    FLAG,
    RESOLUTION_DUPLICATE,
    RESOLUTION_WONT_DO,
    STATUS,
    UNFLAG,
)
from ingestion.sandbox.jira.truth import jira_truth


@pytest.fixture(scope="module")
def jira(small_org):
    return generate_jira(small_org, seed=7)


@pytest.fixture(scope="module")
def truth(jira):
    return jira_truth(jira)


def fingerprint(data) -> list:
    return [
        (i.key, i.issue_type, i.created_ts, i.labels, i.priority, i.parent_key,
         i.fix_versions, bytes(i.changelog))
        for i in data.issues
    ]  # fmt: skip


def test_same_seed_same_site_different_seed_differs(small_org, jira):
    assert fingerprint(generate_jira(small_org, seed=7)) == fingerprint(jira)
    assert fingerprint(generate_jira(small_org, seed=8)) != fingerprint(jira)


def test_projects_workflows_and_statuses(jira):
    assert [p.key for p in jira.projects] == ["CHK", "BIL", "CAT", "SRC"]
    names = {s.name for s in jira.statuses.values()}
    assert {"Ready for QA", "Blocked", "Awaiting Deploy", "En revisión", "Erledigt"} <= names
    for project in jira.projects:
        categories = [jira.statuses[s].category for s in project.workflow]
        assert categories[0] == "new" and categories[-1] == DONE
    renamed = [s for s in jira.statuses.values() if s.renamed]
    assert len(renamed) == 1 and renamed[0].name_at(jira.start_ts) != renamed[0].name


def test_issue_types_parents_and_keys(jira):
    types = Counter(i.issue_type for i in jira.issues)
    assert set(types) == {
        "Story", "Bug", "Task", "Epic", "Sub-task", "Security Vulnerability", "Tech Debt"
    }  # fmt: skip
    by_key = {i.key: i for i in jira.issues}
    for issue in jira.issues:
        assert issue.key.startswith(issue.project_key + "-")
        assert issue.created_ts <= jira.now_ts
        if issue.issue_type == "Sub-task":
            assert by_key[issue.parent_key].issue_type == "Story"
        if issue.issue_type == "Story":
            assert by_key[issue.parent_key].issue_type == "Epic"
        times = [h[0] for h in issue.histories()]
        assert times == sorted(times) and all(issue.created_ts <= t <= jira.now_ts for t in times)
    assert [i.issue_id for i in jira.issues] == sorted(i.issue_id for i in jira.issues)


def test_changelog_realism(jira):
    flow = [i for i in jira.issues if i.issue_type not in ("Epic", "Sub-task")]
    done = jira.done_statuses()
    reopened = cancelled = backward = flagged = 0
    for issue in flow:
        project = jira.project(issue.project_key)
        position = {s: n for n, s in enumerate(project.workflow)}
        kinds = [h[1] for h in issue.histories()]
        moves = [(a, b) for _, k, a, b, _ in issue.histories() if k == STATUS]
        reopened += any(a in done and b not in done for a, b in moves)
        backward += any(
            a not in done and b not in done and position[b] < position[a] for a, b in moves
        )
        flagged += FLAG in kinds
        assert kinds.count(FLAG) >= kinds.count(UNFLAG)
        cancelled += issue.resolution in (RESOLUTION_WONT_DO, RESOLUTION_DUPLICATE)
    n = len(flow)
    print(f"\n{n} flow items: reopened {reopened}, cancelled {cancelled}, "
          f"backward {backward}, flagged {flagged}")  # fmt: skip
    assert 0.01 < reopened / n < 0.10
    assert 0.03 < cancelled / n < 0.15
    assert 0.05 < backward / n < 0.35
    assert 0.05 < flagged / n < 0.40


def test_flow_statistics_per_stream(truth):
    for stream in ("payments", "storefront"):
        done = [i for i in truth.items if i.value_stream_id == stream and i.completion
                and not i.canceled]  # fmt: skip
        efficiency = sum(i.active_s for i in done) / sum(i.flow_time_s for i in done)
        median_days = statistics.median(i.flow_time_s for i in done) / 86_400
        weeks = [r for r in truth.flow_weekly if r["value_stream_id"] == stream]
        print(f"\n{stream}: {len(done)} completed, flow efficiency {efficiency:.1%}, "
              f"median flow time {median_days:.1f} d, weeks {len(weeks)}")  # fmt: skip
        assert 0.05 <= efficiency <= 0.40
        assert 2 <= median_days <= 40
        efficiencies = [r["flow_efficiency"] for r in weeks if r["flow_efficiency"] is not None]
        assert all(0 <= e <= 1 for e in efficiencies)
        assert all(r["flow_load"] is None or r["flow_load"] >= 0 for r in weeks)


def test_trends_improving_and_worsening_teams(truth):
    def halves(team: str) -> tuple[float, float]:
        done = sorted((i for i in truth.items if i.team_id == team and i.completion
                       and not i.canceled), key=lambda i: i.completion)  # fmt: skip
        quarter = len(done) // 4
        first = statistics.median(i.flow_time_s for i in done[:quarter])
        last = statistics.median(i.flow_time_s for i in done[-quarter:])
        return first, last

    first, last = halves("catalog")
    assert last < first * 0.9  # catalog improves
    first, last = halves("billing")
    assert last > first * 1.2  # billing gets worse


def test_fix_versions(jira):
    by_project = Counter(v.project_key for v in jira.versions)
    assert set(by_project) == {"CHK", "BIL", "CAT", "SRC"}
    released = [v for v in jira.versions if v.released_ts is not None]
    assert released and any(v.released_ts is None for v in jira.versions)
    slips = [(v.released_ts - v.planned_ts) // 86_400 for v in released]
    assert min(slips) < 0 < max(slips)  # some early, some late
    versions = {v.version_id: v for v in jira.versions}
    for issue in jira.issues:
        for vid in issue.fix_versions:
            assert versions[vid].project_key == issue.project_key


def test_bookings_csv(jira, tmp_path):
    path = write_bookings_csv(jira, tmp_path / "bookings.csv")
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == len(jira.bookings) > 20
    assert list(rows[0]) == [
        "booking_id", "environment", "team", "release", "requested_by", "start_at", "end_at",
        "status",
    ]  # fmt: skip
    assert {r["status"] for r in rows} == {"requested", "approved", "rejected", "cancelled"}
    releases = {v.name for v in jira.versions}
    assert all(r["release"] in releases and r["start_at"] < r["end_at"] for r in rows)
    live = [b for b in jira.bookings if b.status in ("requested", "approved")]
    conflicts = [
        (a.booking_id, b.booking_id)
        for n, a in enumerate(live)
        for b in live[n + 1 :]
        if a.environment == b.environment and a.start_ts < b.end_ts and b.start_ts < a.end_ts
    ]
    assert conflicts  # some bookings of one environment overlap


def test_medium_tier_generates(small_org):
    org = generate_organisation("medium", seed=3, now=NOW)
    data = generate_jira(org, seed=3)
    assert len(data.projects) == len(org.teams)
    assert len({p.key for p in data.projects}) == len(data.projects)
    assert data.summary()["issues"] > 10_000


def test_flagged_periods_pair_up(jira):
    flagged = [i for i in jira.issues if i.flagged_periods()]
    assert flagged
    for issue in flagged:
        for start, end in issue.flagged_periods():
            assert end is None or start < end
