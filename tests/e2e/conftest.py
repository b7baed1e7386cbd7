"""One sandbox and one pipeline home shared by the end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingestion.sandbox import SandboxServer, generate_organisation, ground_truth

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

    def vsm(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [VSM, *args], env=self.env, capture_output=True, text=True, timeout=timeout, cwd=ROOT
        )


def pipeline_env(home: Path, sandbox: SandboxServer, now: datetime = NOW) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VSM_", "SOURCES__"))}
    env.update(
        VSM_HOME=str(home),
        VSM_CONFIG=str(ROOT / "valuestream.yml"),
        VSM_AS_OF=now.isoformat(),
        SOURCES__GITHUB__API_URL=sandbox.github_api_url,
        SOURCES__GITHUB__ACCESS_TOKEN=sandbox.github_token,
        DAGSTER_HOME=str(home / "dagster"),
    )
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
    return PipelineHome(
        home=home,
        env=pipeline_env(home, server),
        truth=ground_truth(organisation),
        sandbox=server,
    )
