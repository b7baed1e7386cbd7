"""Pull requests (GraphQL), reviews, pull-request commits, check runs, releases, issues and
workflow runs from the sandbox's GitHub, through dlt into a temporary DuckDB: counts and
fields against the generated records, a second run that changes nothing, and a run a day
later that reads only what changed."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from github_test_support import NOW, query, snapshot

from ingestion.config import load_config
from ingestion.pipelines import github_pipeline, github_source_from_config
from ingestion.sandbox import Faults, SandboxServer, ground_truth
from ingestion.sandbox.model import PullRequest, check_runs_for
from ingestion.sources.github import ACTIVITY_RESOURCES, CORE_RESOURCES, github_source
from ingestion.sources.github.settings import DEPLOYMENTS_OVERLAP_DAYS

ROOT = Path(__file__).resolve().parents[3]
TABLES = CORE_RESOURCES + tuple(t for t in ACTIVITY_RESOURCES if t != "workflow_runs")
KEYS = {
    "pull_requests": "repository, number",
    "pull_request_reviews": "id",
    "pull_request_commits": "repository, pull_request_number, sha",
    "check_runs": "id",
    "releases": "id",
    "issues": "repository, number",
}
# Friday to Saturday: the sandbox's organisation rests on Sundays, and NOW is a Monday.
DAY_BEFORE = NOW - timedelta(days=3)
LATER = DAY_BEFORE + timedelta(days=1)
RELEASES = "/repos/{owner}/{repo}/releases"
PER_PULL_REST = (
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
    "/repos/{owner}/{repo}/pulls/{pull_number}/commits",
    "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
)


def pulls_at(org, clock: datetime) -> list[PullRequest]:
    ts = int(clock.timestamp())
    return [
        pr
        for repo in org.repositories
        for pr in org.pull_requests.get(repo.full_name, [])
        + org.unmerged_pull_requests.get(repo.full_name, [])
        if pr.created_ts <= ts
    ]


@pytest.fixture(scope="module")
def loads(server, token, tmp_path_factory):
    """Two runs at DAY_BEFORE, then one a day later (LATER)."""
    base = tmp_path_factory.mktemp("github-entities")
    warehouse = base / "warehouse.duckdb"
    pipeline = github_pipeline(warehouse, base / "dlt")
    config = load_config(ROOT / "valuestream.yml")

    def run() -> tuple[dict[str, int], dict[str, int]]:
        server.reset_counts()
        source = github_source_from_config(config, api_url=server.github_api_url, all_entities=True)
        pipeline.run(source).raise_on_failed_jobs()
        rows = dict(pipeline.last_trace.last_normalize_info.row_counts)
        return dict(server.request_counts), rows

    try:
        server.clock = DAY_BEFORE
        first_requests, _ = run()
        first = snapshot(warehouse, TABLES)
        second_requests, second_rows = run()
        second = snapshot(warehouse, TABLES)
        server.clock = LATER
        later_requests, later_rows = run()
    finally:
        server.clock = NOW
    return {
        "warehouse": warehouse,
        "first": first,
        "first_requests": first_requests,
        "second": second,
        "second_requests": second_requests,
        "second_rows": second_rows,
        "later_requests": later_requests,
        "later_rows": later_rows,
    }


def changed_repositories(org, before: int, after: int) -> dict[str, set[str]]:
    """The repositories with a change of each REST list's kind in `(before, after]`: a
    deployment created, or given a status while in the re-read window (created since the
    newest one loaded minus the overlap), a release published, an issue opened or closed."""
    overlap = int(DEPLOYMENTS_OVERLAP_DAYS * 86400)
    deployments = set()
    for repo in org.repositories:
        if repo.deploy_via == "workflow":
            continue
        own = [d for d in org.deployments.get(repo.full_name, []) if d.created_ts <= after]
        loaded = [d.created_ts for d in own if d.created_ts <= before]
        start = max(loaded) - overlap if loaded else 0
        if any(
            before < d.created_ts
            or d.created_ts >= start
            and any(before < s.created_ts <= after for s in d.statuses)
            for d in own
        ):
            deployments.add(repo.full_name)
    releases = {
        r.repository for rs in org.releases.values() for r in rs if before < r.published_ts <= after
    }
    issues = {
        i.repository
        for items in org.issues.values()
        for i in items
        if i.created_ts <= after and before < i.updated_at(after)
    }
    return {"deployments": deployments, "releases": releases, "issues": issues}


def count(warehouse: Path, table: str) -> int:
    return query(warehouse, f"select count(*) from raw_github.{table}")[0][0]


def test_counts_equal_the_sandbox(org, server, loads):
    warehouse = loads["warehouse"]
    now = int(LATER.timestamp())
    truth = ground_truth(org, as_of=LATER)
    prs = pulls_at(org, LATER)
    assert count(warehouse, "pull_requests") == len(prs)
    assert count(warehouse, "pull_request_reviews") == sum(
        1 for pr in prs for r in pr.reviews if r.submitted_ts <= now
    )
    assert count(warehouse, "pull_request_commits") == sum(len(pr.commits[:250]) for pr in prs)
    assert count(warehouse, "releases") == sum(
        1 for rs in org.releases.values() for r in rs if r.published_ts <= now
    )
    issues = [i for items in org.issues.values() for i in items if i.created_ts <= now]
    assert count(warehouse, "issues") == len(issues)
    assert query(warehouse, "select count(*) from raw_github.issues where is_incident")[0][0] == (
        sum(1 for i in issues if i.is_incident)
    )

    # check runs of every sha a successful production deployment shipped
    expected_runs = 0
    for repository, sha in {(d["repository"], d["sha"]) for d in truth.production_deployments}:
        index = server.github._repos[repository.lower()]
        if sha not in index.checked_shas:
            continue
        commit = index.by_sha[sha]
        runs = check_runs_for(repository, sha, commit.committed_ts, sha in index.pr_heads)
        expected_runs += sum(1 for run in runs if run[2] <= now)
    assert expected_runs > 0
    assert count(warehouse, "check_runs") == expected_runs


def test_fields_are_flattened_and_in_utc(org, loads):
    warehouse = loads["warehouse"]
    now = int(LATER.timestamp())
    pr = next(
        p
        for p in org.pull_requests["acme/payments-api"]
        if p.labels and len(p.reviews) >= 2 and p.merged_ts and p.merged_ts < now
    )
    row = query(
        warehouse,
        "select state, is_draft, author_login, head_ref, base_ref, created_at, merged_at, "
        "closed_at, merge_commit_sha, labels, id, title from raw_github.pull_requests "
        f"where repository = 'acme/payments-api' and number = {pr.number}",
    )[0]
    assert row == (
        "merged",
        False,
        pr.author_login,
        pr.head_ref,
        "main",
        datetime.fromtimestamp(pr.created_ts, UTC),
        datetime.fromtimestamp(pr.merged_ts, UTC),
        datetime.fromtimestamp(pr.closed_ts or pr.merged_ts, UTC),
        pr.merge_commit_sha,
        json.dumps(sorted(pr.labels)),
        pr.pull_id,
        pr.title,
    )
    reviews = query(
        warehouse,
        "select id, state, submitted_at, author_login, author_is_bot "
        "from raw_github.pull_request_reviews "
        f"where repository = 'acme/payments-api' and pull_request_number = {pr.number} "
        "order by submitted_at, id",
    )
    assert reviews == [
        (
            r.review_id,
            r.state.lower(),
            datetime.fromtimestamp(r.submitted_ts, UTC),
            r.reviewer_login,
            r.reviewer_login.endswith("[bot]"),
        )
        for r in sorted(pr.reviews, key=lambda r: (r.submitted_ts, r.review_id))
    ]
    commits = query(
        warehouse,
        "select sha, position, authored_at, committed_at, message_headline, author_login "
        "from raw_github.pull_request_commits "
        f"where repository = 'acme/payments-api' and pull_request_number = {pr.number} "
        "order by position",
    )
    assert commits == [
        (
            c.sha,
            i,
            datetime.fromtimestamp(c.authored_ts, UTC),
            datetime.fromtimestamp(c.committed_ts, UTC),
            c.message.split("\n", 1)[0],
            c.author_login,
        )
        for i, c in enumerate(pr.commits)
    ]
    bots = query(
        warehouse,
        "select distinct author_login from raw_github.pull_request_reviews where author_is_bot",
    )
    assert all(login.endswith("[bot]") for (login,) in bots)

    incident = next(
        i for items in org.issues.values() for i in items if i.is_incident and i.created_ts < now
    )
    issue = query(
        warehouse,
        "select is_incident, labels, title, author_login, created_at from raw_github.issues "
        f"where repository = '{incident.repository}' and number = {incident.number}",
    )[0]
    assert issue == (
        True,
        json.dumps(sorted(incident.labels)),
        incident.title,
        incident.author_login,
        datetime.fromtimestamp(incident.created_ts, UTC),
    )
    release = next(r for rs in org.releases.values() for r in rs if r.published_ts < now)
    assert query(
        warehouse,
        "select repository, tag_name, target_commitish, published_at from raw_github.releases "
        f"where id = {release.release_id}",
    ) == [
        (
            release.repository,
            release.tag_name,
            release.sha,
            datetime.fromtimestamp(release.published_ts, UTC),
        )
    ]
    conclusions = dict(
        query(warehouse, "select conclusion, count(*) from raw_github.check_runs group by all")
    )
    assert set(conclusions) <= {"success", "failure"}
    types = dict(
        query(
            warehouse,
            "select table_name || '.' || column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_github'",
        )
    )
    for column in (
        "pull_requests.updated_at",
        "pull_request_reviews.submitted_at",
        "pull_request_commits.authored_at",
        "check_runs.completed_at",
        "releases.published_at",
        "issues.closed_at",
    ):
        assert types[column] == "TIMESTAMP WITH TIME ZONE", column
    assert types["pull_requests.is_draft"] == "BOOLEAN"
    assert types["pull_request_reviews.id"] == "BIGINT"


def test_second_run_adds_and_changes_nothing(org, loads):
    assert loads["second"] == loads["first"]
    for table, key in KEYS.items():
        duplicates = query(
            loads["warehouse"],
            f"select {key}, count(*) from raw_github.{table} group by all having count(*) > 1",
        )
        assert duplicates == [], table
    # what the second run asked for: one GraphQL query for every repository's pull
    # requests, deployments with statuses, releases, issues and history page, whose
    # change-check finds nothing new, so no REST list (deployments, issues, releases) and
    # nothing per record; the deploy workflow's runs are REST's alone
    requests = loads["second_requests"]
    assert not any(endpoint in requests for endpoint in PER_PULL_REST)
    assert requests.get("/repos/{owner}/{repo}/commits/{ref}/check-runs", 0) == 0
    assert requests.get("/repos/{owner}/{repo}/commits", 0) == 0
    for endpoint in ("deployments", "issues", "releases"):
        assert f"/repos/{{owner}}/{{repo}}/{endpoint}" not in requests, endpoint
    assert requests["/graphql"] == 1
    workflows = sum(1 for r in org.repositories if r.deploy_via == "workflow")
    assert sum(requests.values()) == 1 + requests.get("/repos/{owner}/{repo}/actions/runs", 0)
    assert requests.get("/repos/{owner}/{repo}/actions/runs", 0) <= workflows


def test_a_day_later_reads_only_what_changed(org, loads):
    requests = loads["later_requests"]
    assert not any(endpoint in requests for endpoint in PER_PULL_REST)
    # GraphQL: one query for every repository's changed pull requests, deployments with
    # statuses, releases, issues and history page (a day of changes fits these first small
    # pages; another history query while a merged branch's chain is open), one for the
    # check runs of the shas deployed since; a REST list only for the repositories whose
    # probe shows a change of its kind (`changes`), one page each.
    assert "/repos/{owner}/{repo}/commits/{ref}/check-runs" not in requests
    assert "/repos/{owner}/{repo}/commits" not in requests
    assert 2 <= requests["/graphql"] <= 3
    changed = changed_repositories(org, int(DAY_BEFORE.timestamp()), int(LATER.timestamp()))
    for endpoint, repositories in changed.items():
        assert requests.get(f"/repos/{{owner}}/{{repo}}/{endpoint}", 0) == len(repositories)
    deployed = {
        (d.repository, d.sha)
        for d in org.all_deployments()
        if DAY_BEFORE.timestamp() - 3 * 86400 <= d.created_ts <= LATER.timestamp()
    }
    assert 0 < loads["later_rows"]["check_runs"] <= 3 * len(deployed)
    # (a range reaching behind the commits read this run asks the compare endpoint)
    compares = requests.get("/repos/{owner}/{repo}/compare/{basehead}", 0)
    workflows = sum(1 for r in org.repositories if r.deploy_via == "workflow")
    assert sum(requests.values()) - compares <= 3 + sum(map(len, changed.values())) + workflows
    # (the small tier's full load is a few hundred requests; what is left of a day's run
    # is the changed repositories' REST pages)
    assert sum(requests.values()) <= 0.05 * sum(loads["first_requests"].values())

    # exactly the pull requests updated since the cursor minus the 24-hour overlap
    day_before = int(DAY_BEFORE.timestamp())
    later = int(LATER.timestamp())
    expected = 0
    for repo in org.repositories:
        before = [p for p in pulls_at(org, DAY_BEFORE) if p.repository == repo.full_name]
        start = max(p.updated_at(day_before) for p in before) - 24 * 3600
        expected += sum(
            1
            for p in pulls_at(org, LATER)
            if p.repository == repo.full_name and p.updated_at(later) >= start
        )
    assert loads["later_rows"]["pull_requests"] == expected
    changed = [p for p in pulls_at(org, LATER) if p.updated_at(later) != p.updated_at(day_before)]
    assert 0 < len(changed) <= expected


@pytest.fixture(scope="module")
def workflow_org(org):
    """The organisation with checkout-web deploying through an Actions workflow."""
    repos = [
        dataclasses.replace(r, deploy_via="workflow") if r.name == "checkout-web" else r
        for r in org.repositories
    ]
    return dataclasses.replace(org, repositories=repos)


def test_workflow_runs_of_the_deploy_workflow(workflow_org, tmp_path, monkeypatch):
    repo = "acme/checkout-web"
    with SandboxServer(workflow_org) as server:
        monkeypatch.setenv("SOURCES__GITHUB__ACCESS_TOKEN", server.github_token)
        pipeline = github_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")

        def run() -> None:
            source = github_source(
                [repo],
                api_url=server.github_api_url,
                deploy_workflow_patterns={repo: "^deploy (production|staging)$"},
            ).with_resources("workflow_runs")
            pipeline.run(source).raise_on_failed_jobs()

        server.clock = DAY_BEFORE
        run()
        server.clock = NOW
        server.reset_counts()
        run()
        later = dict(server.request_counts)
    rows = query(
        tmp_path / "warehouse.duckdb",
        "select name, count(*) from raw_github.workflow_runs group by all",
    )
    deployments = [
        d
        for d in workflow_org.deployments[repo]
        if d.created_ts <= int(NOW.timestamp()) and not d.transient_environment
    ]
    assert Counter(dict(rows)) == Counter(f"Deploy {d.environment}" for d in deployments)
    assert later["/repos/{owner}/{repo}/actions/runs"] == 1


def test_deploy_environment_from_the_workflow_name():
    import re

    from ingestion.sources.github.activity import deploy_environment

    def env(pattern: str, name: str) -> str | None:
        return deploy_environment(re.compile(pattern, re.IGNORECASE), name)

    assert env("^Deploy ", "Deploy production") == "production"
    assert env("^deploy ", "Deploy  prod ") == "prod"
    assert env("^Deploy (prod|staging)$", "Deploy prod") == "prod"
    assert env("^(?P<environment>\\w+) release$", "live release") == "live"
    assert env("^Deploy ", "Build") is None
    assert env("^Deploy$", "Deploy") is None


def test_production_ranges_from_deploy_workflow_runs(workflow_org, tmp_path, monkeypatch):
    """checkout-web deploys through `Deploy <environment>` runs: its production ranges and
    their commits are the truth's, keyed by run id and `deployment_source` 'workflow_run';
    the other repository keeps its GitHub deployments. A later run chains on."""
    repos = ["acme/checkout-web", "acme/payments-api"]
    warehouse = tmp_path / "warehouse.duckdb"
    with SandboxServer(workflow_org) as server:
        monkeypatch.setenv("SOURCES__GITHUB__ACCESS_TOKEN", server.github_token)
        pipeline = github_pipeline(warehouse, tmp_path / "dlt")

        def run() -> None:
            source = github_source(
                repos,
                api_url=server.github_api_url,
                deploy_workflow_patterns={"acme/checkout-web": "^Deploy "},
            ).with_resources(*CORE_RESOURCES, "workflow_runs")
            pipeline.run(source).raise_on_failed_jobs()

        server.clock = DAY_BEFORE
        run()
        server.clock = NOW
        server.reset_counts()
        run()
        later = dict(server.request_counts)
        tables = ("deployment_ranges", "deployment_commits", "workflow_runs")
        before = snapshot(warehouse, tables)
        run()
        assert snapshot(warehouse, tables) == before  # a run with nothing new adds nothing
    # Days later, one page of runs of the window (3 days back) covers what is new.
    assert later["/repos/{owner}/{repo}/actions/runs"] == 1
    truth = ground_truth(workflow_org, as_of=NOW)
    by_id = {d.deployment_id: d for d in workflow_org.all_deployments()}

    def key(deployment_id: int | None, repository: str) -> tuple[str, int] | tuple[None, None]:
        if deployment_id is None:
            return (None, None)
        if repository == "acme/checkout-web":
            return ("workflow_run", by_id[deployment_id].workflow_run_id)
        return ("deployment", deployment_id)

    expected_ranges = sorted(
        (*key(r["deployment_id"], r["repository"]), r["repository"], r["head_sha"],
         *key(r["base_deployment_id"], r["repository"]), r["base_sha"], r["range_known"],
         r["commit_count"])
        for r in truth.deployment_ranges
        if r["repository"] in repos
    )  # fmt: skip
    loaded_ranges = query(
        warehouse,
        "select deployment_source, deployment_id, repository, head_sha, base_deployment_source,"
        " base_deployment_id, base_sha, range_known, commit_count from raw_github.deployment_ranges"
        " order by all",
    )
    assert {r[0] for r in loaded_ranges} == {"deployment", "workflow_run"}
    assert loaded_ranges == expected_ranges
    expected_commits = sorted(
        (*key(r["deployment_id"], r["repository"]), r["sha"])
        for r in truth.deployment_commits
        if r["repository"] in repos
    )
    loaded_commits = query(
        warehouse,
        "select deployment_source, deployment_id, sha from raw_github.deployment_commits"
        " order by all",
    )
    assert loaded_commits == expected_commits
    environments = dict(
        query(
            warehouse,
            "select environment, count(*) from raw_github.workflow_runs group by all",
        )
    )
    assert set(environments) == {"production", "staging", "preview"}


def test_check_runs_can_be_limited_to_recent_deployments(server, token, tmp_path):
    pipeline = github_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    server.reset_counts()
    source = github_source(
        ["acme/search-service"], api_url=server.github_api_url, check_runs_max_age_days=0
    ).with_resources("check_runs")
    pipeline.run(source).raise_on_failed_jobs()
    assert "/repos/{owner}/{repo}/commits/{ref}/check-runs" not in server.request_counts


def test_a_malformed_release_is_quarantined_and_read_again(org, server, token, tmp_path):
    repo = next(name for name, releases in org.releases.items() if releases)
    warehouse = tmp_path / "warehouse.duckdb"
    pipeline = github_pipeline(warehouse, tmp_path / "dlt")

    def run() -> None:
        source = github_source([repo], api_url=server.github_api_url).with_resources("releases")
        pipeline.run(source).raise_on_failed_jobs()

    server.faults = Faults(seed=1, malformed={RELEASES: 1}, tools=("github",))
    try:
        run()
        injected = dict(server.fronts["github"].faults_injected)
    finally:
        server.faults = None
    assert injected == {"malformed": 1}
    quarantined = query(
        warehouse, "select entity, record_id, position, reason from raw_github.quarantine"
    )
    assert len(quarantined) == 1
    entity, record_id, position, reason = quarantined[0]
    assert entity == "releases"
    assert position.startswith(f"/repos/{repo}/releases page 1 item ")
    assert reason == "created_at: expected a timestamp, got 20240101"
    releases = {r.release_id for r in org.releases[repo] if r.published_ts <= NOW.timestamp()}
    loaded = {row[0] for row in query(warehouse, "select id from raw_github.releases")}
    assert loaded == releases - {int(record_id)}

    run()  # the cursor waited: the record is read again, whole this time
    loaded = {row[0] for row in query(warehouse, "select id from raw_github.releases")}
    assert loaded == releases
