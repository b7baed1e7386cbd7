"""The house rules: ruff (lint and format) and sqlfluff are clean."""

from __future__ import annotations

import os
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
    # One sqlfluff process per core, each on its share of the models: the dbt templater
    # compiles every model (a minute alone). Not `--processes`: sqlfluff's worker pool can
    # hang for good in its shutdown once every file is linted (a worker left blocked on the
    # pool's queue lock).
    models = sorted(
        str(path.relative_to(ROOT)) for path in ROOT.glob("dbt_project/models/**/*.sql")
    )
    assert len(models) > 50
    shares = max(1, min(os.cpu_count() or 1, 4))
    commands = [
        [str(BIN / "sqlfluff"), "lint", "--processes", "1", *models[share::shares]]
        for share in range(shares)
    ]
    commands[0].append("dbt_project/macros")
    running = [
        subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for command in commands
    ]
    outputs = [process.communicate(timeout=600)[0] for process in running]
    for process, output in zip(running, outputs, strict=True):
        assert process.returncode == 0, output[-6000:]
