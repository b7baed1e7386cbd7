"""HTTP front of the sandbox: serves `GitHubApi` from a background thread."""

from __future__ import annotations

import signal
import sys
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType

from ingestion.sandbox.github_api import GitHubApi, token_for_seed
from ingestion.sandbox.model import Organisation


def _handler_for(api: GitHubApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: without this, Nagle and delayed ACKs
        # add ~40 ms to every answer on a kept-alive connection.
        disable_nagle_algorithm = True

        def version_string(self) -> str:
            return "GitHub.com"

        def _answer(self, method: str) -> None:
            response = api.handle(method, self.path, dict(self.headers.items()))
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(response.body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._answer("GET")

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer("HEAD")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self._answer("POST")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    return Handler


class SandboxServer:
    """The organisation's GitHub REST API on a local port, served by a background thread."""

    def __init__(
        self,
        org: Organisation,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: int = 15_000,
    ) -> None:
        self.org = org
        self.github_token = token_for_seed(org.seed)
        self._httpd = ThreadingHTTPServer((host, port), BaseHTTPRequestHandler)
        self._httpd.daemon_threads = True
        bound_host, bound_port = self._httpd.server_address[:2]
        self.host, self.port = str(bound_host), int(bound_port)
        self.github_api_url = f"http://{self.host}:{self.port}"
        self.github = GitHubApi(org, self.github_api_url, self.github_token, rate_limit)
        self._httpd.RequestHandlerClass = _handler_for(self.github)
        self._thread: threading.Thread | None = None

    @property
    def request_counts(self) -> dict[str, int]:
        """Requests answered so far, per GitHub endpoint template."""
        return self.github.request_counts

    @property
    def clock(self) -> datetime:
        """Records after this instant are not served (defaults to the organisation's now)."""
        return self.github.clock

    @clock.setter
    def clock(self, value: datetime) -> None:
        self.github.clock = value

    def start(self) -> SandboxServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, name="vsm-sandbox", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

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
    """Serve the sandbox until SIGINT or SIGTERM, printing where and how to reach it."""
    from ingestion.sandbox.generator import generate_organisation

    org = generate_organisation(tier=tier, seed=seed, now=now)
    stopped = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with SandboxServer(org, port=port) as server:
            summary = ", ".join(f"{k} {v}" for k, v in org.summary().items())
            when = org.now.isoformat()
            print(f"Sandbox organisation {org.name} (tier {tier}, seed {seed}, now {when})")
            print(f"  {summary}")
            print(f"GitHub REST API: {server.github_api_url}")
            print(f"  SOURCES__GITHUB__API_URL={server.github_api_url}")
            print(f"  SOURCES__GITHUB__ACCESS_TOKEN={server.github_token}")
            print("Press Ctrl+C to stop.", flush=True)
            while not stopped.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Sandbox stopped.", file=sys.stderr)
