"""GitHub REST beyond deployments: pulls, reviews, pull commits, workflow runs, check runs,
releases, issues and /rate_limit; shapes against the OpenAPI description, filters, and
records that change as the clock moves."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from test_sandbox_github_api import get, schema_errors, validate

from ingestion.sandbox import ground_truth
from ingestion.sandbox.github_api import GitHubApi


@pytest.fixture(scope="module")
def api(small_org) -> GitHubApi:
    return GitHubApi(small_org, "http://127.0.0.1:1")


def _all_pages(api: GitHubApi, target: str, key: str | None = None) -> list[dict]:
    items: list[dict] = []
    page = 1
    sep = "&" if "?" in target else "?"
    while True:
        response = get(api, f"{target}{sep}per_page=100&page={page}")
        assert response.status == 200, response.body[:200]
        body = response.json()
        items.extend(body[key] if key else body)
        if 'rel="next"' not in dict(response.headers).get("Link", ""):
            return items
        page += 1


def test_new_endpoints_validate_against_openapi(api, small_org):
    repo = "acme/checkout-web"
    merged = small_org.pull_requests[repo][10]
    still_open = next(
        p for p in small_org.unmerged_pull_requests[repo] if p.state_at(small_org.now_ts) == "open"
    )
    targets = [
        f"/repos/{repo}/pulls?state=all&sort=updated&direction=desc&per_page=7",
        f"/repos/{repo}/pulls",
        f"/repos/{repo}/pulls/{merged.number}",
        f"/repos/{repo}/pulls/{still_open.number}",
        f"/repos/{repo}/pulls/{merged.number}/reviews",
        f"/repos/{repo}/pulls/{merged.number}/commits",
        f"/repos/{repo}/commits/{merged.commits[-1].sha}/check-runs",
        f"/repos/{repo}/commits/main/check-runs",
        f"/repos/{repo}/releases?per_page=5",
        f"/repos/{repo}/issues?labels=incident&state=all&per_page=5",
        f"/repos/{repo}/issues?since=2026-11-01T00:00:00Z&state=all&sort=updated",
        f"/repos/{repo}/actions/runs",
        "/rate_limit",
        f"/repos/{repo}/pulls/99999",
        f"/repos/{repo}/releases?page=99",
        f"/repos/{repo}/pulls?state=bogus",
    ]
    for target in targets:
        response = get(api, target)
        assert response.status in (200, 404, 422), (target, response.body[:300])
        validate(target, response)
    body = get(api, f"/repos/{repo}/pulls/{merged.number}").json()
    assert body["merged"] is True and body["merge_commit_sha"] == merged.merge_commit_sha
    assert body["commits"] == len(merged.commits)
    assert get(api, f"/repos/{repo}/pulls/{still_open.number}").json()["merged_at"] is None


def test_pulls_state_sort_and_direction(api, small_org):
    repo = "acme/payments-api"
    now = small_org.now_ts
    everything = _all_pages(api, f"/repos/{repo}/pulls?state=all")
    total = len(small_org.pull_requests[repo]) + len(small_org.unmerged_pull_requests[repo])
    assert len(everything) == total == len({p["number"] for p in everything})
    # default: sort=created, newest first
    created = [p["created_at"] for p in everything]
    assert created == sorted(created, reverse=True)
    open_now = _all_pages(api, f"/repos/{repo}/pulls")
    expected_open = [p for p in small_org.unmerged_pull_requests[repo] if p.state_at(now) == "open"]
    assert {p["number"] for p in open_now} == {p.number for p in expected_open}
    assert all(p["state"] == "open" and p["merged_at"] is None for p in open_now)
    assert 3 <= len(open_now) <= 60  # open PRs at now
    closed = _all_pages(api, f"/repos/{repo}/pulls?state=closed")
    assert len(closed) + len(open_now) == total
    # closed without merge exists, and drafts among the open ones
    assert any(p["merged_at"] is None for p in closed)
    assert any(p["draft"] for p in _all_pages(api, "/repos/acme/catalog-api/pulls"))
    # sort=updated defaults to ascending; direction=desc reverses it
    updated = get(api, f"/repos/{repo}/pulls?state=all&sort=updated&per_page=100").json()
    stamps = [p["updated_at"] for p in updated]
    assert stamps == sorted(stamps)
    newest = get(api, f"/repos/{repo}/pulls?state=all&sort=updated&direction=desc").json()
    assert [p["updated_at"] for p in newest] == sorted(
        (p["updated_at"] for p in everything), reverse=True
    )[:30]
    assert get(api, f"/repos/{repo}/pulls?state=bogus").status == 422


def test_reviews_are_realistic(small_org, api):
    prs = [p for ps in small_org.pull_requests.values() for p in ps]
    states = Counter(r.state for p in prs for r in p.reviews)
    assert set(states) == {"APPROVED", "CHANGES_REQUESTED", "COMMENTED"}
    bots = Counter(
        r.reviewer_login for p in prs for r in p.reviews if r.reviewer_login.endswith("]")
    )
    assert bots  # a review bot comments on some PRs
    unapproved = [p for p in prs if not any(r.state == "APPROVED" for r in p.reviews)]
    assert 0.02 < len(unapproved) / len(prs) < 0.2  # some merged without approval
    for pr in prs[:300]:
        for review in pr.reviews:
            assert pr.created_ts < review.submitted_ts < pr.merged_ts
            assert review.reviewer_login != pr.author_login
    pr = next(p for p in small_org.pull_requests["acme/catalog-api"] if len(p.reviews) >= 2)
    body = get(api, f"/repos/acme/catalog-api/pulls/{pr.number}/reviews").json()
    assert [r["state"] for r in body] == [r.state for r in pr.reviews]
    assert body[0]["commit_id"] == pr.commits[-1].sha
    commits = get(api, f"/repos/acme/catalog-api/pulls/{pr.number}/commits").json()
    assert [c["sha"] for c in commits] == [c.sha for c in pr.commits]


def test_work_item_keys_in_titles_or_branches(small_org):
    if small_org.jira is None:
        pytest.skip("the Jira side is not installed")
    keys = {i.key for i in small_org.jira.issues}
    human = [
        p
        for ps in small_org.pull_requests.values()
        for p in ps
        if not p.author_login.endswith("[bot]")
    ]
    linked = [p for p in human if p.work_item_key]
    assert 0.75 < len(linked) / len(human) < 0.98  # most PRs name a work item, some do not
    for pr in linked:
        assert pr.work_item_key in keys
        assert pr.work_item_key in pr.title or pr.work_item_key in pr.head_ref
    places = Counter("title" if p.work_item_key in p.title else "branch" for p in linked)
    assert places["title"] > 50 and places["branch"] > 50


def test_hotfixes_follow_bad_deployments_and_skewed_commits_exist(small_org):
    truth = ground_truth(small_org)
    hotfixes = [p for ps in small_org.pull_requests.values() for p in ps if p.is_hotfix]
    assert len(hotfixes) >= 5
    assert any(p.head_ref.startswith("hotfix/") for p in hotfixes)
    assert any("hotfix" in p.labels for p in hotfixes)
    hotfix_deploys = [d for ds in small_org.deployments.values() for d in ds if d.kind == "hotfix"]
    assert len(hotfix_deploys) >= 5
    reasons = Counter(r for f in truth.failed_deployments for r in f["reasons"])
    assert reasons["hotfix"] >= 5 and reasons["rollback"] >= 5 and reasons["incident"] >= 5
    # a few commits authored after they were deployed (clock skew)
    assert 1 <= len(truth.lead_time_exclusions) <= 60


def test_check_runs_pass_and_fail(api, small_org):
    conclusions = Counter()
    for pr in small_org.pull_requests["acme/payments-api"][:150]:
        body = get(api, f"/repos/acme/payments-api/commits/{pr.commits[-1].sha}/check-runs").json()
        assert body["total_count"] == 3 == len(body["check_runs"])
        conclusions.update(c["conclusion"] for c in body["check_runs"])
    assert conclusions["success"] > 300 and conclusions["failure"] >= 1
    filtered = get(api, "/repos/acme/payments-api/commits/main/check-runs?check_name=test").json()
    assert [c["name"] for c in filtered["check_runs"]] == ["test"]
    assert get(api, "/repos/acme/payments-api/commits/nope123/check-runs").status == 422


def test_issues_labels_since_and_pull_requests(api, small_org):
    repo = "acme/search-service"
    incidents = _all_pages(api, f"/repos/{repo}/issues?labels=incident&state=all")
    expected = [i for i in small_org.issues[repo] if i.is_incident]
    assert len(incidents) == len(expected) > 0
    assert all("incident" in [label["name"] for label in i["labels"]] for i in incidents)
    everything = _all_pages(api, f"/repos/{repo}/issues?state=all")
    pulls = [i for i in everything if "pull_request" in i]
    assert len(pulls) == len(small_org.pull_requests[repo]) + len(
        small_org.unmerged_pull_requests[repo]
    )
    assert len({i["number"] for i in everything}) == len(everything)
    since = "2026-11-10T00:00:00Z"
    recent = _all_pages(api, f"/repos/{repo}/issues?state=all&since={since}")
    assert recent and all(i["updated_at"] >= since for i in recent)
    assert len(recent) == sum(i["updated_at"] >= since for i in everything)
    open_only = _all_pages(api, f"/repos/{repo}/issues")
    assert open_only and all(i["state"] == "open" for i in open_only)
    for item in everything[:50]:
        assert schema_errors("issue", item) == []


def test_releases_newest_first(api, small_org):
    body = _all_pages(api, "/repos/acme/billing-service/releases")
    assert len(body) == len(small_org.releases["acme/billing-service"]) > 3
    published = [r["published_at"] for r in body]
    assert published == sorted(published, reverse=True)
    assert body[-1]["tag_name"].startswith("v1.")


def test_workflow_runs_instead_of_deployments(small_org):
    """A repository that deploys through an Actions workflow serves runs, no deployments."""
    repos = [
        replace(r, deploy_via="workflow") if r.name == "billing-service" else r
        for r in small_org.repositories
    ]
    api = GitHubApi(replace(small_org, repositories=repos), "http://sandbox.test")
    assert get(api, "/repos/acme/billing-service/deployments").json() == []
    runs = _all_pages(api, "/repos/acme/billing-service/actions/runs", "workflow_runs")
    deployments = small_org.deployments["acme/billing-service"]
    assert len(runs) == len(deployments)
    names = Counter(r["name"] for r in runs)
    assert set(names) >= {"Deploy production", "Deploy staging"}
    production = [d for d in deployments if d.environment == "production"]
    assert names["Deploy production"] == len(production)
    by_id = {r["id"]: r for r in runs}
    for dep in production[:40]:
        run = by_id[int(dep.statuses[0].log_url_path.rsplit("/", 1)[1])]
        expected = {"success": "success", "failure": "failure", "error": "cancelled"}
        assert run["conclusion"] == expected[dep.final_state]
        assert run["head_sha"] == dep.sha and run["status"] == "completed"
        assert run["path"] == ".github/workflows/deploy-production.yml"
    target = "/repos/acme/billing-service/actions/runs?status=failure&per_page=100"
    failures = get(api, target)
    validate(target, failures)
    assert {r["conclusion"] for r in failures.json()["workflow_runs"]} == {"failure"}
    created = get(
        api, "/repos/acme/billing-service/actions/runs?created=2026-11-01..2026-11-22&per_page=100"
    ).json()
    assert created["total_count"] == sum(
        datetime(2026, 11, 1, tzinfo=UTC).timestamp()
        <= d.created_ts
        <= datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC).timestamp()
        for d in deployments
    )


def test_pull_requests_update_as_the_clock_moves(small_org):
    api = GitHubApi(small_org, "http://sandbox.test")
    repo = "acme/checkout-web"
    pr = next(p for p in small_org.pull_requests[repo] if len(p.reviews) >= 2)
    target = f"/repos/{repo}/pulls/{pr.number}"
    api.clock = datetime.fromtimestamp(pr.created_ts, UTC)
    before = get(api, target).json()
    assert before["state"] == "open" and before["merged_at"] is None
    assert get(api, f"{target}/reviews").json() == []
    api.clock = datetime.fromtimestamp(pr.reviews[0].submitted_ts, UTC)
    assert len(get(api, f"{target}/reviews").json()) == 1
    assert get(api, target).json()["updated_at"] > before["updated_at"]
    assert pr.merged_ts is not None
    api.clock = datetime.fromtimestamp(pr.merged_ts, UTC)
    after = get(api, target).json()
    assert after["state"] == "closed" and after["merged_at"] == after["closed_at"]
    # an open PR at now collects reviews after now: a later clock sees them
    api.clock = small_org.now
    pending = next(
        p
        for ps in small_org.unmerged_pull_requests.values()
        for p in ps
        if p.closed_ts is None and any(r.submitted_ts > small_org.now_ts for r in p.reviews)
    )
    name = f"/repos/{pending.repository}/pulls/{pending.number}"
    at_now = get(api, name).json()["updated_at"]
    api.clock = small_org.now + timedelta(days=5)
    assert get(api, name).json()["updated_at"] > at_now
    assert len(get(api, f"{name}/reviews").json()) == len(pending.reviews)


def test_same_seed_same_answers_everywhere(small_org):
    """Byte for byte: the new endpoints, GraphQL and the ground truth."""
    import json

    from sandbox_scenarios import NOW

    from ingestion.sandbox import generate_organisation

    def answers(org) -> list[bytes]:
        api = GitHubApi(org, "http://sandbox.test")
        headers = {"Authorization": f"Bearer {api.token}"}
        out = []
        for repo in ("acme/checkout-web", "acme/search-service"):
            for target in (
                f"/repos/{repo}/pulls?state=all&per_page=100&page=2",
                f"/repos/{repo}/pulls?state=all&sort=updated&direction=desc&per_page=100",
                f"/repos/{repo}/issues?state=all&per_page=100",
                f"/repos/{repo}/releases?per_page=100",
                f"/repos/{repo}/pulls/40/reviews",
                f"/repos/{repo}/commits/main/check-runs",
            ):
                out.append(api.handle("GET", target, headers).body)
            name = repo.split("/")[1]
            query = {
                "query": f'{{ repository(owner: "acme", name: "{name}") '
                "{ pullRequests(first: 100) "
                "{ nodes { number title updatedAt reviews(first: 5) { nodes { state } } } } } }"
            }
            out.append(api.handle("POST", "/graphql", headers, json.dumps(query).encode()).body)
        out.append(ground_truth(org).to_json().encode())
        return out

    again = generate_organisation("small", seed=7, now=NOW)
    assert answers(small_org) == answers(again)
    other = generate_organisation("small", seed=8, now=NOW)
    assert sum(a != b for a, b in zip(answers(small_org), answers(other), strict=True)) >= 10


def test_incident_issues_name_what_caused_them(small_org):
    """Explicit incidents name the sha, the deployment id or a PR the deployment shipped."""
    import re

    truth = ground_truth(small_org)
    shipped_by = {}
    for row in truth.pull_request_stages:
        shipped_by[(row["repository"], row["number"])] = row["deployment_id"]
    deployments = {d.deployment_id: d for ds in small_org.deployments.values() for d in ds}
    kinds = Counter()
    for name, issues in small_org.issues.items():
        for issue in issues:
            if issue.link_kind != "explicit":
                continue
            dep = deployments[issue.caused_by_deployment_id]
            pr = re.search(r"#(\d+)", issue.body)
            if dep.sha[:7] in issue.body:
                kinds["sha"] += 1
            elif str(dep.deployment_id) in issue.body:
                kinds["deployment"] += 1
            else:
                assert pr is not None, issue.body
                assert shipped_by[(name, int(pr.group(1)))] == dep.deployment_id
                kinds["pull request"] += 1
    assert kinds["sha"] and kinds["deployment"] and kinds["pull request"], kinds


def test_pull_requests_and_issues_share_one_numbering_by_creation(small_org):
    for repo in small_org.repositories:
        name = repo.full_name
        records = [
            *small_org.pull_requests[name],
            *small_org.unmerged_pull_requests[name],
            *small_org.issues[name],
        ]
        by_creation = sorted(records, key=lambda r: (r.created_ts, r.number))
        assert [r.number for r in by_creation] == list(range(1, len(records) + 1))
        pulls = {p.number: p for p in small_org.pull_requests[name]}
        for commit in small_org.commits[name]:
            if commit.message.startswith("Merge pull request #"):
                pr = pulls[commit.pull_number]
                assert commit.message.startswith(
                    f"Merge pull request #{pr.number} from acme/{pr.head_ref}\n"
                )
        for dep in small_org.deployments[name]:
            if dep.kind == "preview":
                pr = pulls[int(dep.environment.removeprefix("preview-"))]
                assert dep.ref == pr.head_ref
