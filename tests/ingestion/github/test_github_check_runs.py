"""Check runs of deployed shas through GraphQL: many shas of many repositories per query, the
same rows as REST's one request per sha, and REST for a sha GraphQL cannot give whole (more
suites or runs than a nested page, an id it cannot read, a commit it does not find)."""

from __future__ import annotations

import pytest
from github_test_support import query

from ingestion.pipelines import github_pipeline
from ingestion.sandbox.counts import github_counts
from ingestion.sources.github import activity, github_source, settings
from ingestion.sources.github.graphql import GraphQLClient
from ingestion.sources.github.helpers import GitHubClient

CHECK_RUNS = "/repos/{owner}/{repo}/commits/{ref}/check-runs"


@pytest.fixture(scope="module")
def wanted(org) -> dict[str, list[str]]:
    """The deployed production shas of every repository (checked and unchecked ones)."""
    found: dict[str, list[str]] = {}
    for repo in org.repositories:
        shas = {d.sha: None for d in org.deployments.get(repo.full_name, []) if d.sha}
        found[repo.full_name] = list(shas)[:30]
    assert sum(len(s) for s in found.values()) > 100
    return found


def clients(server) -> tuple[GraphQLClient, GitHubClient]:
    return (
        GraphQLClient(server.github_api_url, server.github_token),
        GitHubClient(server.github_api_url, server.github_token, per_page=100),
    )


def by_rest(server, wanted) -> dict[str, activity.CheckRuns]:
    _, rest = clients(server)
    return {repo: activity.read_check_runs(rest, repo, shas) for repo, shas in wanted.items()}


def rows(read: dict[str, activity.CheckRuns]) -> list:
    return sorted((row for r in read.values() for row in r.rows), key=repr)


def complete(read: dict[str, activity.CheckRuns]) -> dict[str, list[str]]:
    return {repo: sorted(r.complete_shas) for repo, r in read.items()}


def test_graphql_rows_equal_rest_rows_for_the_same_shas(server, wanted):
    graphql, rest = clients(server)
    expected = by_rest(server, wanted)
    assert rows(expected)
    server.reset_counts()
    got = activity.read_check_runs_graphql(graphql, rest, wanted)
    assert rows(got) == rows(expected)
    assert complete(got) == complete(expected)
    shas = sum(len(s) for s in wanted.values())
    # many repositories per query, no REST request
    assert server.request_counts == {"/graphql": -(-shas // settings.CHECK_RUNS_SHAS_PER_QUERY)}
    assert graphql.points <= 11 * server.request_counts["/graphql"]


def test_a_sha_with_more_runs_than_a_page_is_read_through_rest(server, wanted, monkeypatch):
    graphql, rest = clients(server)
    expected = by_rest(server, wanted)
    # The sandbox's checked commits have three runs each: a page of two leaves one behind.
    monkeypatch.setattr(settings, "CHECK_RUNS_PAGE_SIZE", 2)
    server.reset_counts()
    got = activity.read_check_runs_graphql(graphql, rest, wanted, shas_per_query=40)
    assert rows(got) == rows(expected)
    assert complete(got) == complete(expected)
    with_runs = {row["head_sha"] for row in rows(expected)}
    assert server.request_counts[CHECK_RUNS] == len(with_runs)
    assert server.request_counts["/graphql"] == -(-sum(len(s) for s in wanted.values()) // 40)


def test_a_run_whose_id_cannot_be_read_sends_its_sha_to_rest(server, wanted, monkeypatch):
    graphql, rest = clients(server)
    expected = by_rest(server, wanted)
    real = activity.graphql_check_run_row
    unreadable = sorted({row["head_sha"] for row in rows(expected)})[:3]

    def some_unreadable(repository, sha, suite, node):
        return None if sha in unreadable else real(repository, sha, suite, node)

    monkeypatch.setattr(activity, "graphql_check_run_row", some_unreadable)
    server.reset_counts()
    got = activity.read_check_runs_graphql(graphql, rest, wanted)
    assert rows(got) == rows(expected)
    assert server.request_counts[CHECK_RUNS] == len(unreadable)


def test_a_commit_graphql_does_not_find_is_asked_through_rest(server, org, wanted):
    graphql, rest = clients(server)
    repo = org.repositories[0].full_name
    unknown = "0" * 40
    server.reset_counts()
    with pytest.raises(Exception, match="No commit found"):
        activity.read_check_runs_graphql(graphql, rest, {repo: [*wanted[repo][:2], unknown]})
    # REST answers 422 for it, as the REST reader always did
    assert server.request_counts[CHECK_RUNS] == 1


def test_the_loaded_check_runs_equal_the_sandbox_count(org, server, token, tmp_path):
    pipeline = github_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    server.reset_counts()
    source = github_source(
        [r.full_name for r in org.repositories], api_url=server.github_api_url
    ).with_resources("deployments", "deployment_statuses", "check_runs")
    pipeline.run(source).raise_on_failed_jobs()
    assert CHECK_RUNS not in server.request_counts
    [(loaded,)] = query(tmp_path / "warehouse.duckdb", "select count(*) from raw_github.check_runs")
    expected = github_counts(org, int(server.clock.timestamp()), server)["check_runs"]
    assert loaded == expected
