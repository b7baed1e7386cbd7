"""The GraphQL side of the GitHub source: every query against GitHub's published schema, the
endpoint derived from the REST root, node ids, and the client's budget and error handling
against the sandbox's `POST /graphql`."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from github_test_support import query
from graphql import GraphQLSchema, build_schema, parse, validate

import ingestion.sources.github as source_module
from ingestion.pipelines import github_pipeline
from ingestion.sandbox import Faults
from ingestion.sources.github import pulls, queries
from ingestion.sources.github.graphql import GraphQLClient, graphql_url
from ingestion.sources.github.helpers import GitHubAuthError, GitHubClient, GitHubSourceError
from ingestion.sources.github.rows import actor_login, git_actor_login, node_database_id

SCHEMA = (
    Path(__file__).resolve().parents[3]
    / ".."
    / "shared"
    / "fixtures"
    / "apis"
    / "github"
    / "schema.graphql"
)


@cache
def github_schema() -> GraphQLSchema:
    return build_schema(SCHEMA.read_text(), assume_valid_sdl=True)


@pytest.mark.parametrize("name", sorted(queries.ALL))
def test_every_query_validates_against_githubs_schema(name):
    query = queries.ALL[name]
    assert validate(github_schema(), parse(query)) == []
    # and each one reads the point budget it spends
    assert "rateLimit { cost remaining resetAt }" in query


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://api.github.com/", "https://api.github.com/graphql"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql"),
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/graphql"),
    ],
)
def test_graphql_endpoint_is_derived_from_the_rest_root(api_url, expected):
    assert graphql_url(api_url) == expected


def test_database_ids_are_read_from_both_node_id_forms():
    legacy = base64.b64encode(b"016:DeploymentStatus4321").decode()
    assert node_database_id(legacy) == 4321
    # next-generation ids: PREFIX_ + base64url(msgpack [0, 123, 3_000_000_000])
    packed = bytes([0x93, 0x00, 0x7B, 0xCE]) + (3_000_000_000).to_bytes(4, "big")
    modern = "PRR_" + base64.urlsafe_b64encode(packed).decode().rstrip("=")
    assert node_database_id(modern) == 3_000_000_000
    assert node_database_id("not an id") is None
    assert node_database_id(None) is None


def test_logins_follow_rest_conventions():
    assert actor_login({"__typename": "Bot", "login": "dependabot"}) == "dependabot[bot]"
    assert actor_login({"__typename": "User", "login": "ada"}) == "ada"
    noreply = "49699333+dependabot[bot]@users.noreply.github.com"
    assert git_actor_login({"email": noreply, "user": None}) == "dependabot[bot]"
    assert git_actor_login({"email": "a@b.c", "user": {"login": "ada"}}) == "ada"
    assert git_actor_login({"email": "a@b.c", "user": None}) is None


HISTORY_VARIABLES = {
    "owner": "acme",
    "name": "payments-api",
    "cursor": None,
    "since": None,
    "pageSize": 1,
}


class Sleeps:
    def __init__(self, then=None):
        self.seconds: list[float] = []
        self.then = then

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if self.then:
            self.then()


def test_low_budget_sleeps_until_reset(server, caplog):
    sleeps = Sleeps()
    client = GraphQLClient(server.github_api_url, server.github_token, sleep=sleeps)
    client.query(queries.BRANCH_HISTORY, HISTORY_VARIABLES)
    assert sleeps.seconds == []
    assert client.requests == 1
    assert client.remaining is not None and client.points >= 1
    reset_at = client.reset_at
    assert reset_at is not None

    client.min_remaining = client.remaining + 1  # now the budget counts as low
    with caplog.at_level(logging.WARNING):
        client.query(queries.BRANCH_HISTORY, HISTORY_VARIABLES)
    assert len(sleeps.seconds) == 1
    expected = (reset_at - datetime.now(UTC)).total_seconds()
    assert abs(sleeps.seconds[0] - expected) < 5
    assert "GraphQL points left" in caplog.text
    assert server.github_token not in caplog.text


def test_rate_limited_answer_waits_and_retries(server):
    api = server.github

    def reset_budget() -> None:
        api.graphql_used = 0

    sleeps = Sleeps(then=reset_budget)
    client = GraphQLClient(server.github_api_url, server.github_token, sleep=sleeps)
    api.graphql_used = api.graphql_limit
    try:
        data = client.query(queries.BRANCH_HISTORY, HISTORY_VARIABLES)
    finally:
        api.graphql_used = 0
    assert len(sleeps.seconds) == 1
    assert data["repository"]["defaultBranchRef"]["name"] == "main"


def test_errors_become_one_line(server):
    client = GraphQLClient(server.github_api_url, server.github_token)
    with pytest.raises(GitHubSourceError) as caught:
        client.query(queries.BRANCH_HISTORY, dict(HISTORY_VARIABLES, name="no-such-repo"))
    assert str(caught.value) == (
        "github source: GitHub GraphQL answered NOT_FOUND Could not resolve to a Repository "
        "with the name 'acme/no-such-repo'. to BranchHistory at POST /graphql"
    )


def test_wrong_token_is_an_auth_error(server):
    client = GraphQLClient(server.github_api_url, "not-the-token")
    with pytest.raises(GitHubAuthError) as caught:
        client.query(queries.BRANCH_HISTORY, HISTORY_VARIABLES)
    assert str(caught.value) == (
        "github source: GitHub answered 401 Bad credentials to POST /graphql; "
        "set SOURCES__GITHUB__ACCESS_TOKEN to a token that can read this repository"
    )
    assert "not-the-token" not in str(caught.value)


def test_nested_pages_beyond_the_first_cost_follow_up_queries(org, server):
    """With nested pages of one review and two commits, pull requests with more are
    completed by follow-up queries, and the rows equal those of one big page."""
    client = GraphQLClient(server.github_api_url, server.github_token)
    rest = GitHubClient(server.github_api_url, server.github_token, per_page=100)
    repo = "acme/search-service"
    whole = pulls.read_graphql(client, rest, repo, None)
    assert whole.follow_ups == 0
    before = server.request_counts.get("/graphql", 0)
    small = pulls.read_graphql(
        client, rest, repo, None, page_size=20, reviews_page_size=1, commits_page_size=2
    )
    prs = org.pull_requests[repo] + org.unmerged_pull_requests[repo]
    expected = sum(1 for p in prs if len(p.reviews) > 1 or len(p.commits) > 2)
    assert expected > 0
    assert small.follow_ups >= expected
    assert server.request_counts["/graphql"] - before == small.follow_ups + -(-len(prs) // 20)
    assert rest.requests == 0
    for kind in ("rows", "reviews", "commits"):
        assert sorted(getattr(small, kind), key=repr) == sorted(getattr(whole, kind), key=repr)


def test_server_errors_and_cut_bodies_are_retried(server, monkeypatch):
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.01")
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "10")
    client = GraphQLClient(server.github_api_url, server.github_token)
    server.reset_counts()
    server.faults = Faults(seed=0, error_rate=0.3, truncate={"/graphql": 2}, tools=("github",))
    try:
        for _ in range(5):
            data = client.query(queries.BRANCH_HISTORY, HISTORY_VARIABLES)
            assert data["repository"]["defaultBranchRef"]["name"] == "main"
        injected = dict(server.fronts["github"].faults_injected)
    finally:
        server.faults = None
    assert injected.get("truncated") == 1
    assert injected.get("error", 0) >= 2
    assert server.request_counts["/graphql"] == 5 + sum(injected.values())


def test_a_pull_request_that_moved_is_completed_by_rest(server, monkeypatch):
    client = GraphQLClient(server.github_api_url, server.github_token)
    rest = GitHubClient(server.github_api_url, server.github_token, per_page=100)
    repo = "acme/search-service"
    whole = pulls.read_graphql(client, rest, repo, None)
    # every follow-up finds another pull request where the cursor points
    monkeypatch.setattr(pulls, "_rest_of_pull", lambda *args, **kwargs: None)
    moved = pulls.read_graphql(client, rest, repo, None, reviews_page_size=1, commits_page_size=2)
    assert moved.follow_ups > 0
    assert rest.requests == 2 * moved.follow_ups  # its reviews and its commits, one page each
    for kind in ("rows", "reviews", "commits"):
        assert sorted(getattr(moved, kind), key=repr) == sorted(getattr(whole, kind), key=repr)


def test_statuses_graphql_cannot_identify_are_read_by_rest(
    org, server, token, tmp_path, monkeypatch
):
    real = source_module.graphql_status_row

    def unreadable_for_some(repository, deployment_id, environment, node):
        if deployment_id % 5 == 0:
            return None
        return real(repository, deployment_id, environment, node)

    monkeypatch.setattr(source_module, "graphql_status_row", unreadable_for_some)
    repo = "acme/search-service"
    pipeline = github_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    server.reset_counts()
    source = source_module.github_source([repo], api_url=server.github_api_url)
    pipeline.run(source.with_resources("deployment_statuses")).raise_on_failed_jobs()
    deployments = org.deployments[repo]
    by_rest = server.request_counts["/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"]
    assert by_rest == sum(1 for d in deployments if d.deployment_id % 5 == 0 and d.statuses)
    loaded = query(tmp_path / "warehouse.duckdb", "select id from raw_github.deployment_statuses")
    expected = [s.status_id for d in deployments for s in d.statuses]
    assert sorted(r[0] for r in loaded) == sorted(expected)
