{#- One row per (value_stream_id, week_start) for every Monday from first_week_start through
    last_week_start of each row of `bounds` (a CTE or relation with value_stream_id,
    first_week_start, last_week_start, all weeks as Monday dates). Cross-database: the week
    numbers come from dbt.generate_series, bounded by var('week_spine_max_weeks'). -#}
{% macro value_stream_week_spine(bounds) -%}
    {%- set week_start_expression = dbt.dateadd(
        'day', '7 * (week_numbers.generated_number - 1)', 'bounds.first_week_start'
    ) -%}
    select
        bounds.value_stream_id,
        cast({{ week_start_expression }} as date) as week_start
    from {{ bounds }} as bounds
    cross join (
        {{ dbt.generate_series(var('week_spine_max_weeks')) }}
    ) as week_numbers
    where cast({{ week_start_expression }} as date) <= bounds.last_week_start
{%- endmacro %}
