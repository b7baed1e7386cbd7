"""The view materialization of DuckDB (dbt_project/macros/materializations/view.sql): a
view is created again only when its compiled SQL changed, run by dbt itself on a project
of its own.

Before each build the test marks every view's column with a comment of its own: a view
the build kept still carries it, a view created again has lost it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")
MACRO = ROOT / "dbt_project" / "macros" / "materializations" / "view.sql"

PROFILE = """
view_check:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{warehouse}"
      schema: main
      threads: 1
"""

PROJECT = """
name: view_check
version: "1.0"
profile: view_check
config-version: 2
model-paths: ["models"]
macro-paths: ["macros"]
models:
  view_check:
    +materialized: view
"""

NUMBERS = "select {{ var('step', 1) }} * range as n from range(3)"
DOUBLED = "select n * 2 as doubled from {{ ref('numbers') }}"
TOTAL = "{{ config(materialized='table') }}\nselect sum(doubled) as total from {{ ref('doubled') }}"


def _build(project: Path, env: dict[str, str], *extra: str) -> None:
    done = subprocess.run(
        [
            str(DBT),
            "build",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(project / "target"),
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_a_view_is_created_again_only_when_its_sql_changed(tmp_path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "macros").mkdir()
    shutil.copy(MACRO, project / "macros")
    (project / "models" / "numbers.sql").write_text(NUMBERS, encoding="utf-8")
    (project / "models" / "doubled.sql").write_text(DOUBLED, encoding="utf-8")
    (project / "models" / "total.sql").write_text(TOTAL, encoding="utf-8")
    (project / "dbt_project.yml").write_text(PROJECT, encoding="utf-8")
    warehouse = tmp_path / "warehouse.duckdb"
    (project / "profiles.yml").write_text(PROFILE.format(warehouse=warehouse), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("DBT_")}
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", DBT_LOG_PATH=str(tmp_path / "logs"))

    def views() -> dict[str, str]:
        """Each view's comment (the fingerprint of its SQL)."""
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return dict(
                con.execute(
                    "select view_name, comment from duckdb_views() "
                    "where not internal and schema_name = 'main'"
                ).fetchall()
            )

    def mark() -> None:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("comment on column main.numbers.n is 'before'")
            con.execute("comment on column main.doubled.doubled is 'before'")

    def kept() -> set[str]:
        """The views that still carry the mark() of before the build."""
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return {
                name
                for (name,) in con.execute(
                    "select table_name from duckdb_columns() "
                    "where schema_name = 'main' and comment = 'before'"
                ).fetchall()
            }

    def total() -> int:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("select total from main.total").fetchone()[0]

    def run(sql: str) -> None:
        with duckdb.connect(str(warehouse)) as con:
            con.execute(sql)

    _build(project, env)
    first = views()
    assert set(first) == {"numbers", "doubled"}
    assert all(comment.startswith("valuestream view ") for comment in first.values())
    assert first["numbers"] != first["doubled"]  # a fingerprint of each view's SQL
    assert total() == 6  # (0 + 1 + 2) * 2

    # Nothing changed: both views kept as they were; the table downstream still builds.
    mark()
    _build(project, env)
    assert kept() == {"numbers", "doubled"}
    assert views() == first
    assert total() == 6

    # A var changes the compiled SQL of `numbers`: that view alone is created again, with
    # the new SQL; `doubled`, whose SQL is unchanged, is kept and reads the new view.
    _build(project, env, "--vars", "{step: 10}")
    assert kept() == {"doubled"}
    changed = views()
    assert changed["numbers"] != first["numbers"]
    assert changed["doubled"] == first["doubled"]
    assert total() == 60

    # --full-refresh creates every view again, unchanged or not.
    mark()
    _build(project, env, "--vars", "{step: 10}", "--full-refresh")
    assert kept() == set()
    assert views() == changed

    # A view replaced by hand (its fingerprint gone), a dropped view and a table in a
    # view's place are each created again as the model's view.
    mark()
    run("create or replace view main.doubled as select 0 as doubled")
    run("drop view main.numbers")
    _build(project, env, "--vars", "{step: 10}")
    assert views() == changed
    assert total() == 60
    run("drop view main.numbers")
    run("create table main.numbers as select 5 as n")
    mark_doubled = "comment on column main.doubled.doubled is 'before'"
    run(mark_doubled)
    _build(project, env, "--vars", "{step: 10}")
    assert views() == changed
    assert kept() == {"doubled"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select count(*) from duckdb_tables() where table_name = 'numbers'"
        ).fetchone() == (0,)
    assert total() == 60
