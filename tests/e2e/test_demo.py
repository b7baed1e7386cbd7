"""`make demo` ends with the dashboards answering and showing the sandbox's numbers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from ingestion.sandbox import generate_organisation, ground_truth
from tests.e2e.conftest import NOW, ROOT, VSM

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_serves_dashboards_with_the_sandbox_numbers(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VSM_", "SOURCES__"))}
    env["VSM_HOME"] = str(tmp_path)
    log = tmp_path / "demo.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [VSM, "demo", "--port", str(port), "--now", NOW.isoformat()],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        healthy = False
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    healthy = answer.status == 200
            except OSError:
                time.sleep(1)
                continue
            if healthy:
                break
        assert healthy, log.read_text()[-4000:]
        assert f"dashboards: {url}" in log.read_text()
        with urllib.request.urlopen(url, timeout=5) as page:
            assert page.status == 200

        con = duckdb.connect(str(tmp_path / "marts.duckdb"), read_only=True)
        rows = con.execute(
            "select value_stream_id, period_start as week_start, deployments "
            "from mart_dora_deployment_frequency where grain = 'week' and slice = 'value_stream'"
        ).fetchall()
        con.close()
        truth = ground_truth(generate_organisation(tier="small", seed=7, now=NOW))
        assert {(vs, week): n for vs, week, n in rows} == {
            (row["value_stream_id"], row["week_start"]): row["deployments"]
            for row in truth.deployment_frequency
        }
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    # Stopping `vsm demo` stops the dashboards it started.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _answers(port):
        time.sleep(0.5)
    assert not _answers(port)


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0
