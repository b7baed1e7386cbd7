"""`source_if_exists` (dbt_project/macros/source_if_exists.sql) asks the warehouse whether
a raw table exists, not dbt's relation cache, run by dbt itself on a project of its own.

dbt's cache is filled a relation at a time by the first model that lists a schema, and a
model compiling on another thread meanwhile sees the schema as cached with only part of its
tables: a raw table that exists was taken for absent and its staging view built empty. The
race cannot be timed in a test, so the test gives the cache a stale view of the raw schema
instead: the raw schema holds a model (so dbt caches the schema when the run starts), and
that model's post-hook creates the raw table after the cache was filled. The view built
after it must read the table, not the empty stand-in.
"""

from __future__ import annotations

import duckdb

from tests.dbt_project.own_project import OwnProject

SOURCES = """
version: 2
sources:
  - name: raw
    schema: main_raw
    tables:
      - name: events
        columns:
          - name: event_id
            data_type: integer
"""

# In the raw schema, so dbt caches that schema when the run starts; its post-hook then
# creates the raw table the cache does not know.
LOADER = """
{{ config(
    materialized='table',
    schema='raw',
    post_hook="create table main_raw.events as select range::integer as event_id from range(3)"
) }}
select 1 as loaded
"""

STAGED = """
{{ config(materialized='view') }}
-- depends_on: {{ ref('loader') }}
select event_id from {{ source_if_exists('raw', 'events') }}
"""


def test_a_raw_table_created_after_the_cache_was_filled_is_read(tmp_path) -> None:
    own = OwnProject(
        tmp_path,
        "source_check",
        macros=["source_if_exists.sql"],
        models={"loader.sql": LOADER, "staged.sql": STAGED, "sources.yml": SOURCES},
    )
    with duckdb.connect(str(own.warehouse)) as con:
        con.execute("create schema main_raw")  # the schema exists; the table not yet
    own.build()
    with duckdb.connect(str(own.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from main.staged").fetchone() == (3,)


def test_an_absent_raw_table_reads_as_empty_with_its_declared_columns(tmp_path) -> None:
    own = OwnProject(
        tmp_path,
        "source_check",
        macros=["source_if_exists.sql"],
        models={
            "staged.sql": "select event_id from {{ source_if_exists('raw', 'events') }}",
            "sources.yml": SOURCES,
        },
    )
    own.build()
    with duckdb.connect(str(own.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from main.staged").fetchone() == (0,)
        assert con.execute("describe main.staged").fetchall()[0][:2] == ("event_id", "INTEGER")
