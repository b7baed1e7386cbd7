"""Shared fixtures of the GitHub source tests: the small sandbox organisation on a local
server (one per test module), and helpers to read the warehouse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from github_test_support import NOW

from ingestion.sandbox import SandboxServer, generate_organisation, ground_truth
from ingestion.sandbox.model import Organisation


@pytest.fixture(scope="module")
def org() -> Organisation:
    return generate_organisation(tier="small", seed=7, now=NOW)


@pytest.fixture(scope="module")
def truth(org):
    return ground_truth(org)


@pytest.fixture(scope="module")
def server(org) -> Iterator[SandboxServer]:
    with SandboxServer(org, host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture(scope="module")
def token(server) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCES__GITHUB__ACCESS_TOKEN", server.github_token)
        yield server.github_token
