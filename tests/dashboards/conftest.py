"""Fixtures: the hand-built published marts (see marts_fixture.py for the rows)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import streamlit as st
from marts_fixture import EXPECTED, Expected, write_marts


@pytest.fixture
def marts_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The hand-built marts at tmp/marts.duckdb, with VSM_MARTS pointing at it."""
    path = write_marts(tmp_path / "vsm" / "marts.duckdb")
    monkeypatch.setenv("VSM_MARTS", str(path))
    st.cache_data.clear()
    return path


@pytest.fixture
def missing_marts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """VSM_MARTS pointing at a file that does not exist."""
    path = tmp_path / "empty-home" / "marts.duckdb"
    monkeypatch.setenv("VSM_MARTS", str(path))
    st.cache_data.clear()
    assert not os.path.exists(path)
    return path


@pytest.fixture
def expected() -> Expected:
    return EXPECTED
