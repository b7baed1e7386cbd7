"""The view materialization of DuckDB (dbt_project/macros/materializations/view.sql): a
view is created again only when its compiled SQL changed, run by dbt itself on a project
of its own.

Before each build the test marks every view's column with a comment of its own: a view
the build kept still carries it, a view created again has lost it.
"""

from __future__ import annotations

import duckdb

from tests.dbt_project.own_project import OwnProject

PROJECT_CONFIG = """
models:
  view_check:
    +materialized: view
"""

NUMBERS = "select {{ var('step', 1) }} * range as n from range(3)"
DOUBLED = "select n * 2 as doubled from {{ ref('numbers') }}"
TOTAL = "{{ config(materialized='table') }}\nselect sum(doubled) as total from {{ ref('doubled') }}"


def test_a_view_is_created_again_only_when_its_sql_changed(tmp_path) -> None:
    own = OwnProject(
        tmp_path,
        "view_check",
        macros=["materializations/view.sql"],
        models={"numbers.sql": NUMBERS, "doubled.sql": DOUBLED, "total.sql": TOTAL},
        project_config=PROJECT_CONFIG,
    )
    warehouse = own.warehouse

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

    own.build()
    first = views()
    assert set(first) == {"numbers", "doubled"}
    assert all(comment.startswith("valuestream view ") for comment in first.values())
    assert first["numbers"] != first["doubled"]  # a fingerprint of each view's SQL
    assert total() == 6  # (0 + 1 + 2) * 2

    # Nothing changed: both views kept as they were; the table downstream still builds.
    mark()
    own.build()
    assert kept() == {"numbers", "doubled"}
    assert views() == first
    assert total() == 6

    # A var changes the compiled SQL of `numbers`: that view alone is created again, with
    # the new SQL; `doubled`, whose SQL is unchanged, is kept and reads the new view.
    own.build("--vars", "{step: 10}")
    assert kept() == {"doubled"}
    changed = views()
    assert changed["numbers"] != first["numbers"]
    assert changed["doubled"] == first["doubled"]
    assert total() == 60

    # --full-refresh creates every view again, unchanged or not.
    mark()
    own.build("--vars", "{step: 10}", "--full-refresh")
    assert kept() == set()
    assert views() == changed

    # A view replaced by hand (its fingerprint gone), a dropped view and a table in a
    # view's place are each created again as the model's view.
    mark()
    run("create or replace view main.doubled as select 0 as doubled")
    run("drop view main.numbers")
    own.build("--vars", "{step: 10}")
    assert views() == changed
    assert total() == 60
    run("drop view main.numbers")
    run("create table main.numbers as select 5 as n")
    # A view that fails to build in a table's place leaves the table as it was.
    own.build("--vars", "{step: not_a_column}", succeeds=False)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select n from main.numbers").fetchall() == [(5,)]
    mark_doubled = "comment on column main.doubled.doubled is 'before'"
    run(mark_doubled)
    own.build("--vars", "{step: 10}")
    assert views() == changed
    assert kept() == {"doubled"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select count(*) from duckdb_tables() where table_name = 'numbers'"
        ).fetchone() == (0,)
    assert total() == 60
