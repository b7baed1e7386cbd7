"""A dbt project of its own for a test of one of dbt_project's macros: the macro files
copied from dbt_project/macros, the test's models, a DuckDB warehouse in the test's folder,
built by dbt itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")

PROFILE = """
{name}:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{warehouse}"
      schema: main
      threads: 1
"""

PROJECT = """
name: {name}
version: "1.0"
profile: {name}
config-version: 2
model-paths: ["models"]
macro-paths: ["macros"]
"""


class OwnProject:
    """A project `name` in `folder` with `macros` (paths below dbt_project/macros) and
    `models` (file name: SQL); `project_config` is appended to its dbt_project.yml."""

    def __init__(
        self,
        folder: Path,
        name: str,
        macros: list[str],
        models: dict[str, str],
        project_config: str = "",
    ) -> None:
        self.project = folder / "project"
        self.warehouse = folder / "warehouse.duckdb"
        (self.project / "models").mkdir(parents=True)
        (self.project / "macros").mkdir()
        for macro in macros:
            shutil.copy(ROOT / "dbt_project" / "macros" / macro, self.project / "macros")
        for file_name, sql in models.items():
            (self.project / "models" / file_name).write_text(sql, encoding="utf-8")
        (self.project / "dbt_project.yml").write_text(
            PROJECT.format(name=name) + project_config, encoding="utf-8"
        )
        (self.project / "profiles.yml").write_text(
            PROFILE.format(name=name, warehouse=self.warehouse), encoding="utf-8"
        )
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("DBT_")}
        self.env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", DBT_LOG_PATH=str(folder / "logs"))

    def build(self, *extra: str, succeeds: bool = True) -> None:
        """`dbt build` with `extra` arguments; fails the test with dbt's output when the
        build does not succeed (or, with ``succeeds=False``, when it does)."""
        done = subprocess.run(
            [
                str(DBT),
                "build",
                "--project-dir",
                str(self.project),
                "--profiles-dir",
                str(self.project),
                "--target-path",
                str(self.project / "target"),
                *extra,
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert (done.returncode == 0) == succeeds, done.stdout[-4000:] + done.stderr[-2000:]
