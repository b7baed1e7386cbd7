"""The house rules: ruff (lint and format) and sqlfluff are clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_lint_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout[-6000:]


def test_ruff_format_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout[-6000:]


def test_sqlfluff_is_clean() -> None:
    # One process per core: the dbt templater compiles every model (a minute alone).
    result = _run(
        str(BIN / "sqlfluff"),
        "lint",
        "--processes",
        "0",
        "dbt_project/models",
        "dbt_project/macros",
    )
    assert result.returncode == 0, result.stdout[-6000:]
