"""Test and benchmark knobs that sit in front of every tool's API: a request budget, injected
faults (5xx answers, slow answers, a truncated JSON body, a malformed record) and a
per-endpoint request counter. Deterministic: whether the n-th request of an endpoint fails
depends only on (seed, tool, endpoint, n), never on timing.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from ingestion.sandbox.github_api import Response

TOOLS = ("github", "jira", "pagerduty")
# Fields a malformed record loses or gets with the wrong type, in order of preference.
_FRAGILE_FIELDS = ("created_at", "id", "key", "updated_at", "number", "sha", "createdAt")


class ToolApi(Protocol):
    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> Response: ...


@dataclass(frozen=True)
class Faults:
    """Injected faults. Endpoints are route templates as in `SandboxServer.request_counts`
    (e.g. "/repos/{owner}/{repo}/pulls", "/rest/api/3/search/jql", "/incidents", "/graphql").

    - error_rate: share of requests answered with a 5xx (one of `error_statuses`), before
      the API sees them;
    - slow_rate / slow_seconds: share of requests answered after a delay;
    - truncate: endpoint -> n: the n-th request (1-based) of that endpoint gets a 200 whose
      JSON body is cut in half;
    - malformed: endpoint -> n: the n-th request gets one record (chosen from the seed) with
      a field missing or of the wrong type (`id` as text, a timestamp as a number);
    - tools: the tools they apply to (default all).
    """

    seed: int = 0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503)
    slow_rate: float = 0.0
    slow_seconds: float = 0.0
    truncate: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    malformed: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    tools: tuple[str, ...] = TOOLS


@dataclass(frozen=True)
class Budget:
    """At most `requests` per tool per `window_seconds` (wall clock); beyond it each tool
    answers its rate-limit error (GitHub 403 by default, or `github_status=429`; Jira and
    PagerDuty 429) with `Retry-After` and `X-RateLimit-*` headers."""

    requests: int
    window_seconds: float = 60.0
    github_status: int = 403


def _unit(*parts: object) -> float:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8]) / 2**64


class ToolFront:
    """One tool's API behind the knobs."""

    def __init__(
        self,
        tool: str,
        api: ToolApi,
        route: Callable[[str], str],
        faults: Faults | None = None,
        budget: Budget | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tool = tool
        self.api = api
        self.route = route
        self.faults = faults
        self.budget = budget
        self.sleep = sleep
        self.request_counts: dict[str, int] = {}
        self.faults_injected: dict[str, int] = {}
        self._lock = threading.Lock()
        self._window_start = time.monotonic()
        self._used = 0

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> Response:
        path = target.split("?", 1)[0].rstrip("/") or "/"
        endpoint = self.route(path)
        with self._lock:
            n = self.request_counts[endpoint] = self.request_counts.get(endpoint, 0) + 1
            limited = self._over_budget()
        if limited is not None:
            return limited
        faults = self.faults if self.faults and self.tool in self.faults.tools else None
        if faults is not None:
            u = _unit(faults.seed, self.tool, endpoint, n, "error")
            if u < faults.error_rate:
                status = faults.error_statuses[int(u * 1e6) % len(faults.error_statuses)]
                self._count("error")
                return self._server_error(status)
            if _unit(faults.seed, self.tool, endpoint, n, "slow") < faults.slow_rate:
                self._count("slow")
                self.sleep(faults.slow_seconds)
        response = self.api.handle(method, target, headers, body)
        if faults is None or response.status != 200:
            return response
        if faults.truncate.get(endpoint) == n:
            self._count("truncated")
            return Response(200, response.body[: len(response.body) // 2], response.headers)
        if faults.malformed.get(endpoint) == n:
            broken = _malform(response.body, _unit(faults.seed, self.tool, endpoint, n, "bad"))
            if broken is not None:
                self._count("malformed")
                return Response(200, broken, response.headers)
        return response

    def _count(self, kind: str) -> None:
        with self._lock:
            self.faults_injected[kind] = self.faults_injected.get(kind, 0) + 1

    # -- budget ---------------------------------------------------------------------------

    def _over_budget(self) -> Response | None:
        budget = self.budget
        if budget is None:
            return None
        now = time.monotonic()
        if now >= self._window_start + budget.window_seconds:
            self._window_start, self._used = now, 0
        reset_in = max(int(self._window_start + budget.window_seconds - now + 0.999), 1)
        reset_at = int(time.time()) + reset_in
        if self._used < budget.requests:
            self._used += 1
            return None
        headers = [
            ("Retry-After", str(reset_in)),
            ("X-RateLimit-Limit", str(budget.requests)),
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", str(reset_at)),
            ("X-RateLimit-Used", str(self._used)),
        ]
        if self.tool == "github":
            body: dict[str, Any] = {
                "message": "API rate limit exceeded for user ID 5000001. If you reach out to "
                "GitHub Support for help, please include the request ID.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                "status": str(budget.github_status),
            }
            headers.append(("X-RateLimit-Resource", "core"))
            status = budget.github_status
            content_type = "application/json; charset=utf-8"
        elif self.tool == "jira":
            body = {"errorMessages": ["Rate limit exceeded."], "errors": {}}
            headers.append(("RateLimit-Reason", "jira-quota-global-based"))
            status, content_type = 429, "application/json;charset=UTF-8"
        else:
            body = {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
            status, content_type = 429, "application/json; charset=utf-8"
        return Response(
            status, json.dumps(body).encode(), [("Content-Type", content_type), *headers]
        )

    # -- faults ---------------------------------------------------------------------------

    def _server_error(self, status: int) -> Response:
        reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
        text = reason.get(status, "Server Error")
        if self.tool == "github":
            body: dict[str, Any] = {
                "message": text,
                "documentation_url": "https://docs.github.com/rest",
                "status": str(status),
            }
        elif self.tool == "jira":
            body = {"errorMessages": [text], "errors": {}}
        else:
            body = {"error": {"message": text, "code": 2000}}
        return Response(status, json.dumps(body).encode(), [("Content-Type", "application/json")])


def _records(value: Any) -> list[dict[str, Any]] | None:
    """The first list of objects in a JSON document (breadth first)."""
    queue = [value]
    while queue:
        item = queue.pop(0)
        if isinstance(item, list):
            if item and all(isinstance(x, dict) for x in item):
                return item
            queue.extend(item)
        elif isinstance(item, dict):
            queue.extend(item.values())
    return None


def _malform(body: bytes, u: float) -> bytes | None:
    """One record of the page loses a field or gets it with the wrong type."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    records = _records(document)
    if not records:
        return None
    record = records[int(u * len(records))]
    name = next((f for f in _FRAGILE_FIELDS if f in record), next(iter(record), None))
    if name is None:
        return None
    if int(u * 1e6) % 2 == 0:
        del record[name]
    else:
        value = record[name]
        record[name] = 20240101 if isinstance(value, str) else f"not-a-{type(value).__name__}"
    return json.dumps(document, separators=(",", ":")).encode()
