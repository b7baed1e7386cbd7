{#- Production deployments and their outcomes per period and slice (metrics.md 2.3 and
    2.5) as a query: int_deployment_outcomes_aggregated_to_periods. A slice is measured
    from the day of its first production deployment through the as-of day in the stream's
    timezone; a deployment counts in the period of its finish, once, failed or not; a
    rollback or hotfix deployment is rework in the period of its own finish. Given
    `previous` (the rows already built), only the partitions (value stream, slice, slice
    value, grain) that changed, each from its first changed period on, opened by a marker
    row (deployments NULL) for the replace_from strategy (dora_replaced_partitions). -#}
{% macro deployment_outcome_periods(previous=none) -%}
{%- set columns = [
    'grain', 'period_start', 'slice', 'value_stream_id', 'slice_value', 'deployments',
    'failed_deployments', 'rework_deployments',
] -%}
with

deployments as (

    select * from {{ ref('int_deployment_failures') }}
    where value_stream_id is not null

),

value_streams as (

    select * from {{ ref('stg_config__value_streams') }}

),

localized_deployments as (

    select
        deployments.value_stream_id,
        deployments.team_id,
        deployments.service,
        deployments.is_failed,
        deployments.is_rework,
        {{ utc_to_local_timestamp(
            'deployments.finished_at', "coalesce(value_streams.timezone, 'UTC')"
        ) }} as finished_at_local,
        {{ dora_as_of_local_date("coalesce(value_streams.timezone, 'UTC')") }}
            as as_of_local_date
    from deployments
    inner join value_streams
        on deployments.value_stream_id = value_streams.value_stream_id

),

deployments_by_period as (

    {{ dora_slices('localized_deployments', 'finished_at_local') }}

),

deployments_by_day as (

    {{ dora_slices('localized_deployments', 'finished_at_local', grains=['day']) }}

),

bounds as (

    select
        value_stream_id,
        slice,
        slice_value,
        min(period_start) as first_local_date,
        min(as_of_local_date) as last_local_date
    from deployments_by_day
    group by value_stream_id, slice, slice_value

),

-- The periods with a deployment.
period_stats as (

    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start,
        cast(count(*) as integer) as deployments,
        cast(sum(case when is_failed then 1 else 0 end) as integer) as failed_deployments,
        cast(sum(case when is_rework then 1 else 0 end) as integer) as rework_deployments
    from deployments_by_period
    group by value_stream_id, slice, slice_value, grain, period_start

),

{%- if previous is none %}

spine as (

    {{ dora_period_spine('bounds') }}

),

{%- else %}

{{ dora_replaced_partitions(
    'bounds',
    'period_stats',
    previous,
    ['deployments', 'failed_deployments', 'rework_deployments'],
    built_counted='deployments > 0',
) }},

{%- endif %}

final as (

    select
        spine.grain,
        spine.period_start,
        spine.slice,
        spine.value_stream_id,
        spine.slice_value,
        coalesce(period_stats.deployments, 0) as deployments,
        coalesce(period_stats.failed_deployments, 0) as failed_deployments,
        coalesce(period_stats.rework_deployments, 0) as rework_deployments
    from spine
    left join period_stats
        on
            spine.value_stream_id = period_stats.value_stream_id
            and spine.slice = period_stats.slice
            and spine.slice_value = period_stats.slice_value
            and spine.grain = period_stats.grain
            and spine.period_start = period_stats.period_start

)

select * from final
{%- if previous is not none %}
union all
-- the markers (see the replace_from strategy): deployments NULL
{{ dora_replace_markers(columns) }}
{%- endif %}
{%- endmacro %}
