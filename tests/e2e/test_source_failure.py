"""A source that fails (a bad token) fails its own assets with one clear line; the other
sources still load and the published marts stay as they were."""

from __future__ import annotations

import hashlib
import re
import subprocess

import duckdb
import pytest

from tests.e2e.conftest import ROOT, VSM, PipelineHome

pytestmark = pytest.mark.e2e


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_bad_token_fails_github_only_and_keeps_the_published_marts(
    refreshed, pipeline_home: PipelineHome
) -> None:
    before = _digest(pipeline_home.marts)
    env = dict(pipeline_home.env, SOURCES__GITHUB__ACCESS_TOKEN="not-a-valid-token")

    result = subprocess.run(
        [VSM, "run"], env=env, capture_output=True, text=True, timeout=600, cwd=ROOT
    )

    assert result.returncode == 1
    # A later run's first GitHub request is the change-check's GraphQL query.
    assert re.search(
        r"github source: GitHub answered 401 Bad credentials to (POST /graphql|GET /repos/acme/)",
        result.stderr,
    )
    assert "set SOURCES__GITHUB__ACCESS_TOKEN" in result.stderr
    assert "not-a-valid-token" not in result.stderr + result.stdout
    # The marts the dashboards read are the previous refresh's, byte for byte.
    assert _digest(pipeline_home.marts) == before

    # The config source ran in the same refresh and succeeded.
    con = duckdb.connect(str(pipeline_home.warehouse), read_only=True)
    try:
        loads = con.execute(
            "select count(*) from raw_config._dlt_loads where status = 0"
        ).fetchone()[0]
    finally:
        con.close()
    assert loads >= 3  # one per refresh: two good ones and this one
