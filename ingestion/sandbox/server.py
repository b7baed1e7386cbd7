"""HTTP front of the sandbox: one local server per tool (GitHub, Jira, PagerDuty), each on
its own port and background thread, all sharing one clock and the knobs of
`ingestion.sandbox.knobs` (request budget, injected faults, per-endpoint request counts).
"""

from __future__ import annotations

import signal
import socket
import sys
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any

from ingestion.sandbox.github_api import GitHubApi, token_for_seed
from ingestion.sandbox.knobs import Budget, Faults, ToolFront
from ingestion.sandbox.model import Organisation, to_datetime


def _handler_for(front: ToolFront, server_name: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def version_string(self) -> str:
            return server_name

        def setup(self) -> None:
            super().setup()
            # Answers are written in one piece; no Nagle wait for the client's delayed ACK.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _answer(self, method: str, body: bytes = b"") -> None:
            response = front.handle(method, self.path, dict(self.headers.items()), body)
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            # end_headers() would send the headers alone; send them with the body instead
            self._headers_buffer.append(b"\r\n")
            if method != "HEAD":
                self._headers_buffer.append(response.body)
            self.flush_headers()

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._answer("GET")

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer("HEAD")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            self._answer("POST", self.rfile.read(length) if length else b"")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    return Handler


def _github_route(api: GitHubApi) -> Any:
    return lambda path: api._route(path)[0]


class SandboxServer:
    """The organisation's tools on local ports, served by background threads.

    `clock` (settable, or `advance(seconds)`) is what every tool treats as now: records
    after it are not served, and records change as it moves. `budget` and `faults` apply
    to every tool; `request_counts` counts requests per endpoint template across tools.
    """

    def __init__(
        self,
        org: Organisation,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: int = 15_000,
        budget: Budget | None = None,
        faults: Faults | None = None,
        jira_port: int = 0,
        pagerduty_port: int = 0,
    ) -> None:
        self.org = org
        self.host = host
        self._clock_ts = org.now_ts
        self.github_token = token_for_seed(org.seed)
        self._servers: list[tuple[str, ThreadingHTTPServer]] = []
        self._threads: list[threading.Thread] = []
        self.fronts: dict[str, ToolFront] = {}

        httpd = self._bind(host, port)
        self.port = int(httpd.server_address[1])
        self.github_api_url = f"http://{host}:{self.port}"
        self.github = GitHubApi(org, self.github_api_url, self.github_token, rate_limit)
        self._mount("github", httpd, self.github, _github_route(self.github), "GitHub.com")

        self.jira: Any = None
        self.jira_url = self.jira_email = self.jira_token = None
        if org.jira is not None:
            from ingestion.sandbox.jira import JiraApi

            httpd = self._bind(host, jira_port)
            self.jira_url = f"http://{host}:{httpd.server_address[1]}"
            self.jira = JiraApi(org.jira, self.jira_url, self._clock)
            self.jira_email, self.jira_token = self.jira.email, self.jira.api_token
            self._mount("jira", httpd, self.jira, self._route_of(self.jira), "AtlassianEdge")

        self.pagerduty: Any = None
        self.pagerduty_url = self.pagerduty_token = None
        if org.pagerduty is not None:
            from ingestion.sandbox.pagerduty import PagerDutyApi

            httpd = self._bind(host, pagerduty_port)
            self.pagerduty_url = f"http://{host}:{httpd.server_address[1]}"
            self.pagerduty = PagerDutyApi(org.pagerduty, self.pagerduty_url, self._clock)
            self.pagerduty_token = self.pagerduty.api_token
            front_route = self._route_of(self.pagerduty)
            self._mount("pagerduty", httpd, self.pagerduty, front_route, "nginx")
        self.budget = budget
        self.faults = faults

    # -- set-up ---------------------------------------------------------------------------

    @staticmethod
    def _bind(host: str, port: int) -> ThreadingHTTPServer:
        httpd = ThreadingHTTPServer((host, port), BaseHTTPRequestHandler)
        httpd.daemon_threads = True
        return httpd

    @staticmethod
    def _route_of(api: Any) -> Any:
        return lambda path: api._route(path)[0]

    def _mount(
        self, tool: str, httpd: ThreadingHTTPServer, api: Any, route: Any, name: str
    ) -> None:
        front = ToolFront(tool, api, route)
        httpd.RequestHandlerClass = _handler_for(front, name)
        self.fronts[tool] = front
        self._servers.append((tool, httpd))

    def _clock(self) -> int:
        return self._clock_ts

    # -- knobs ----------------------------------------------------------------------------

    @property
    def budget(self) -> Budget | None:
        """Requests allowed per tool and window; beyond it, rate-limit answers."""
        return self._budget

    @budget.setter
    def budget(self, value: Budget | None) -> None:
        self._budget = value
        for front in self.fronts.values():
            front.budget = value
            front._used = 0

    @property
    def faults(self) -> Faults | None:
        return self._faults

    @faults.setter
    def faults(self, value: Faults | None) -> None:
        self._faults = value
        for front in self.fronts.values():
            front.faults = value

    @property
    def request_counts(self) -> dict[str, int]:
        """Requests received so far, per endpoint template, over every tool."""
        counts: dict[str, int] = {}
        for front in self.fronts.values():
            for endpoint, n in front.request_counts.items():
                counts[endpoint] = counts.get(endpoint, 0) + n
        return counts

    def reset_counts(self) -> None:
        for front in self.fronts.values():
            front.request_counts.clear()
            front.faults_injected.clear()

    @property
    def clock(self) -> datetime:
        """Records after this instant are not served (defaults to the organisation's now)."""
        return to_datetime(self._clock_ts)

    @clock.setter
    def clock(self, value: datetime) -> None:
        if value.tzinfo is None:
            raise ValueError("the sandbox clock must be timezone-aware")
        self._clock_ts = int(value.timestamp())
        self.github.clock_ts = self._clock_ts

    def advance(self, seconds: float | timedelta) -> datetime:
        """Move the clock forward (new and updated records appear) and return it."""
        delta = seconds.total_seconds() if isinstance(seconds, timedelta) else seconds
        self.clock = to_datetime(self._clock_ts + int(delta))
        return self.clock

    def environment(self) -> dict[str, str]:
        """The environment variables the connectors read to reach these servers."""
        env = {
            "SOURCES__GITHUB__API_URL": self.github_api_url,
            "SOURCES__GITHUB__ACCESS_TOKEN": self.github_token,
        }
        if self.jira is not None:
            env["SOURCES__JIRA__BASE_URL"] = str(self.jira_url)
            env["SOURCES__JIRA__EMAIL"] = str(self.jira_email)
            env["SOURCES__JIRA__API_TOKEN"] = str(self.jira_token)
        if self.pagerduty is not None:
            env["SOURCES__PAGERDUTY__API_URL"] = str(self.pagerduty_url)
            env["SOURCES__PAGERDUTY__API_TOKEN"] = str(self.pagerduty_token)
        return env

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if not self._threads:
            for tool, httpd in self._servers:
                thread = threading.Thread(
                    target=httpd.serve_forever,
                    kwargs={"poll_interval": 0.1},
                    name=f"vsm-sandbox-{tool}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)
        return self

    def stop(self) -> None:
        if self._threads:
            for _, httpd in self._servers:
                httpd.shutdown()
            for thread in self._threads:
                thread.join()
            self._threads = []
        for _, httpd in self._servers:
            httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(tier: str = "small", seed: int = 7, now: datetime | None = None, port: int = 0) -> None:
    """Serve the sandbox until SIGINT or SIGTERM, printing where and how to reach it.

    With `port` set, GitHub listens on it, Jira on port + 1 and PagerDuty on port + 2.
    """
    from ingestion.sandbox.generator import generate_organisation

    org = generate_organisation(tier=tier, seed=seed, now=now)
    stopped = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    ports = (port, port + 1 if port else 0, port + 2 if port else 0)
    try:
        with SandboxServer(
            org, port=ports[0], jira_port=ports[1], pagerduty_port=ports[2]
        ) as server:
            summary = ", ".join(f"{k} {v}" for k, v in org.summary().items())
            when = org.now.isoformat()
            env = server.environment()
            print(f"Sandbox organisation {org.name} (tier {tier}, seed {seed}, now {when})")
            print(f"  {summary}")
            print(f"GitHub REST API: {server.github_api_url}")
            print(f"  SOURCES__GITHUB__API_URL={env['SOURCES__GITHUB__API_URL']}")
            print(f"  SOURCES__GITHUB__ACCESS_TOKEN={env['SOURCES__GITHUB__ACCESS_TOKEN']}")
            print(f"GitHub GraphQL API: {server.github_api_url}/graphql")
            if server.jira is not None:
                print(f"Jira Cloud REST API: {server.jira_url}")
                for key in ("BASE_URL", "EMAIL", "API_TOKEN"):
                    print(f"  SOURCES__JIRA__{key}={env[f'SOURCES__JIRA__{key}']}")
            if server.pagerduty is not None:
                print(f"PagerDuty REST API: {server.pagerduty_url}")
                for key in ("API_URL", "API_TOKEN"):
                    print(f"  SOURCES__PAGERDUTY__{key}={env[f'SOURCES__PAGERDUTY__{key}']}")
            print("Press Ctrl+C to stop.", flush=True)
            while not stopped.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Sandbox stopped.", file=sys.stderr)
