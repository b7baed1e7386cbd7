"""The `replace_from` incremental strategy (dbt_project/macros/replace_from_strategy.sql),
which fct_flow_daily's refresh relies on, run by dbt itself on a model of its own.

A first build writes three partitions (streams a, b, c) of daily rows. The incremental run
then yields:
- stream a: a marker on day 2 and a recount of day 2 only: days 2-4 are replaced, so days 3
  and 4, which the recount no longer yields, are emptied; day 1 stays;
- stream b: nothing: the partition is left as it was;
- stream c: a marker alone on day 1: the whole partition is emptied (a stream removed).

A second model is partitioned by two columns (stream and grain): a marker replaces the
rows of its own (stream, grain) only, not the stream's other grains nor the grain's other
streams.
"""

from __future__ import annotations

import duckdb

from tests.dbt_project.own_project import OwnProject

MODEL = """
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_from',
        replace_partition_by='stream',
        replace_from_column='day',
        replace_marker='is_marker'
    )
}}
{% if is_incremental() %}
select * from (values
    ('a', 2, 0, true),
    ('a', 2, 5, false),
    ('c', 1, 0, true)
) as recount (stream, day, items, is_marker)
{% else %}
select * from (values
    ('a', 1, 1, false), ('a', 2, 1, false), ('a', 3, 1, false), ('a', 4, 1, false),
    ('b', 1, 2, false), ('b', 2, 2, false), ('b', 3, 2, false),
    ('c', 1, 3, false), ('c', 2, 3, false)
) as first_count (stream, day, items, is_marker)
{% endif %}
"""

PAIR_MODEL = """
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_from',
        replace_partition_by=['stream', 'grain'],
        replace_from_column='day',
        replace_marker='items is null'
    )
}}
{% if is_incremental() %}
select * from (values
    ('a', 'day', 2, null),
    ('a', 'day', 2, 7),
    ('b', 'week', 1, null)
) as recount (stream, grain, day, items)
{% else %}
select * from (values
    ('a', 'day', 1, 1), ('a', 'day', 2, 1), ('a', 'day', 3, 1),
    ('a', 'week', 1, 2), ('a', 'week', 2, 2),
    ('b', 'day', 1, 3), ('b', 'day', 2, 3),
    ('b', 'week', 1, 4)
) as first_count (stream, grain, day, items)
{% endif %}
"""


def test_replace_from_replaces_each_marked_partition_from_its_marker_on(tmp_path) -> None:
    own = OwnProject(
        tmp_path,
        "replace_from_check",
        macros=["replace_from_strategy.sql"],
        models={"daily.sql": MODEL, "periods.sql": PAIR_MODEL},
    )
    warehouse = own.warehouse

    def rows() -> list[tuple]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(
                "select stream, day, items from main.daily order by stream, day"
            ).fetchall()

    def period_rows() -> list[tuple]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(
                "select stream, grain, day, items from main.periods order by all"
            ).fetchall()

    own.build()
    first = rows()
    assert len(first) == 9
    assert len(period_rows()) == 8

    own.build()
    assert rows() == [
        ("a", 1, 1),  # before the marker: kept
        ("a", 2, 5),  # recounted; days 3 and 4, no longer yielded, are gone
        ("b", 1, 2),  # no marker: the partition is untouched
        ("b", 2, 2),
        ("b", 3, 2),
    ]  # stream c: a marker alone empties the partition; markers are never inserted
    assert period_rows() == [
        ("a", "day", 1, 1),  # before the marker: kept
        ("a", "day", 2, 7),  # recounted; day 3, no longer yielded, is gone
        ("a", "week", 1, 2),  # stream a's weeks: another partition, untouched
        ("a", "week", 2, 2),
        ("b", "day", 1, 3),  # stream b's days: untouched
        ("b", "day", 2, 3),
    ]  # (b, week): a marker alone empties it
