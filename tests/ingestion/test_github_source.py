"""The GitHub source against the sandbox's GitHub API, through dlt into a temporary DuckDB."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.config import load_config
from ingestion.pipelines import github_pipeline, github_source_from_config, source_failure
from ingestion.sandbox import SandboxServer, generate_organisation, ground_truth
from ingestion.sources.github import ACTIVITY_RESOURCES, GitHubAuthError, github_source

NOW = datetime(2026, 11, 23, tzinfo=UTC)
TABLES = (
    "deployments",
    "deployment_statuses",
    "commits",
    "deployment_ranges",
    "deployment_commits",
)
KEYS = {
    "deployments": "id",
    "deployment_statuses": "id",
    "commits": "repository, sha",
    "deployment_ranges": "deployment_id",
    "deployment_commits": "deployment_id, sha",
}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def org():
    return generate_organisation(tier="small", seed=7, now=NOW)


@pytest.fixture(scope="module")
def truth(org):
    return ground_truth(org)


@pytest.fixture(scope="module")
def server(org):
    with SandboxServer(org, host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture(scope="module")
def env(server):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCES__GITHUB__ACCESS_TOKEN", server.github_token)
        patch.setenv("SOURCES__GITHUB__API_URL", server.github_api_url)
        yield patch


def repositories(org) -> list[str]:
    return [repo.full_name for repo in org.repositories]


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: sorted(
                con.sql(
                    f"select * exclude (_dlt_load_id, _dlt_id) from raw_github.{table}"
                ).fetchall(),
                key=repr,
            )
            for table in TABLES
        }


@pytest.fixture(scope="module")
def loaded(org, env, tmp_path_factory):
    """Two runs of the source from the config file; snapshots after each."""
    base = tmp_path_factory.mktemp("github")
    warehouse = base / "warehouse.duckdb"
    pipeline = github_pipeline(warehouse, base / "dlt")
    config = load_config(ROOT / "valuestream.yml")
    first_info = pipeline.run(github_source_from_config(config))
    first_info.raise_on_failed_jobs()
    first = snapshot(warehouse)
    pipeline.run(github_source_from_config(config))
    second_counts = pipeline.last_trace.last_normalize_info.row_counts
    second = snapshot(warehouse)
    return {
        "warehouse": warehouse,
        "first": first,
        "second": second,
        "second_counts": second_counts,
    }


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_counts_equal_the_sandbox(org, truth, loaded):
    first = loaded["first"]
    deployments = org.all_deployments()
    assert len(first["deployments"]) == len(deployments) == org.summary()["deployments"]
    assert len(first["deployment_statuses"]) == sum(len(d.statuses) for d in deployments)
    assert len(first["commits"]) == org.summary()["commits"]
    assert len(first["deployment_ranges"]) == len(truth.production_deployments)
    assert len(first["deployment_commits"]) == len(truth.deployment_commits)


def test_deployment_commits_equal_the_ground_truth(truth, loaded):
    got = query(loaded["warehouse"], "select deployment_id, sha from raw_github.deployment_commits")
    expected = [(row["deployment_id"], row["sha"]) for row in truth.deployment_commits]
    assert Counter(got) == Counter(expected)


def test_ranges_are_the_production_deployments_in_order(org, truth, loaded):
    rows = query(
        loaded["warehouse"],
        "select deployment_id, repository, head_sha, base_deployment_id, range_known, "
        "commit_count from raw_github.deployment_ranges",
    )
    by_id = {row[0]: row for row in rows}
    expected = {d["deployment_id"]: d for d in truth.production_deployments}
    assert set(by_id) == set(expected)
    for deployment_id, want in expected.items():
        assert by_id[deployment_id][1:3] == (want["repository"], want["sha"])

    # Each repository's first production deployment has an unknown range; the others chain
    # on the previous one by finish time.
    for repo in {d["repository"] for d in truth.production_deployments}:
        ordered = sorted(
            (d for d in truth.production_deployments if d["repository"] == repo),
            key=lambda d: (d["finished_at"], d["deployment_id"]),
        )
        first = by_id[ordered[0]["deployment_id"]]
        assert first[3:] == (None, False, None)
        for previous, current in zip(ordered, ordered[1:], strict=False):
            row = by_id[current["deployment_id"]]
            assert row[3] == previous["deployment_id"]
            assert row[4] is True
    counts = Counter(row["deployment_id"] for row in truth.deployment_commits)
    for deployment_id, row in by_id.items():
        if row[4]:
            assert row[5] == counts.get(deployment_id, 0)


def test_fields_are_flattened_and_in_utc(org, loaded):
    warehouse = loaded["warehouse"]
    deployment = next(d for d in org.all_deployments() if d.environment == "prod")
    row = query(
        warehouse,
        "select repository, sha, ref, task, environment, creator_login, created_at "
        f"from raw_github.deployments where id = {deployment.deployment_id}",
    )[0]
    assert row[:6] == (
        deployment.repository,
        deployment.sha,
        deployment.ref,
        deployment.task,
        "prod",
        deployment.creator_login,
    )
    assert row[6] == datetime.fromtimestamp(deployment.created_ts, tz=UTC)

    statuses = query(
        warehouse,
        "select id, state, created_at from raw_github.deployment_statuses "
        f"where deployment_id = {deployment.deployment_id} order by created_at, id",
    )
    assert [(s[0], s[1]) for s in statuses] == [(s.status_id, s.state) for s in deployment.statuses]
    assert statuses[-1][2] == datetime.fromtimestamp(deployment.statuses[-1].created_ts, tz=UTC)

    merge = next(c for c in org.commits["acme/payments-api"] if len(c.parents) == 2)
    commit = query(
        warehouse,
        "select author_login, authored_at, committed_at, parent_shas, parent_count "
        f"from raw_github.commits where repository = 'acme/payments-api' and sha = '{merge.sha}'",
    )[0]
    assert commit == (
        merge.author_login,
        datetime.fromtimestamp(merge.authored_ts, tz=UTC),
        datetime.fromtimestamp(merge.committed_ts, tz=UTC),
        " ".join(merge.parents),
        2,
    )

    types = dict(
        query(
            warehouse,
            "select table_name || '.' || column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_github'",
        )
    )
    for column in (
        "deployments.created_at",
        "deployment_statuses.updated_at",
        "commits.authored_at",
        "commits.committed_at",
    ):
        assert types[column] == "TIMESTAMP WITH TIME ZONE"
    assert types["deployments.id"] == "BIGINT"
    assert types["deployment_ranges.range_known"] == "BOOLEAN"
    assert types["deployments.production_environment"] == "BOOLEAN"
    # flattened by hand: no child tables
    tables = {
        row[0]
        for row in query(
            warehouse, "select table_name from duckdb_tables() where schema_name = 'raw_github'"
        )
    }
    # Every table by default (`workflow_runs` once a repository names its deploy workflow),
    # and `quarantine`, where records breaking a table's contract are kept aside.
    activity = {t for t in ACTIVITY_RESOURCES if t != "workflow_runs"}
    assert {t for t in tables if not t.startswith("_dlt")} == {*TABLES, *activity, "quarantine"}


def test_second_run_changes_nothing(loaded):
    assert loaded["second"] == loaded["first"]
    # With nothing new, the probes' change-check leaves the deployments, releases and issues
    # unread; the histories' first pages are re-read and merging keeps one row per key.
    for table in ("deployments", "deployment_statuses", "releases", "issues"):
        assert loaded["second_counts"].get(table, 0) == 0, table
    assert loaded["second_counts"].get("commits", 0) > 0
    for table, key in KEYS.items():
        duplicates = query(
            loaded["warehouse"],
            f"select {key}, count(*) from raw_github.{table} group by all having count(*) > 1",
        )
        assert duplicates == [], table


def test_incremental_runs_chain_ranges(org, truth, server, env, tmp_path):
    """Five runs as time passes end where one run at the end does."""
    warehouse = tmp_path / "warehouse.duckdb"
    pipeline = github_pipeline(warehouse, tmp_path / "dlt")
    compares_before = server.request_counts.get("/repos/{owner}/{repo}/compare/{basehead}", 0)
    try:
        for days in (60, 20, 9, 3, 0):
            server.clock = NOW - timedelta(days=days)
            pipeline.run(github_source(repositories(org)))
    finally:
        server.clock = NOW
    compares = server.request_counts.get("/repos/{owner}/{repo}/compare/{basehead}", 0)
    # Ranges reaching behind the commits read in a run were asked from the compare endpoint.
    assert compares > compares_before

    got = query(warehouse, "select deployment_id, sha from raw_github.deployment_commits")
    assert Counter(got) == Counter(
        (row["deployment_id"], row["sha"]) for row in truth.deployment_commits
    )
    ranges = query(
        warehouse,
        "select count(*), count(*) filter (where not range_known) "
        "from raw_github.deployment_ranges",
    )[0]
    assert ranges == (len(truth.production_deployments), len(org.repositories))
    assert query(warehouse, "select count(*) from raw_github.deployments")[0][0] == len(
        org.all_deployments()
    )
    assert (
        query(warehouse, "select count(*) from raw_github.commits")[0][0]
        == (org.summary()["commits"])
    )
    # Every status that decides an outcome arrived; only `inactive` marks added to
    # deployments older than the re-read window may be missing.
    loaded_statuses = {
        row[0] for row in query(warehouse, "select id from raw_github.deployment_statuses")
    }
    missing = [
        s.state
        for d in org.all_deployments()
        for s in d.statuses
        if s.status_id not in loaded_statuses
    ]
    assert set(missing) <= {"inactive"}


def test_production_pattern_per_repository(org, env, tmp_path):
    stage_successes = [
        d
        for d in org.deployments["acme/search-service"]
        if d.environment == "stage" and d.final_state == "success"
    ]
    pipeline = github_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    pipeline.run(github_source([{"repo": "acme/search-service", "production_pattern": "^STAGE$"}]))
    rows = query(
        tmp_path / "warehouse.duckdb", "select deployment_id from raw_github.deployment_ranges"
    )
    assert sorted(r[0] for r in rows) == sorted(d.deployment_id for d in stage_successes)


def test_wrong_token_stops_with_one_line(server, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SOURCES__GITHUB__ACCESS_TOKEN", "not-the-token")
    monkeypatch.setenv("SOURCES__GITHUB__API_URL", server.github_api_url)
    pipeline = github_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    with pytest.raises(PipelineStepFailed) as caught:
        pipeline.run(github_source(["acme/payments-api"]))
    line = (
        "github source: GitHub answered 401 Bad credentials to GET "
        "/repos/acme/payments-api/deployments; set SOURCES__GITHUB__ACCESS_TOKEN to a token "
        "that can read this repository"
    )
    assert source_failure(caught.value) == line
    assert line in str(caught.value)
    assert "not-the-token" not in str(caught.value)
    assert "not-the-token" not in caplog.text


def test_missing_token_stops_with_one_line(server, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCES__GITHUB__ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("SOURCES__GITHUB__API_URL", server.github_api_url)
    pipeline = github_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    with pytest.raises(PipelineStepFailed) as caught:
        pipeline.run(github_source(["acme/payments-api"]))
    assert source_failure(caught.value) == (
        "github source: no access token; set SOURCES__GITHUB__ACCESS_TOKEN "
        "(or access_token under [sources.github] in .dlt/secrets.toml)"
    )
    chain, current = [], caught.value
    while current is not None:
        chain.append(current)
        current = current.__cause__
    assert isinstance(chain[-1], GitHubAuthError)


def test_token_never_logged_and_progress_is(server, env, tmp_path, caplog):
    pipeline = github_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    with caplog.at_level(logging.DEBUG):
        pipeline.run(github_source(["acme/search-service"]))
    assert server.github_token not in caplog.text
    progress = [r.getMessage() for r in caplog.records if r.name == "ingestion.sources.github"]
    assert any(
        m.startswith("github: acme/search-service: ") and "rate limit remaining" in m
        for m in progress
    )
    pages = [r.getMessage() for r in caplog.records if r.name == "ingestion.sources.github.helpers"]
    assert any("/repos/acme/search-service/deployments page 1: 100 records" in m for m in pages)
