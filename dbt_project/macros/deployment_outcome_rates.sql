{#- A rate of deployment outcomes per period and slice over
    int_deployment_outcomes_aggregated_to_periods, as a query: the share `rate` of the
    period's production deployments that are `count` (failed_deployments: the change
    failure rate, metrics.md 2.3; rework_deployments: the deployment rework rate, 2.5),
    NULL over none, never 0, with its DORA band of `band_metric` and the report year when
    given. Given `previous` (the rows already built), only the partitions (value stream,
    slice, slice value, grain) that changed, each from its first changed period on, opened
    by a marker row (deployments NULL) for the replace_from strategy
    (dora_replaced_partitions). -#}
{% macro deployment_outcome_rates(count, band_metric=none, previous=none) -%}
{%- set report_year = 'cast(' ~ var('dora_report_year') ~ ' as integer)' -%}
{%- set columns = [
    'grain', 'period_start', 'slice', 'value_stream_id', 'value_stream_name', 'slice_value',
    'deployments', count, 'rate',
] + (['band', 'report_year'] if band_metric else []) -%}
{%- set fixed_columns = {'value_stream_name': 'value_streams.value_stream_name'} -%}
{%- if band_metric -%}
    {%- do fixed_columns.update({'report_year': report_year}) -%}
{%- endif -%}
with

periods as (

    select * from {{ ref('int_deployment_outcomes_aggregated_to_periods') }}

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

rated as (

    select
        grain,
        period_start,
        slice,
        value_stream_id,
        slice_value,
        deployments,
        {{ count }},
        cast({{ count }} as double precision) / nullif(deployments, 0) as rate
    from periods

),

{%- if previous is not none %}

-- The periods with a deployment, as their rows show them.
period_stats as (

    select
        {%- if band_metric %}
        {{ dora_band(band_metric, 'rated.rate') }} as band,
        {%- endif %}
        rated.*
    from rated
    where rated.deployments > 0

),

{{ dora_replaced_partitions(
    none,
    'period_stats',
    previous,
    ['deployments', count, 'rate'] + (['band'] if band_metric else []),
    built_counted='deployments > 0',
    fixed_columns=fixed_columns,
    periods='rated',
) }},

{%- endif %}

final as (

    select
        rated.grain,
        rated.period_start,
        rated.slice,
        rated.value_stream_id,
        value_streams.value_stream_name,
        rated.slice_value,
        rated.deployments,
        rated.{{ count }},
        {%- if band_metric %}
        {{ dora_band(band_metric, 'rated.rate') }} as band,
        {{ report_year }} as report_year,
        {%- endif %}
        rated.rate
    {%- if previous is not none %}
    from spine as rated
    {%- else %}
    from rated
    {%- endif %}
    inner join value_streams
        on rated.value_stream_id = value_streams.value_stream_id

)

select {{ columns | join(', ') }} from final
{%- if previous is not none %}
union all
-- the markers (see the replace_from strategy): deployments NULL
{{ dora_replace_markers(columns) }}
{%- endif %}
{%- endmacro %}
