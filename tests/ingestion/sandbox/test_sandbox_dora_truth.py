"""DORA 2.2-2.5 ground truth on a hand-built history whose values are worked out by hand.

acme/app, default branch (landing order), all times UTC in November 2026:

    a   01 Nov 09:00  initial commit                                                  seq 0
    s   03 Nov 12:00  squash of PR #1 (own commits p1 02 Nov 09:00, p2 02 Nov 15:00)   seq 1
    m   04 Nov 09:00  pushed straight to main                                         seq 2
    h   05 Nov 09:00  squash of hotfix PR #2 (branch hotfix/..., own commit q 08:30)  seq 3
    k   06 Nov 09:00  pushed, but authored 20 Nov (clock skew)                        seq 4

Production deployments: P1 a (02 Nov 08:00), P2 m (04 Nov 12:00), P3 h (05 Nov 10:00, the
hotfix), P4 k (07 Nov 10:00). Incidents (GitHub issues labelled `incident`): I1 07 Nov
12:00-15:00 (window, after P4), I2 03 Nov 10:00-11:00 naming P1 (explicit, 26 h after it),
I3 12 Nov, still open, more than 24 h after any deployment (unrelated).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sandbox_scenarios import NOW, status, ts

from ingestion.sandbox.model import (
    Commit,
    Deployment,
    Issue,
    Organisation,
    Person,
    PullRequest,
    Repository,
    Review,
    Team,
    ValueStream,
)
from ingestion.sandbox.truth import ground_truth, percentile

H = 3600
D = 24 * H


def _commit(char: str, authored: str, landed: str | None, seq: int | None, parents=(),
            committer: str = "alice", pull: int | None = None) -> Commit:  # fmt: skip
    landed_ts = ts(landed) if landed else None
    return Commit(char * 40, "acme/app", f"commit {char}", "alice", ts(authored), committer,
                  landed_ts or ts(authored), tuple(p * 40 for p in parents), landed_ts=landed_ts,
                  landed_seq=seq, first_parent=seq is not None, pull_number=pull)  # fmt: skip


def _prod(dep_id: int, char: str, finished: str) -> Deployment:
    done = ts(finished)
    queued = datetime.fromtimestamp(done - 600, UTC).strftime("%Y-%m-%dT%H:%M")
    return Deployment(dep_id, "acme/app", char * 40, "main", "production", "", "bot",
                      done - 600, [status("queued", queued), status("success", finished)],
                      production_environment=True)  # fmt: skip


def _incident(n: int, created: str, closed: str | None, dep: int | None, kind: str | None):
    return Issue(n, "acme/app", f"Incident {n}", "", "alice", ("incident",), ts(created),
                 ts(closed) if closed else None, "alice" if closed else None, 7000 + n, dep,
                 kind)  # fmt: skip


@pytest.fixture(scope="module")
def org() -> Organisation:
    main = [
        _commit("a", "2026-11-01T09:00", "2026-11-01T09:00", 0),
        _commit("5", "2026-11-03T12:00", "2026-11-03T12:00", 1, ("a",), "web-flow", 1),
        _commit("6", "2026-11-04T09:00", "2026-11-04T09:00", 2, ("5",)),
        _commit("8", "2026-11-05T09:00", "2026-11-05T09:00", 3, ("6",), "web-flow", 2),
        _commit("9", "2026-11-20T09:00", "2026-11-06T09:00", 4, ("8",)),
    ]
    main[4].committed_ts = ts("2026-11-06T09:00")
    p1 = _commit("1", "2026-11-02T09:00", None, None, ("a",), pull=1)
    p2 = _commit("2", "2026-11-02T15:00", None, None, ("1",), pull=1)
    q = _commit("3", "2026-11-05T08:30", None, None, ("6",), pull=2)
    pulls = [
        PullRequest(1, "acme/app", "Add things", "alice", "alice/things", "a" * 40, "squash",
                    ts("2026-11-02T16:00"), ts("2026-11-03T12:00"), "alice", [p1, p2], "5" * 40,
                    reviews=[Review(1, "bob", "APPROVED", ts("2026-11-03T10:00"), "", "2" * 40)],
                    closed_ts=ts("2026-11-03T12:00")),
        PullRequest(2, "acme/app", "Fix it", "alice", "hotfix/fix-it", "6" * 40, "squash",
                    ts("2026-11-05T08:40"), ts("2026-11-05T09:00"), "alice", [q], "8" * 40,
                    closed_ts=ts("2026-11-05T09:00")),
    ]  # fmt: skip
    deployments = [
        _prod(1, "a", "2026-11-02T08:00"),
        _prod(2, "6", "2026-11-04T12:00"),
        _prod(3, "8", "2026-11-05T10:00"),
        _prod(4, "9", "2026-11-07T10:00"),
    ]
    people = {
        login: Person(login, login.title(), f"{login}@acme.example", 5_000_000 + i, "core")
        for i, login in enumerate(("alice", "bob"))
    }
    people["bot"] = Person("bot", "bot", "bot@example.com", 1, None, "Bot")
    org = Organisation(
        login="acme", name="Acme", tier="tiny", seed=1, now=NOW,
        value_streams=[ValueStream("shop", "Shop", "UTC", ("core",))],
        teams=[Team("core", "Core", "shop", ("alice", "bob"))], people=people,
        repositories=[Repository(100_001, "acme", "app", "shop", "core", ts("2026-10-01T00:00"),
                                 incident_issues=True)],
    )  # fmt: skip
    org.commits["acme/app"] = main
    org.pull_requests["acme/app"] = pulls
    org.unmerged_pull_requests["acme/app"] = []
    org.deployments["acme/app"] = deployments
    org.issues["acme/app"] = [
        _incident(10, "2026-11-07T12:00", "2026-11-07T15:00", None, "window"),
        _incident(11, "2026-11-03T10:00", "2026-11-03T11:00", 1, "explicit"),
        _incident(12, "2026-11-12T00:00", None, None, None),
    ]
    return org


WEEK = date(2026, 11, 2)


def test_percentile_is_continuous():
    assert percentile([], 0.5) is None
    assert percentile([4.0], 0.95) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5  # mean of the two middle values
    assert percentile([10.0, 20.0, 30.0], 0.75) == 25.0


def test_change_lead_time_uses_pr_commits_and_skips_merges_and_negatives(org):
    truth = ground_truth(org)
    leads = {r["sha"][0]: r["lead_time_seconds"] for r in truth.changes}
    # P1 has no range. P2 ships the squash 5 (replaced by p1, p2) and m (6);
    # P3 ships the hotfix squash 8 (replaced by q); P4 ships k (9), authored after P4.
    assert leads == {
        "1": 2 * D + 3 * H,  # 02 Nov 09:00 -> 04 Nov 12:00
        "2": D + 21 * H,  # 02 Nov 15:00 -> 04 Nov 12:00
        "6": 3 * H,  # 04 Nov 09:00 -> 12:00
        "3": 1.5 * H,  # 05 Nov 08:30 -> 10:00
    }
    assert [(r["sha"][0], r["lead_time_seconds"]) for r in truth.lead_time_exclusions] == [
        ("9", -(13 * D - H))  # authored 20 Nov 09:00, deployed 07 Nov 10:00
    ]
    # sorted: 5400, 10800, 162000, 183600
    assert truth.change_lead_time == [
        {
            "value_stream_id": "shop",
            "week_start": WEEK,
            "n": 4,
            "median": (10_800 + 162_000) / 2,
            "p75": 162_000 + 0.25 * 21_600,
            "p95": 162_000 + 0.85 * 21_600,
            "negative_excluded": 1,
        }
    ]


def test_pull_request_stages(org):
    stages = {r["number"]: r for r in ground_truth(org).pull_request_stages}
    first = stages[1]
    assert first["deployment_id"] == 2
    assert first["coding_seconds"] == 7 * H  # first commit 09:00 -> opened 16:00
    assert first["pickup_seconds"] == 18 * H  # opened 16:00 -> bob's approval 10:00
    assert first["review_seconds"] == 2 * H  # approval -> merge 12:00
    assert first["deploy_seconds"] == D  # merge 03 Nov 12:00 -> P2 04 Nov 12:00
    assert stages[2]["pickup_seconds"] is None and stages[2]["approved"] is False


def test_incident_links_explicit_window_and_unrelated(org):
    links = {r["incident_id"]: (r["deployment_id"], r["link"]) for r in ground_truth(org).incidents}
    assert links == {
        "acme/app#10": (4, "window"),  # 2 h after P4
        "acme/app#11": (1, "explicit"),  # names P1, 26 h after it: outside the window
        "acme/app#12": (None, None),  # 5 days after P4
    }


def test_change_failure_rate_recovery_restore_and_rework(org):
    truth = ground_truth(org)
    failed = {r["deployment_id"]: r for r in truth.failed_deployments}
    assert {k: v["reasons"] for k, v in failed.items()} == {
        1: ["incident"],  # I2 names it
        2: ["hotfix"],  # P3 ships a hotfix/ branch 22 h later
        4: ["incident"],  # I1 in the window
    }
    assert failed[1]["recovery_seconds"] == 27 * H  # 02 Nov 08:00 -> I2 resolved 03 Nov 11:00
    assert failed[2]["recovery_seconds"] == 22 * H  # -> P3 finished
    assert failed[4]["recovery_seconds"] == 5 * H  # -> I1 resolved 15:00
    assert truth.change_failure_rate == [
        {"value_stream_id": "shop", "week_start": WEEK, "deployments": 4, "failed": 3,
         "rate": 0.75},
    ]  # fmt: skip
    # 18000, 79200, 97200
    assert truth.failed_deployment_recovery_time == [
        {"value_stream_id": "shop", "week_start": WEEK, "n": 3, "median": 22 * H,
         "p75": 22 * H + 0.5 * 5 * H, "p95": 22 * H + 0.9 * 5 * H},
    ]  # fmt: skip
    assert truth.time_to_restore == [
        {"value_stream_id": "shop", "week_start": WEEK, "n": 2, "median": 2 * H,
         "p75": 2.5 * H, "p95": 2.9 * H},
    ]  # fmt: skip
    assert truth.deployment_rework_rate == [
        {"value_stream_id": "shop", "week_start": WEEK, "deployments": 4, "rework": 1,
         "rate": 0.25},
    ]  # fmt: skip


def test_rollback_fails_the_deployment_before_it_and_open_incident_leaves_it_unrecovered(org):
    from dataclasses import replace

    rolled = replace(org, deployments={"acme/app": [*org.deployments["acme/app"]]})
    # P5 redeploys m (P2's sha, not the immediately preceding P4's): a rollback of P4.
    rolled.deployments["acme/app"].append(_prod(5, "6", "2026-11-08T10:00"))
    truth = ground_truth(rolled)
    failed = {r["deployment_id"]: r for r in truth.failed_deployments}
    assert failed[4]["reasons"] == ["incident", "rollback"]
    # recovery: the earlier of I1's resolution (07 Nov 15:00) and the rollback (08 Nov 10:00)
    assert failed[4]["recovery_seconds"] == 5 * H
    rework = truth.deployment_rework_rate
    assert [(r["week_start"], r["deployments"], r["rework"]) for r in rework] == [
        (WEEK, 5, 2)  # the hotfix P3 and the rollback P5 (Sunday 8 Nov is still that week)
    ]
    # as of 07 Nov 13:00 I1 is open and nothing followed P4: failed, not recovered
    early = ground_truth(org, as_of=datetime(2026, 11, 7, 13, 0, tzinfo=UTC))
    failed = {r["deployment_id"]: r for r in early.failed_deployments}
    assert failed[4]["recovered_at"] is None and failed[4]["recovery_seconds"] is None


def test_incidents_name_workflow_deployments_by_their_run_id():
    """In a repository that deploys through an Actions workflow, the tools show the run, not
    a GitHub deployment: an incident naming its deployment names the run's id (the id the
    marts know it by), never the generator's internal deployment id."""
    import re

    from ingestion.sandbox import generate_organisation

    org = generate_organisation("medium", seed=7, now=NOW)
    repos = {r.full_name: r for r in org.repositories}
    deployments = {d.deployment_id: d for d in org.all_deployments()}
    checked = 0
    texts = []
    for inc in org.pagerduty.incidents:
        if inc.named == "deployment_id":
            texts.append((inc.repository, inc.caused_by_deployment_id, inc.title, inc.description,
                          *(n.content for n in inc.notes)))  # fmt: skip
    for name, issues in org.issues.items():
        for issue in issues:
            if issue.link_kind == "explicit" and "Suspect deployment" in issue.body:
                texts.append((name, issue.caused_by_deployment_id, issue.body))
    for repository, deployment_id, *parts in texts:
        dep = deployments[deployment_id]
        named = {int(n) for n in re.findall(r"deployment (\d+)", " ".join(parts))}
        assert named == {dep.visible_id(repos[repository])}, (repository, parts)
        if repos[repository].deploy_via == "workflow":
            assert dep.visible_id(repos[repository]) != dep.deployment_id
            checked += 1
    assert checked >= 5  # 8 in this organisation
