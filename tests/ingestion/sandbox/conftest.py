"""Shared fixture: the small tier at a fixed now."""

from __future__ import annotations

import pytest
from sandbox_scenarios import NOW

from ingestion.sandbox.generator import generate_organisation
from ingestion.sandbox.model import Organisation


@pytest.fixture(scope="session")
def small_org() -> Organisation:
    return generate_organisation("small", seed=7, now=NOW)
