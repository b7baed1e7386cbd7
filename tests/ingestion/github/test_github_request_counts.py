"""GraphQL against REST on a full load of half the small organisation's repositories (the
whole organisation's figures are in the source's README): the same rows in every table, for
a small fraction of the requests. The figures are printed (`pytest -s`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from github_test_support import snapshot

from ingestion.pipelines import github_pipeline
from ingestion.sources.github import ACTIVITY_RESOURCES, CORE_RESOURCES, github_source

TABLES = CORE_RESOURCES + tuple(t for t in ACTIVITY_RESOURCES if t != "workflow_runs")
CHECK_RUNS = "/repos/{owner}/{repo}/commits/{ref}/check-runs"


def repositories(org) -> list[str]:
    """Three of the six repositories: the REST-only load asks once per record, which is
    slow; three keep this module's time in bounds and every kind of record in play."""
    return [repo.full_name for repo in org.repositories[:3]]


def full_load(server, org, base: Path, **options) -> tuple[dict[str, list[tuple]], dict[str, int]]:
    pipeline = github_pipeline(base / "warehouse.duckdb", base / "dlt")
    server.reset_counts()
    source = github_source(
        repositories(org), api_url=server.github_api_url, all_entities=True, **options
    )
    pipeline.run(source).raise_on_failed_jobs()
    counts = dict(server.request_counts)
    return snapshot(base / "warehouse.duckdb", TABLES), counts


@pytest.fixture(scope="module")
def loads(server, org, token, tmp_path_factory):
    rest = full_load(server, org, tmp_path_factory.mktemp("rest"), use_graphql=False)
    graphql = full_load(server, org, tmp_path_factory.mktemp("graphql"))
    return {"rest": rest, "graphql": graphql}


@pytest.mark.parametrize("table", TABLES)
def test_graphql_and_rest_load_the_same_rows(loads, table):
    rest_rows = loads["rest"][0][table]
    assert rest_rows
    assert loads["graphql"][0][table] == rest_rows


def test_branch_history_through_graphql_is_the_same(server, org, loads, tmp_path):
    pipeline = github_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    server.reset_counts()
    source = github_source(
        repositories(org), api_url=server.github_api_url, graphql_history=True
    ).with_resources("commits")
    pipeline.run(source).raise_on_failed_jobs()
    assert "/repos/{owner}/{repo}/commits" not in server.request_counts
    got = snapshot(tmp_path / "warehouse.duckdb", ("commits",))["commits"]
    assert got == loads["rest"][0]["commits"]


def test_graphql_needs_a_small_fraction_of_the_requests(org, loads):
    rest, graphql = loads["rest"][1], loads["graphql"][1]
    rest_total, graphql_total = sum(rest.values()), sum(graphql.values())
    print()
    for name, counts in (("REST only", rest), ("GraphQL", graphql)):
        total = sum(counts.values())
        without_checks = total - counts.get(CHECK_RUNS, 0)
        print(f"{name:10} {total:6} requests ({without_checks} without check runs): {counts}")

    # Pull requests, reviews, their commits and deployment statuses: REST asks once per
    # record, GraphQL once per page of records.
    per_record = (
        "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        "/repos/{owner}/{repo}/pulls/{pull_number}/commits",
        "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
    )
    names = repositories(org)
    prs = sum(len(org.pull_requests[r]) + len(org.unmerged_pull_requests[r]) for r in names)
    assert rest[per_record[0]] == rest[per_record[1]] == prs
    assert rest[per_record[2]] == sum(len(org.deployments[r]) for r in names)
    assert not any(endpoint in graphql for endpoint in per_record)
    assert "/repos/{owner}/{repo}/pulls" not in graphql
    # pull requests (with reviews and commits) and deployment statuses together: under
    # 0.05 requests per pull request
    assert graphql["/graphql"] < 0.05 * prs
    # Check runs: REST asks once per deployed sha, GraphQL once per 100 shas.
    shas = rest[CHECK_RUNS]
    assert CHECK_RUNS not in graphql
    assert graphql_total - graphql["/graphql"] < 0.05 * (rest_total - shas)
    assert graphql_total < 0.05 * rest_total
