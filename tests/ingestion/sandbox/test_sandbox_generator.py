"""The generated organisation: determinism, shape, delivery realism and statistics."""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sandbox_scenarios import NOW

from ingestion.sandbox import generate_organisation, ground_truth
from ingestion.sandbox.generator import TIERS, default_now
from ingestion.sandbox.github_api import GitHubApi

SHA = re.compile(r"^[0-9a-f]{40}$")
BOTS = {"dependabot[bot]", "github-actions[bot]", "web-flow"}


def _responses(org) -> list[bytes]:
    """Every page of every list endpoint, plus statuses and compares of a sample."""
    api = GitHubApi(org, "http://sandbox.test")
    headers = {"Authorization": f"Bearer {api.token}"}
    bodies = []
    for repo in org.repositories:
        name = repo.full_name
        bodies.append(api.handle("GET", f"/repos/{name}", headers).body)
        for endpoint in ("deployments", "commits"):
            page = 1
            while True:
                response = api.handle(
                    "GET", f"/repos/{name}/{endpoint}?per_page=100&page={page}", headers
                )
                bodies.append(response.body)
                if 'rel="next"' not in dict(response.headers).get("Link", ""):
                    break
                page += 1
        deployments = org.deployments[name]
        for dep in deployments[:: max(len(deployments) // 10, 1)]:
            target = f"/repos/{name}/deployments/{dep.deployment_id}/statuses"
            bodies.append(api.handle("GET", target, headers).body)
        shas = [c.sha for c in org.commits[name]]
        target = f"/repos/{name}/compare/{shas[len(shas) // 3]}...{shas[-1]}?per_page=100"
        bodies.append(api.handle("GET", target, headers).body)
    return bodies


def test_same_seed_gives_byte_identical_responses(small_org):
    again = generate_organisation("small", seed=7, now=NOW)
    first, second = _responses(small_org), _responses(again)
    assert len(first) > 100
    assert first == second
    other = _responses(generate_organisation("small", seed=8, now=NOW))
    assert len(other) != len(first) or sum(a != b for a, b in zip(first, other, strict=True)) > 50


def test_different_seed_differs_but_keeps_the_organisation(small_org):
    other = generate_organisation("small", seed=8, now=NOW)
    assert [r.full_name for r in other.repositories] == [
        r.full_name for r in small_org.repositories
    ]
    assert (
        other.commits["acme/payments-api"][-1].sha != small_org.commits["acme/payments-api"][-1].sha
    )
    assert (
        ground_truth(other).production_deployments != ground_truth(small_org).production_deployments
    )


def test_default_now_is_midnight_utc_today():
    now = default_now()
    assert now.tzinfo == UTC and (now.hour, now.minute, now.second) == (0, 0, 0)
    assert now.date() == datetime.now(UTC).date()
    with pytest.raises(ValueError, match="unknown sandbox tier"):
        generate_organisation("huge")


def test_small_tier_is_the_documented_organisation(small_org):
    streams = {s.value_stream_id: s for s in small_org.value_streams}
    assert {k: (s.name, s.timezone, s.team_ids) for k, s in streams.items()} == {
        "payments": ("Payments", "UTC", ("checkout", "billing")),
        "storefront": ("Storefront", "Europe/Berlin", ("catalog", "search")),
    }
    assert {r.full_name: (r.value_stream_id, r.team_id) for r in small_org.repositories} == {
        "acme/payments-api": ("payments", "checkout"),
        "acme/checkout-web": ("payments", "checkout"),
        "acme/billing-service": ("payments", "billing"),
        "acme/catalog-api": ("storefront", "catalog"),
        "acme/storefront-web": ("storefront", "catalog"),
        "acme/search-service": ("storefront", "search"),
    }
    summary = small_org.summary()
    assert summary["engineers"] == 30 and summary["teams"] == 4
    first_commit = min(c.committed_ts for cs in small_org.commits.values() for c in cs[1:])
    assert 360 <= (small_org.now_ts - first_commit) / 86_400 <= 366
    envs = {
        name: {d.environment for d in deps if not d.environment.startswith("preview-")}
        for name, deps in small_org.deployments.items()
    }
    assert envs["acme/search-service"] == {"stage", "prod"}
    assert envs["acme/payments-api"] == {"staging", "production"}


def test_tier_table_shapes():
    assert (TIERS["medium"].value_streams, TIERS["medium"].engineers) == (6, 150)
    assert (TIERS["large"].value_streams, TIERS["large"].engineers) == (20, 1000)
    started = time.perf_counter()
    medium = generate_organisation("medium", seed=7, now=NOW)
    assert time.perf_counter() - started < 10
    summary = medium.summary()
    assert summary["value_streams"] == 6 and summary["engineers"] == 150
    assert len({r.full_name for r in medium.repositories}) == summary["repositories"]
    span = medium.now_ts - min(c.committed_ts for cs in medium.commits.values() for c in cs[1:])
    assert 725 <= span / 86_400 <= 731


def test_small_tier_generates_fast():
    started = time.perf_counter()
    generate_organisation("small", seed=11, now=NOW)
    assert time.perf_counter() - started < 2


def test_default_branch_is_a_realistic_dag(small_org):
    for name, commits in small_org.commits.items():
        team = next(t for t in small_org.teams if t.team_id == small_org.repository(name).team_id)
        by_sha = {c.sha: c for c in commits}
        assert len(by_sha) == len(commits)
        kinds = Counter()
        for commit in commits:
            assert SHA.match(commit.sha) and all(p in by_sha for p in commit.parents)
            assert commit.author_login in team.members or commit.author_login in BOTS
            assert commit.committed_ts <= small_org.now_ts and commit.landed_ts <= small_org.now_ts
            assert all(by_sha[p].landed_seq < commit.landed_seq for p in commit.parents)
            if len(commit.parents) == 2:
                kinds["merge"] += 1
                # the second parent is a short branch authored before the merge
                branch, tip = [], by_sha[commit.parents[1]]
                while not tip.first_parent:
                    branch.append(tip)
                    tip = by_sha[tip.parents[0]]
                assert 1 <= len(branch) <= 5
                assert all(b.authored_ts < commit.committed_ts for b in branch)
            elif commit.committer_login == "web-flow":
                kinds["squash_or_rebase"] += 1
            elif commit.parents:
                kinds["direct"] += 1
        assert kinds["merge"] > 10 and kinds["squash_or_rebase"] > 10 and kinds["direct"] > 3
        methods = Counter(pr.merge_method for pr in small_org.pull_requests[name])
        assert methods["squash"] > 5 and methods["rebase"] > 2
        squashed = [pr for pr in small_org.pull_requests[name] if pr.merge_method == "squash"]
        assert max(len(pr.commits) for pr in squashed) > 1  # PR commits kept apart from main


def test_nothing_happens_after_now(small_org):
    for deps in small_org.deployments.values():
        for dep in deps:
            assert dep.created_ts <= small_org.now_ts
            assert all(s.created_ts <= small_org.now_ts for s in dep.statuses)
            assert [s.state for s in dep.statuses][:1] == ["queued"]


def test_delivery_statistics(small_org):
    truth = ground_truth(small_org)
    production = Counter(r["repository"] for r in truth.production_deployments)
    assert set(production) == {r.full_name for r in small_org.repositories}
    attempts = [a for a in truth.deployment_attempts if a["final_state"] is not None]
    failed = sum(a["final_state"] in ("failure", "error") for a in attempts)
    assert 0.02 <= failed / len(attempts) <= 0.30
    kinds = Counter(d.kind for deps in small_org.deployments.values() for d in deps)
    assert kinds["retry"] >= 5 and kinds["rollback"] >= 2 and kinds["preview"] >= 3
    counts = [r["commit_count"] for r in truth.deployment_ranges if r["range_known"]]
    assert sum(c > 1 for c in counts) > 50  # batched deployments
    assert 0 in counts  # rollbacks ship nothing new
    # cadence differs per team: checkout ships several times a week, search about weekly
    weekly = {}
    for stream_repo in ("acme/payments-api", "acme/search-service"):
        weekly[stream_repo] = production[stream_repo] / 52
    assert weekly["acme/payments-api"] > 4 and 0.5 < weekly["acme/search-service"] < 1.6
    # the catalog team improves over the year
    catalog = sorted(
        r["finished_at"]
        for r in truth.production_deployments
        if r["repository"] == "acme/catalog-api"
    )
    first_quarter = datetime.fromtimestamp(small_org.now_ts - 273 * 86_400, UTC)
    last_quarter = datetime.fromtimestamp(small_org.now_ts - 91 * 86_400, UTC)
    early = sum(t < first_quarter for t in catalog)
    late = sum(t >= last_quarter for t in catalog)
    assert late > 2.5 * early > 0
    storefront = [
        r["deployments"] for r in truth.deployment_frequency if r["value_stream_id"] == "storefront"
    ]
    assert statistics.mean(storefront[-8:]) > statistics.mean(storefront[:8])


def test_truth_ranges_match_the_served_compare(small_org):
    """The ground truth (generator bookkeeping) agrees with a walk of the served DAG."""
    truth = ground_truth(small_org)
    api = GitHubApi(small_org, "http://sandbox.test")
    headers = {"Authorization": f"token {api.token}"}
    expected: dict[int, set[str]] = {}
    for row in truth.deployment_commits:
        expected.setdefault(row["deployment_id"], set()).add(row["sha"])
    checked = 0
    for row in truth.deployment_ranges:
        if not row["range_known"]:
            continue
        shas: set[str] = set()
        page = 1
        while True:
            basehead = f"{row['base_sha']}...{row['head_sha']}"
            target = f"/repos/{row['repository']}/compare/{basehead}?per_page=100&page={page}"
            body = api.handle("GET", target, headers).json()
            shas.update(c["sha"] for c in body["commits"])
            if page * 100 >= body["ahead_by"]:
                break
            page += 1
        assert body["ahead_by"] == row["commit_count"]
        assert shas == expected.get(row["deployment_id"], set())
        checked += 1
    assert checked == len(truth.production_deployments) - len(small_org.repositories)
