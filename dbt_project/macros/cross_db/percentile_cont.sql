{#- The continuous percentile (linear between the two closest ranks, as percentile_cont) of
    `expression` at `fraction` (0 to 1), as an aggregate; NULL over no rows.
    `computed_with`: every fraction the query takes of the same expression (`fraction` among
    them). Each is then read from one aggregate over all of them, which the database
    computes once for the group (one sort of the values, not one per percentile). -#}
{% macro percentile_cont(expression, fraction, computed_with=none) -%}
    {%- if computed_with is not none and fraction not in computed_with -%}
        {{ exceptions.raise_compiler_error(
            "percentile_cont: " ~ fraction ~ " is not in computed_with " ~ computed_with
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('percentile_cont', 'valuestream')(expression, fraction, computed_with)) }}
{%- endmacro %}

{% macro default__percentile_cont(expression, fraction, computed_with=none) -%}
    {%- if computed_with is none -%}
        percentile_cont({{ fraction }}) within group (order by {{ expression }})
    {%- else -%}
        (percentile_cont(array[{{ computed_with | join(', ') }}]) within group (order by {{ expression }}))[{{ computed_with.index(fraction) + 1 }}]
    {%- endif -%}
{%- endmacro %}

{#- DuckDB: the quantile of the group's list of values (list() keeps NULLs, which the
    quantile then skips, as the aggregate does; no rows: NULL) rather than the
    quantile_cont aggregate. Same values, same time alone; but a grouped quantile_cont
    keeps a buffer per group, and on a build's busy database DuckDB spilled those of
    mart_value_stream_map_work's 313k groups to disk (6 GB): 29-69 s instead of 1.3 s in
    the `large` full build and 48 s in its audit (benchmarks/bench_dbt.py). -#}
{% macro duckdb__percentile_cont(expression, fraction, computed_with=none) -%}
    {%- if computed_with is none -%}
        list_aggregate(list({{ expression }}), 'quantile_cont', {{ fraction }})
    {%- else -%}
        (list_aggregate(list({{ expression }}), 'quantile_cont', [{{ computed_with | join(', ') }}]))[{{ computed_with.index(fraction) + 1 }}]
    {%- endif -%}
{%- endmacro %}
