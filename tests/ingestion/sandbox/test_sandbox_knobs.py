"""The knobs in front of every tool: clock, request budget, injected faults, counters."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import pytest
import requests
from test_sandbox_github_api import validate

from ingestion.sandbox import Budget, Faults, SandboxServer
from ingestion.sandbox.github_api import GitHubApi
from ingestion.sandbox.knobs import ToolFront


@pytest.fixture(scope="module")
def server(small_org):
    with SandboxServer(small_org) as running:
        yield running


def _sessions(server: SandboxServer) -> dict[str, tuple[requests.Session, str, str]]:
    """tool -> (authorised session, base URL, a cheap endpoint)."""
    github = requests.Session()
    github.headers["Authorization"] = f"Bearer {server.github_token}"
    out = {"github": (github, server.github_api_url, "/repos/acme/payments-api")}
    if server.jira is not None:
        jira = requests.Session()
        basic = base64.b64encode(f"{server.jira_email}:{server.jira_token}".encode()).decode()
        jira.headers["Authorization"] = f"Basic {basic}"
        out["jira"] = (jira, str(server.jira_url), "/rest/api/3/status")
    if server.pagerduty is not None:
        pagerduty = requests.Session()
        pagerduty.headers["Authorization"] = f"Token token={server.pagerduty_token}"
        out["pagerduty"] = (pagerduty, str(server.pagerduty_url), "/services")
    return out


def test_every_tool_is_served_and_counted(server):
    server.reset_counts()
    sessions = _sessions(server)
    assert set(sessions) == {"github", "jira", "pagerduty"}
    for session, url, endpoint in sessions.values():
        assert session.get(url + endpoint, timeout=10).status_code == 200
    ports = {server.github_api_url, server.jira_url, server.pagerduty_url}
    assert len(ports) == 3
    assert server.request_counts == {
        "/repos/{owner}/{repo}": 1,
        "/rest/api/3/status": 1,
        "/services": 1,
    }
    env = server.environment()
    assert env["SOURCES__JIRA__BASE_URL"] == server.jira_url
    assert env["SOURCES__PAGERDUTY__API_TOKEN"] == server.pagerduty_token


def test_clock_is_shared_and_advances(server, small_org):
    session, url, _ = _sessions(server)["github"]
    target = f"{url}/repos/acme/payments-api/deployments?per_page=100"
    try:
        server.clock = small_org.now - timedelta(days=14)
        then = server.clock.timestamp()
        assert server.jira.clock() == then == server.pagerduty.clock()
        before = session.get(target, timeout=10).json()
        moved = server.advance(timedelta(days=14))
        assert moved == small_org.now == server.clock
        after = session.get(target, timeout=10).json()
        assert len(after) == 100 and after[0]["id"] > before[0]["id"]
        assert server.jira.clock() == small_org.now_ts
    finally:
        server.clock = small_org.now


def test_budget_answers_rate_limit_errors_with_retry_after(server):
    sessions = _sessions(server)
    server.budget = Budget(requests=2, window_seconds=1.5)
    try:
        for tool, (session, url, endpoint) in sessions.items():
            assert session.get(url + endpoint, timeout=10).status_code == 200
            assert session.get(url + endpoint, timeout=10).status_code == 200
            limited = session.get(url + endpoint, timeout=10)
            assert limited.status_code == (403 if tool == "github" else 429), tool
            assert 1 <= int(limited.headers["Retry-After"]) <= 2
            assert limited.headers["X-RateLimit-Remaining"] == "0"
            assert int(limited.headers["X-RateLimit-Reset"]) >= int(time.time())
            if tool == "github":
                assert limited.json()["message"].startswith("API rate limit exceeded")
            elif tool == "jira":
                assert limited.json() == {"errorMessages": ["Rate limit exceeded."], "errors": {}}
        time.sleep(1.6)
        session, url, endpoint = sessions["github"]
        assert session.get(url + endpoint, timeout=10).status_code == 200
        server.budget = Budget(requests=0, github_status=429)
        assert session.get(url + endpoint, timeout=10).status_code == 429
    finally:
        server.budget = None


def _front(small_org, faults: Faults, sleeps: list[float] | None = None) -> ToolFront:
    api = GitHubApi(small_org, "http://sandbox.test")
    return ToolFront(
        "github",
        api,
        lambda path: api._route(path)[0],
        faults=faults,
        sleep=(sleeps.append if sleeps is not None else time.sleep),
    )


def _get(front: ToolFront, target: str):
    headers = {"Authorization": f"Bearer {front.api.token}"}  # type: ignore[attr-defined]
    return front.handle("GET", target, headers)


def test_error_rate_is_deterministic_from_the_seed(small_org):
    faults = Faults(seed=3, error_rate=0.3)
    target = "/repos/acme/payments-api/deployments?per_page=1"
    front = _front(small_org, faults)
    statuses = [_get(front, target).status for _ in range(60)]
    again = _front(small_org, faults)
    assert statuses == [_get(again, target).status for _ in range(60)]
    errors = [s for s in statuses if s != 200]
    assert 8 <= len(errors) <= 30 and set(errors) <= {500, 502, 503}
    assert front.faults_injected == {"error": len(errors)}
    assert front.request_counts == {"/repos/{owner}/{repo}/deployments": 60}
    other = _front(small_org, Faults(seed=4, error_rate=0.3))
    assert [_get(other, target).status for _ in range(60)] != statuses


def test_slow_answers(small_org, server):
    sleeps: list[float] = []
    front = _front(small_org, Faults(slow_rate=0.5, slow_seconds=0.25), sleeps)
    for _ in range(20):
        assert _get(front, "/repos/acme/payments-api").status == 200
    assert 4 <= len(sleeps) <= 16 and set(sleeps) == {0.25}
    session, url, endpoint = _sessions(server)["pagerduty"]
    server.faults = Faults(slow_rate=1.0, slow_seconds=0.3, tools=("pagerduty",))
    try:
        started = time.perf_counter()
        assert session.get(url + endpoint, timeout=10).status_code == 200
        assert time.perf_counter() - started >= 0.3
    finally:
        server.faults = None


def test_truncated_body_on_the_nth_request(small_org):
    endpoint = "/repos/{owner}/{repo}/pulls"
    front = _front(small_org, Faults(truncate={endpoint: 2}))
    bodies = [_get(front, "/repos/acme/payments-api/pulls?state=all").body for _ in range(3)]
    json.loads(bodies[0])
    json.loads(bodies[2])
    with pytest.raises(ValueError):
        json.loads(bodies[1])
    assert bodies[1] == bodies[0][: len(bodies[0]) // 2]


def test_malformed_record_in_one_page(small_org):
    endpoint = "/repos/{owner}/{repo}/deployments"
    target = "/repos/acme/payments-api/deployments?per_page=20"
    clean = _get(_front(small_org, Faults()), target)
    for seed in range(6):
        front = _front(small_org, Faults(seed=seed, malformed={endpoint: 1}))
        broken = _get(front, target)
        assert broken.status == 200
        good, bad = clean.json(), broken.json()
        differing = [i for i, (a, b) in enumerate(zip(good, bad, strict=True)) if a != b]
        assert len(differing) == 1
        record = bad[differing[0]]
        assert "created_at" not in record or not isinstance(record["created_at"], str)
        with pytest.raises(Exception):  # noqa: B017 - the description rejects the page
            validate(target, broken)
        validate(target, _get(front, target))  # only the first request is broken


def test_faults_apply_over_http_to_every_tool(server):
    sessions = _sessions(server)
    server.faults = Faults(seed=1, error_rate=1.0)
    try:
        for tool, (session, url, endpoint) in sessions.items():
            response = session.get(url + endpoint, timeout=10)
            assert response.status_code in (500, 502, 503), tool
            response.json()  # each tool's error body is JSON
    finally:
        server.faults = None


def test_server_without_jira_and_pagerduty():
    """An organisation without the Jira and PagerDuty sides serves GitHub alone."""
    from sandbox_scenarios import deployment, status, tiny_org

    org = tiny_org([deployment(1, "production", "b", status("queued", "2026-11-02T10:00"))])
    with SandboxServer(org) as server:
        assert server.jira is None and server.pagerduty is None
        assert set(server.environment()) == {
            "SOURCES__GITHUB__API_URL",
            "SOURCES__GITHUB__ACCESS_TOKEN",
        }
        response = requests.get(
            f"{server.github_api_url}/repos/acme/app/deployments",
            headers={"Authorization": f"Bearer {server.github_token}"},
            timeout=10,
        )
        assert [d["id"] for d in response.json()] == [1]
