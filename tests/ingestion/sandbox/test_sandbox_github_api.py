"""The GitHub REST layer: shapes (OpenAPI), pagination, auth, errors, compare on a known DAG."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import UTC, datetime
from functools import cache

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator
from sandbox_scenarios import deployment, status, tiny_org

from ingestion.sandbox.github_api import GitHubApi
from ingestion.sandbox.server import SandboxServer
from tests.api_fixtures import API_FIXTURES

SPEC_PATH = API_FIXTURES / "github" / "rest-openapi-subset.json"
SPEC_HOST = "https://api.github.com"


@cache
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text())


@cache
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(spec())


def schema_errors(name: str, obj: object) -> list[str]:
    schema = dict(spec()["components"]["schemas"][name], components=spec()["components"])
    return [e.message for e in OAS30Validator(schema).iter_errors(obj)]


def auth(api: GitHubApi, scheme: str = "Bearer") -> dict[str, str]:
    return {"Authorization": f"{scheme} {api.token}"}


def get(api: GitHubApi, target: str, scheme: str = "Bearer"):
    return api.handle("GET", target, auth(api, scheme))


def validate(target: str, response, path_only: str | None = None) -> None:
    """Validate against the OpenAPI operation for target (raises on any mismatch)."""
    path, _, query = target.partition("?")
    args = dict(p.split("=", 1) for p in query.split("&")) if query else {}
    openapi().validate_response(
        MockRequest(SPEC_HOST, "get", path, args=args),
        MockResponse(
            response.body,
            status_code=response.status,
            headers=dict(response.headers),
            content_type="application/json",
        ),
    )


@pytest.fixture(scope="module")
def api(small_org) -> GitHubApi:
    return GitHubApi(small_org, "http://127.0.0.1:1")


@pytest.fixture
def tiny_api() -> GitHubApi:
    org = tiny_org(
        [
            deployment(1, "production", "b", status("queued", "2026-11-02T10:00"),
                       status("success", "2026-11-02T10:10")),
            deployment(2, "production", "d", status("queued", "2026-11-12T10:00"),
                       status("in_progress", "2026-11-12T10:01"),
                       status("failure", "2026-11-12T10:10")),
        ]
    )  # fmt: skip
    return GitHubApi(org, "http://sandbox.test")


# -- OpenAPI shapes ------------------------------------------------------------------------


def test_every_endpoint_validates_against_openapi(api, small_org):
    for repo in ("acme/payments-api", "acme/search-service"):
        deployments_target = f"/repos/{repo}/deployments?per_page=5&page=2"
        response = get(api, deployments_target)
        assert response.status == 200 and len(response.json()) == 5
        validate(deployments_target, response)
        dep_id = response.json()[0]["id"]
        statuses_target = f"/repos/{repo}/deployments/{dep_id}/statuses"
        response = get(api, statuses_target)
        assert response.status == 200 and response.json()
        validate(statuses_target, response)
        commits_target = f"/repos/{repo}/commits?per_page=5"
        response = get(api, commits_target)
        validate(commits_target, response)
        shas = [c["sha"] for c in response.json()]
        compare_target = f"/repos/{repo}/compare/{shas[-1]}...{shas[0]}"
        response = get(api, compare_target)
        assert response.status == 200
        validate(compare_target, response)
        single = get(api, f"/repos/{repo}/commits/{shas[0]}")
        validate(f"/repos/{repo}/commits/{shas[0]}", single)
        repository = get(api, f"/repos/{repo}").json()
        # /repos/{owner}/{repo} is not in the subset; its `repository` schema is
        assert schema_errors("repository", repository) == []
        assert repository["full_name"] == repo and repository["default_branch"] == "main"


def test_previews_and_inactive_statuses_validate(api, small_org):
    preview = next(
        d for deps in small_org.deployments.values() for d in deps
        if d.environment.startswith("preview-")
    )  # fmt: skip
    target = f"/repos/{preview.repository}/deployments?environment={preview.environment}"
    response = get(api, target)
    validate(target, response)
    (body,) = response.json()
    assert body["transient_environment"] is True and body["production_environment"] is False
    inactive = next(
        d for deps in small_org.deployments.values() for d in deps
        if d.statuses[-1].state == "inactive"
    )  # fmt: skip
    target = f"/repos/{inactive.repository}/deployments/{inactive.deployment_id}/statuses"
    response = get(api, target)
    validate(target, response)
    assert [s["state"] for s in response.json()] == ["inactive", "success", "in_progress", "queued"]


def test_error_bodies_are_githubs(api):
    response = api.handle("GET", "/repos/acme/payments-api/deployments", {})
    assert response.status == 401
    assert response.json() == {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    }
    assert schema_errors("basic-error", response.json()) == []
    wrong = api.handle("GET", "/repos/acme/payments-api", {"Authorization": "Bearer ghp_wrong"})
    assert wrong.status == 401
    missing = get(api, "/repos/acme/nope")
    assert missing.status == 404
    assert missing.json() == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository",
        "status": "404",
    }
    statuses_404 = "/repos/acme/payments-api/deployments/1/statuses"
    response = get(api, statuses_404)
    assert response.status == 404
    validate(statuses_404, response)  # the operation documents its 404 body
    compare_404 = "/repos/acme/nope/compare/a...b"
    validate(compare_404, get(api, compare_404))


def test_token_scheme_and_rate_limit_headers(small_org):
    api = GitHubApi(small_org, "http://127.0.0.1:1", rate_limit=3)
    first = get(api, "/repos/acme/payments-api", scheme="token")
    assert first.status == 200
    headers = dict(first.headers)
    assert headers["X-RateLimit-Limit"] == "3"
    assert headers["X-RateLimit-Remaining"] == "2"
    assert headers["X-RateLimit-Used"] == "1"
    assert headers["X-RateLimit-Resource"] == "core"
    assert int(headers["X-RateLimit-Reset"]) > datetime.now(UTC).timestamp()
    get(api, "/repos/acme/payments-api")
    get(api, "/repos/acme/payments-api")
    limited = get(api, "/repos/acme/payments-api")
    assert limited.status == 403
    assert limited.json()["message"].startswith("API rate limit exceeded")
    assert dict(limited.headers)["X-RateLimit-Remaining"] == "0"
    assert api.request_counts == {"/repos/{owner}/{repo}": 4}


# -- pagination ----------------------------------------------------------------------------


def test_link_header_and_pages(api, small_org):
    total = sum(1 for d in small_org.deployments["acme/billing-service"])
    base = "http://127.0.0.1:1/repos/acme/billing-service/deployments"
    first = get(api, "/repos/acme/billing-service/deployments")
    assert len(first.json()) == 30  # GitHub's default page size
    last_page = -(-total // 30)
    assert dict(first.headers)["Link"] == (
        f'<{base}?page=2>; rel="next", <{base}?page={last_page}>; rel="last"'
    )
    middle = get(api, "/repos/acme/billing-service/deployments?per_page=100&page=2")
    assert dict(middle.headers)["Link"] == (
        f'<{base}?per_page=100&page=1>; rel="prev", <{base}?per_page=100&page=3>; rel="next", '
        f'<{base}?per_page=100&page={-(-total // 100)}>; rel="last", '
        f'<{base}?per_page=100&page=1>; rel="first"'
    )
    # per_page is capped at 100; pages are disjoint and together hold every deployment
    capped = get(api, "/repos/acme/billing-service/deployments?per_page=500")
    assert len(capped.json()) == 100
    ids: list[int] = []
    page = 1
    while True:
        response = get(api, f"/repos/acme/billing-service/deployments?per_page=100&page={page}")
        ids.extend(d["id"] for d in response.json())
        if 'rel="next"' not in dict(response.headers).get("Link", ""):
            break
        page += 1
    assert len(ids) == total == len(set(ids))
    assert ids == sorted(ids, reverse=True)  # newest first
    assert (
        get(api, f"/repos/acme/billing-service/deployments?per_page=100&page={page + 1}").json()
        == []
    )


def test_single_page_has_no_link(tiny_api):
    response = get(tiny_api, "/repos/acme/app/deployments")
    assert [d["id"] for d in response.json()] == [2, 1]
    assert "Link" not in dict(response.headers)


def test_deployment_filters(api, small_org):
    response = get(api, "/repos/acme/search-service/deployments?environment=prod&per_page=100")
    assert response.json() and {d["environment"] for d in response.json()} == {"prod"}
    dep = small_org.deployments["acme/search-service"][3]
    by_sha = get(api, f"/repos/acme/search-service/deployments?sha={dep.sha}&per_page=100")
    assert dep.deployment_id in [d["id"] for d in by_sha.json()]
    assert {d["sha"] for d in by_sha.json()} == {dep.sha}


# -- compare and commits on a hand-built DAG ----------------------------------------------


def _compare(api, base, head, extra=""):
    response = get(api, f"/repos/acme/app/compare/{base}...{head}{extra}")
    assert response.status == 200, response.body
    body = response.json()
    return body, [c["sha"][0] for c in body["commits"]]


def test_compare_on_known_dag(tiny_api):
    a, b, e, c, d, y = ("a" * 40, "b" * 40, "e" * 40, "c" * 40, "d" * 40, "f" * 40)
    body, shas = _compare(tiny_api, a, d)
    assert (body["status"], body["ahead_by"], body["behind_by"]) == ("ahead", 6, 0)
    assert shas == ["b", "1", "2", "e", "c", "d"]  # chronological
    assert body["total_commits"] == 6 and body["merge_base_commit"]["sha"] == a
    # the merged branch is not reachable from b, so it ships with the merge
    assert _compare(tiny_api, b, e)[1] == ["1", "2", "e"]
    body, shas = _compare(tiny_api, "2" * 40, c)
    assert (body["status"], shas) == ("ahead", ["b", "e", "c"])
    body, shas = _compare(tiny_api, d, b)
    assert (body["status"], body["ahead_by"], body["behind_by"], shas) == ("behind", 0, 5, [])
    body, shas = _compare(tiny_api, y, c)
    assert (body["status"], body["ahead_by"], body["behind_by"]) == ("diverged", 4, 1)
    assert body["merge_base_commit"]["sha"] == b and shas == ["1", "2", "e", "c"]
    body, _ = _compare(tiny_api, d, d)
    assert (body["status"], body["ahead_by"]) == ("identical", 0)
    # short shas and the branch name resolve; main is d
    assert _compare(tiny_api, a[:7], "main")[1] == ["b", "1", "2", "e", "c", "d"]
    # paging over the commits
    body, shas = _compare(tiny_api, a, d, "?per_page=4&page=2")
    assert shas == ["c", "d"] and body["ahead_by"] == 6
    assert get(tiny_api, f"/repos/acme/app/compare/{a}...{'9' * 40}").status == 404


def test_list_commits_on_known_dag(tiny_api):
    response = get(tiny_api, "/repos/acme/app/commits")
    assert [c["sha"][0] for c in response.json()] == ["d", "c", "e", "2", "1", "b", "a"]
    merge = response.json()[2]
    assert [p["sha"][0] for p in merge["parents"]] == ["b", "2"]
    since = get(
        tiny_api, "/repos/acme/app/commits?since=2026-11-02T10:30:00Z&until=2026-11-10T12:00:00Z"
    )
    assert [c["sha"][0] for c in since.json()] == ["c", "e", "2"]
    from_branch = get(tiny_api, f"/repos/acme/app/commits?sha={'2' * 40}")
    assert [c["sha"][0] for c in from_branch.json()] == ["2", "1", "a"]
    paged = get(tiny_api, "/repos/acme/app/commits?per_page=3&page=3")
    assert [c["sha"][0] for c in paged.json()] == ["a"]


def test_clock_hides_later_records(tiny_api):
    tiny_api.clock = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    assert [c["sha"][0] for c in get(tiny_api, "/repos/acme/app/commits").json()] == [
        "c", "e", "2", "1", "b", "a",
    ]  # fmt: skip
    assert [d["id"] for d in get(tiny_api, "/repos/acme/app/deployments").json()] == [1]
    assert get(tiny_api, "/repos/acme/app/deployments/2/statuses").status == 404
    tiny_api.clock = datetime(2026, 11, 12, 10, 5, tzinfo=UTC)
    running = get(tiny_api, "/repos/acme/app/deployments").json()[0]
    assert running["updated_at"] == "2026-11-12T10:01:00Z"
    states = [s["state"] for s in get(tiny_api, "/repos/acme/app/deployments/2/statuses").json()]
    assert states == ["in_progress", "queued"]


# -- over HTTP -----------------------------------------------------------------------------


def test_server_over_http(small_org):
    with SandboxServer(small_org, host="127.0.0.1", port=0) as server:
        assert server.github_api_url.startswith("http://127.0.0.1:")
        assert server.github_token.startswith("ghp_") and len(server.github_token) == 40
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {server.github_token}"
        url = f"{server.github_api_url}/repos/acme/payments-api/deployments"
        response = session.get(url, params={"environment": "production", "per_page": 3})
        assert response.status_code == 200 and len(response.json()) == 3
        assert response.links["next"]["url"].endswith("environment=production&per_page=3&page=2")
        assert session.get(response.links["next"]["url"]).status_code == 200
        assert requests.get(url, timeout=5).status_code == 401
        assert server.request_counts == {"/repos/{owner}/{repo}/deployments": 3}
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)


def test_serve_prints_credentials_and_stops_on_sigterm():
    code = (
        "from datetime import datetime, UTC\n"
        "from ingestion.sandbox import serve\n"
        "serve('small', 7, datetime(2026, 11, 23, tzinfo=UTC), 0)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        lines = [process.stdout.readline() for _ in range(5)]
        url = lines[2].split(": ", 1)[1].strip()
        token = lines[4].split("=", 1)[1].strip()
        response = requests.get(
            f"{url}/repos/acme/search-service", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200 and response.json()["full_name"] == "acme/search-service"
        env = {}
        while not (line := process.stdout.readline()).startswith("Press Ctrl+C"):
            if "=" in line:
                key, _, value = line.strip().partition("=")
                env[key] = value
        expected = {
            "SOURCES__JIRA__BASE_URL",
            "SOURCES__JIRA__EMAIL",
            "SOURCES__JIRA__API_TOKEN",
            "SOURCES__PAGERDUTY__API_URL",
            "SOURCES__PAGERDUTY__API_TOKEN",
        }
        assert expected <= set(env)
        jira = requests.get(
            f"{env['SOURCES__JIRA__BASE_URL']}/rest/api/3/status",
            auth=(env["SOURCES__JIRA__EMAIL"], env["SOURCES__JIRA__API_TOKEN"]),
            timeout=10,
        )
        assert jira.status_code == 200
        pagerduty = requests.get(
            f"{env['SOURCES__PAGERDUTY__API_URL']}/services",
            headers={"Authorization": f"Token token={env['SOURCES__PAGERDUTY__API_TOKEN']}"},
            timeout=10,
        )
        assert pagerduty.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
