"""GitHub GraphQL v4 at /graphql: our queries validate against GitHub's published schema,
the answers execute against it, pagination and GitHub's cost and limit rules hold."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache

import pytest
import requests
from graphql import GraphQLSchema, build_schema, execute, parse, validate
from graphql_queries import ALL, DEPLOYMENTS, HISTORY, PULL_REQUESTS

from ingestion.sandbox.github_api import GitHubApi
from ingestion.sandbox.github_graphql import query_cost, sandbox_schema
from ingestion.sandbox.github_schema import SUBSET_PATH, subset_sdl
from ingestion.sandbox.server import SandboxServer
from tests.api_fixtures import API_FIXTURES

SDL_PATH = API_FIXTURES / "github" / "schema.graphql"


@cache
def published() -> GraphQLSchema:
    return build_schema(SDL_PATH.read_text(), assume_valid_sdl=True)


@pytest.fixture
def api(small_org) -> GitHubApi:
    return GitHubApi(small_org, "http://sandbox.test")


def post(api: GitHubApi, query: str, **variables) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    response = api.handle("POST", "/graphql", {"Authorization": f"bearer {api.token}"}, body)
    assert response.status == 200, response.body[:300]
    return response.json()


def test_every_query_validates_against_the_published_schema():
    for name, query in ALL.items():
        assert validate(published(), parse(query)) == [], name
        assert validate(sandbox_schema(), parse(query)) == [], name


def test_served_schema_is_cut_from_the_published_one():
    assert subset_sdl(SDL_PATH.read_text()) == SUBSET_PATH.read_text()


def test_answers_execute_against_the_published_schema(api):
    variables = {"owner": "acme", "name": "checkout-web"}
    for name, query in ALL.items():
        answer = post(api, query, **variables)
        assert "errors" not in answer, (name, answer.get("errors"))
        result = execute(
            published(), parse(query), root_value=answer["data"], variable_values=variables
        )
        assert result.errors is None, (name, result.errors[:2])


def test_pull_request_pages_cover_every_pull_request(api, small_org):
    repo = "acme/search-service"
    numbers: list[int] = []
    cursor = None
    while True:
        data = post(api, PULL_REQUESTS, owner="acme", name="search-service", cursor=cursor)
        page = data["data"]["repository"]["pullRequests"]
        numbers.extend(n["number"] for n in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    prs = small_org.pull_requests[repo] + small_org.unmerged_pull_requests[repo]
    assert sorted(numbers) == sorted(p.number for p in prs)
    by_number = {p.number: p for p in prs}
    first = post(api, PULL_REQUESTS, owner="acme", name="search-service")
    node = next(
        n for n in first["data"]["repository"]["pullRequests"]["nodes"] if n["state"] == "MERGED"
    )
    pr = by_number[node["number"]]
    assert node["mergeCommit"]["oid"] == pr.merge_commit_sha
    assert [c["commit"]["oid"] for c in node["commits"]["nodes"]] == [c.sha for c in pr.commits]
    assert [r["state"] for r in node["reviews"]["nodes"]] == [r.state for r in pr.reviews]


def test_deployments_and_history_match_rest(api, small_org):
    data = post(api, DEPLOYMENTS, owner="acme", name="billing-service", environments=["production"])
    nodes = data["data"]["repository"]["deployments"]["nodes"]
    expected = [
        d for d in small_org.deployments["acme/billing-service"] if d.environment == "production"
    ]
    assert [n["databaseId"] for n in nodes] == [d.deployment_id for d in expected][:100]
    assert nodes[0]["latestStatus"]["state"] == expected[0].statuses[-1].state.upper()
    history = post(api, HISTORY, owner="acme", name="billing-service", since="2026-11-01T00:00:00Z")
    target = history["data"]["repository"]["ref"]["target"]
    shas = [n["oid"] for n in target["history"]["nodes"]]
    rest = api.handle(
        "GET",
        "/repos/acme/billing-service/commits?since=2026-11-01T00:00:00Z&per_page=100",
        {"Authorization": f"token {api.token}"},
    ).json()
    assert shas == [c["sha"] for c in rest]
    merges = [n for n in target["history"]["nodes"] if len(n["parents"]["nodes"]) == 2]
    assert merges  # merge commits keep both parents


def test_cost_follows_githubs_rules(api):
    schema = sandbox_schema()
    # 1 request for pullRequests(first: 50), then 50 each for labels, reviews and commits
    assert query_cost(schema, parse(PULL_REQUESTS)) == (2, 50 + 50 * 10 + 50 * 20 + 50 * 50)
    # history(first: 100) once, parents(first: 2) for each of the 100 commits: 101 -> 1
    assert query_cost(schema, parse(HISTORY)) == (1, 100 + 100 * 2)
    first = post(api, PULL_REQUESTS, owner="acme", name="checkout-web")["data"]["rateLimit"]
    assert (first["cost"], first["limit"], first["used"], first["remaining"]) == (2, 5000, 2, 4998)
    second = post(api, HISTORY, owner="acme", name="checkout-web")["data"]["rateLimit"]
    assert (second["cost"], second["remaining"]) == (1, 4997)
    dry = post(api, "{ rateLimit(dryRun: true) { cost remaining } }")["data"]["rateLimit"]
    assert dry == {"cost": 1, "remaining": 4997}


def test_pagination_limits_and_budget(api):
    missing = post(
        api, '{ repository(owner: "acme", name: "checkout-web") { pullRequests { totalCount } } }'
    )
    assert missing["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"
    assert "data" not in missing
    too_many = post(
        api,
        '{ repository(owner: "acme", name: "checkout-web") '
        "{ pullRequests(first: 101) { totalCount } } }",
    )
    assert too_many["errors"][0]["type"] == "EXCESSIVE_PAGINATION"
    assert "exceeds the `first` limit of 100 records" in too_many["errors"][0]["message"]
    huge = """{ repository(owner: "acme", name: "checkout-web") { pullRequests(first: 100) {
      nodes { commits(first: 100) { nodes { commit { parents(first: 100) { totalCount } } } } }
    } } }"""
    assert validate(published(), parse(huge)) == []
    assert post(api, huge)["errors"][0]["type"] == "MAX_NODE_LIMIT_EXCEEDED"
    unknown = post(api, '{ repository(owner: "acme", name: "nope") { name } }')
    assert unknown["data"] == {"repository": None}
    assert unknown["errors"][0]["type"] == "NOT_FOUND"
    invalid = post(api, "{ repository { nope } }")
    assert invalid["errors"] and "data" not in invalid
    api.graphql_limit = 3
    assert "errors" not in post(api, PULL_REQUESTS, owner="acme", name="checkout-web")
    limited = post(api, PULL_REQUESTS, owner="acme", name="checkout-web")
    assert limited["errors"][0]["type"] == "RATE_LIMITED"


def test_graphql_over_http_with_the_clock(small_org):
    with SandboxServer(small_org) as server:
        url = f"{server.github_api_url}/graphql"
        headers = {"Authorization": f"bearer {server.github_token}"}
        query = (
            '{ repository(owner: "acme", name: "catalog-api") { pullRequests(first: 1, '
            "orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { updatedAt } totalCount } } }"
        )
        assert requests.post(url, json={"query": query}, timeout=10).status_code == 401
        now = requests.post(url, json={"query": query}, headers=headers, timeout=10).json()
        server.clock = server.clock - timedelta(days=30)
        earlier = requests.post(url, json={"query": query}, headers=headers, timeout=10).json()
        newest_now = now["data"]["repository"]["pullRequests"]
        newest_then = earlier["data"]["repository"]["pullRequests"]
        assert newest_then["totalCount"] < newest_now["totalCount"]
        assert newest_then["nodes"][0]["updatedAt"] < newest_now["nodes"][0]["updatedAt"]
        response = requests.post(url, json={"query": query}, headers=headers, timeout=10)
        assert response.headers["X-RateLimit-Resource"] == "graphql"
        assert server.request_counts["/graphql"] == 4


ISSUES_AND_RELEASES = """
query Changes($owner: String!, $name: String!, $since: DateTime) {
  repository(owner: $owner, name: $name) {
    issues(first: 100, filterBy: {since: $since}, orderBy: {field: UPDATED_AT, direction: DESC}) {
      nodes { number state createdAt updatedAt closedAt }
      pageInfo { hasNextPage }
    }
    releases(first: 100, orderBy: {field: CREATED_AT, direction: DESC}) {
      nodes { id tagName name description isDraft isPrerelease createdAt publishedAt }
      pageInfo { hasNextPage }
    }
  }
}
"""


def test_issues_and_releases_are_what_rest_lists(api, small_org):
    """The change-check compares GraphQL's issues and releases with REST's rows: both
    APIs must tell the same (issues without pull requests, `since` on the update time)."""
    assert validate(published(), parse(ISSUES_AND_RELEASES)) == []
    headers = {"Authorization": f"bearer {api.token}"}
    compared = {"issues": 0, "releases": 0}
    for repo in small_org.repositories:
        owner, name = repo.full_name.split("/")
        since = "2026-10-01T00:00:00Z"
        data = post(api, ISSUES_AND_RELEASES, owner=owner, name=name, since=since)
        answer = data["data"]["repository"]
        rest: list[dict] = []
        for page in range(1, 100):
            items = api.handle(
                "GET",
                f"/repos/{repo.full_name}/issues?state=all&since={since}&per_page=100&page={page}",
                headers,
            ).json()
            rest.extend(items)
            if len(items) < 100:
                break
        rest_issues = {
            i["number"]: (i["state"].upper(), i["updated_at"], i["closed_at"])
            for i in rest
            if "pull_request" not in i
        }
        issues = answer["issues"]["nodes"]
        assert {i["number"]: (i["state"], i["updatedAt"], i["closedAt"]) for i in issues} == (
            rest_issues
        )
        assert [i["updatedAt"] for i in issues] == sorted(
            (i["updatedAt"] for i in issues), reverse=True
        )
        rest_releases = api.handle(
            "GET", f"/repos/{repo.full_name}/releases?per_page=100", headers
        ).json()
        assert [
            (r["tagName"], r["name"], r["description"], r["createdAt"], r["publishedAt"])
            for r in answer["releases"]["nodes"]
        ] == [
            (r["tag_name"], r["name"], r["body"], r["created_at"], r["published_at"])
            for r in rest_releases
        ]
        compared["issues"] += len(issues)
        compared["releases"] += len(rest_releases)
    assert compared["issues"] > 0 and compared["releases"] > 0
