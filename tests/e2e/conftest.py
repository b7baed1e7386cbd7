"""One sandbox and one pipeline home shared by the end-to-end tests."""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from ingestion.sandbox import SandboxServer, generate_organisation, ground_truth
from ingestion.sandbox.config import render_sandbox_config
from ingestion.sandbox.jira.generator import write_bookings_csv
from tests.e2e.readers import read_marts_in_a_loop

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, tzinfo=UTC)
VSM = str(Path(sys.executable).with_name("vsm"))


@dataclass
class PipelineHome:
    home: Path
    env: dict[str, str]
    truth: object
    sandbox: SandboxServer

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def marts(self) -> Path:
        return self.home / "marts.duckdb"

    def vsm(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [VSM, *args], env=self.env, capture_output=True, text=True, timeout=timeout, cwd=ROOT
        )


def pipeline_env(home: Path, sandbox: SandboxServer, now: datetime = NOW) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VSM_", "SOURCES__"))}
    env.update(
        VSM_HOME=str(home),
        VSM_CONFIG=str(ROOT / "valuestream.yml"),
        VSM_AS_OF=now.isoformat(),
        DAGSTER_HOME=str(home / "dagster"),
    )
    env.update(sandbox.environment())
    env["SOURCES__FILES__FOLDER"] = str(home / "drop")
    return env


@pytest.fixture(scope="session")
def sandbox_small() -> Iterator[tuple[object, SandboxServer]]:
    organisation = generate_organisation(tier="small", seed=7, now=NOW)
    with SandboxServer(organisation) as server:
        yield organisation, server


@pytest.fixture(scope="session")
def pipeline_home(tmp_path_factory, sandbox_small) -> PipelineHome:
    organisation, server = sandbox_small
    home = tmp_path_factory.mktemp("vsm-home")
    write_bookings_csv(organisation.jira, home / "drop" / "environment_bookings.csv")
    return PipelineHome(
        home=home,
        env=pipeline_env(home, server),
        truth=ground_truth(organisation),
        sandbox=server,
    )


def _row_counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{table}": con.execute(
                f'select count(*) from "{schema}"."{table}"'
            ).fetchone()[0]
            for schema, table in tables
            # dlt's own bookkeeping gains a row per load by design
            if not table.startswith("_dlt_")
        }
    finally:
        con.close()


@pytest.fixture(scope="session")
def refreshed(pipeline_home: PipelineHome) -> dict[str, object]:
    first = pipeline_home.vsm("run")
    assert first.returncode == 0, first.stderr[-4000:]
    counts_first = _row_counts(pipeline_home.warehouse)

    # A dashboard-like reader opens the published file in a loop for the whole second
    # refresh, which rebuilds and republishes it.
    context = mp.get_context("spawn")
    queue: mp.Queue = context.Queue()
    stop = context.Event()
    reader = context.Process(
        target=read_marts_in_a_loop, args=(str(pipeline_home.marts), stop, queue)
    )
    reader.start()
    # The second refresh runs incrementally: with the nightly audit's tests, which check
    # each incremental model against a rebuild of its whole history.
    second = pipeline_home.vsm("run", "--audit")
    stop.set()
    reads, errors = queue.get(timeout=60)
    reader.join(timeout=30)
    # A failed refresh fails here with its own error, not later as a lock error when the
    # counts below open the warehouse.
    assert second.returncode == 0, second.stderr[-4000:]
    return {
        "first": first,
        "second": second,
        "counts_first": counts_first,
        "counts_second": _row_counts(pipeline_home.warehouse),
        "reads": reads,
        "reader_errors": errors,
    }


@dataclass
class MediumHome:
    """The `medium` tier (seed 7, at NOW) served, its config written by the sandbox, and one
    `vsm run` through it."""

    home: Path
    env: dict[str, str]
    org: object
    truth: object
    sandbox: SandboxServer
    config: Path
    run: subprocess.CompletedProcess[str]
    seconds: float
    requests: dict[str, dict[str, int]]  # per tool, per endpoint

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def marts(self) -> Path:
        return self.home / "marts.duckdb"

    def vsm(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [VSM, *args], env=self.env, capture_output=True, text=True, timeout=timeout, cwd=ROOT
        )


@pytest.fixture(scope="session")
def medium_home(tmp_path_factory) -> Iterator[MediumHome]:
    import time

    organisation = generate_organisation(tier="medium", seed=7, now=NOW)
    home = tmp_path_factory.mktemp("vsm-medium")
    config = home / "valuestream.yml"
    config.write_text(render_sandbox_config(organisation), encoding="utf-8")
    write_bookings_csv(organisation.jira, home / "drop" / "environment_bookings.csv")
    with SandboxServer(organisation) as server:
        env = pipeline_env(home, server)
        env["VSM_CONFIG"] = str(config)
        server.reset_counts()
        started = time.perf_counter()
        run = subprocess.run(
            [VSM, "run"], env=env, capture_output=True, text=True, timeout=1800, cwd=ROOT
        )
        seconds = time.perf_counter() - started
        requests = {tool: dict(front.request_counts) for tool, front in server.fronts.items()}
        yield MediumHome(
            home=home,
            env=env,
            org=organisation,
            truth=ground_truth(organisation),
            sandbox=server,
            config=config,
            run=run,
            seconds=seconds,
            requests=requests,
        )
