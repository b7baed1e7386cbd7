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

{% macro duckdb__percentile_cont(expression, fraction, computed_with=none) -%}
    {%- if computed_with is none -%}
        quantile_cont({{ expression }}, {{ fraction }})
    {%- else -%}
        (quantile_cont({{ expression }}, [{{ computed_with | join(', ') }}]))[{{ computed_with.index(fraction) + 1 }}]
    {%- endif -%}
{%- endmacro %}
