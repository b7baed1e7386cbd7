{#- The failed deployment recovery time mart (metrics.md 2.4) as a query: every period of
    every slice, or, given `previous` (the rows already built), only the partitions (value
    stream, slice, slice value, grain) that changed, each from its first changed period
    on, opened by a marker row (value_stream_name NULL) for the replace_from strategy.
    What changes a partition: see dora_replaced_partitions; the statistics compared
    include the band, so a change of the bands' seed restates every period it moves. -#}
{% macro failed_deployment_recovery_periods(previous=none) -%}
{%- set stats_columns = [
    'recovered_deployments', 'median_seconds', 'p75_seconds', 'p95_seconds',
    'open_failed_deployments', 'negative_excluded', 'band',
] -%}
{%- set report_year = 'cast(' ~ var('dora_report_year') ~ ' as integer)' -%}
with

deployments as (

    select * from {{ ref('int_deployment_failures') }}
    where value_stream_id is not null

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

localized_deployments as (

    select
        deployments.value_stream_id,
        deployments.team_id,
        deployments.service,
        deployments.is_failed,
        deployments.recovered_at,
        deployments.recovery_seconds,
        {{ utc_to_local_timestamp(
            'deployments.finished_at', "coalesce(value_streams.timezone, 'UTC')"
        ) }} as finished_at_local,
        {{ utc_to_local_timestamp(
            'deployments.recovered_at', "coalesce(value_streams.timezone, 'UTC')"
        ) }} as recovered_at_local,
        {{ dora_as_of_local_date("coalesce(value_streams.timezone, 'UTC')") }}
            as as_of_local_date
    from deployments
    inner join value_streams
        on deployments.value_stream_id = value_streams.value_stream_id

),

recovered_deployments as (

    select * from localized_deployments
    where recovered_at is not null

),

open_failed_deployments as (

    select * from localized_deployments
    where is_failed and recovered_at is null

),

deployments_by_period as (

    {{ dora_slices('localized_deployments', 'finished_at_local', grains=['day']) }}

),

recoveries_by_period as (

    {{ dora_slices('recovered_deployments', 'recovered_at_local') }}

),

open_by_period as (

    {{ dora_slices('open_failed_deployments', 'finished_at_local') }}

),

-- A slice is measured from the day of its first production deployment through the as-of
-- day in the stream's timezone (the change failure rate's periods).
bounds as (

    select
        value_stream_id,
        slice,
        slice_value,
        min(period_start) as first_local_date,
        min(as_of_local_date) as last_local_date
    from deployments_by_period
    group by value_stream_id, slice, slice_value

),

-- A recovered failed deployment counts in the period of its recovery; a negative time
-- (recovered before it finished: an incident naming a later deployment and resolved
-- before it) is excluded from the statistics and counted.
{%- set valid_recovery = 'case when recovery_seconds >= 0 then recovery_seconds end' %}

recovery_stats as (

    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start,
        sum(case when recovery_seconds >= 0 then 1 else 0 end) as recovered_deployments,
        sum(case when recovery_seconds < 0 then 1 else 0 end) as negative_excluded,
        {{ percentile_cont(
            valid_recovery, 0.5, computed_with=[0.5, 0.75, 0.95]
        ) }} as median_seconds,
        {{ percentile_cont(
            valid_recovery, 0.75, computed_with=[0.5, 0.75, 0.95]
        ) }} as p75_seconds,
        {{ percentile_cont(
            valid_recovery, 0.95, computed_with=[0.5, 0.75, 0.95]
        ) }} as p95_seconds
    from recoveries_by_period
    group by value_stream_id, slice, slice_value, grain, period_start

),

-- A failed deployment not recovered (as of now) is shown as open in the period of its
-- finish.
open_stats as (

    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start,
        count(*) as open_failed_deployments
    from open_by_period
    group by value_stream_id, slice, slice_value, grain, period_start

),

-- The periods with something counted, with the statistics their rows show.
period_stats as (

    select
        coalesce(recovery_stats.value_stream_id, open_stats.value_stream_id) as value_stream_id,
        coalesce(recovery_stats.slice, open_stats.slice) as slice,
        coalesce(recovery_stats.slice_value, open_stats.slice_value) as slice_value,
        coalesce(recovery_stats.grain, open_stats.grain) as grain,
        coalesce(recovery_stats.period_start, open_stats.period_start) as period_start,
        cast(coalesce(recovery_stats.recovered_deployments, 0) as integer)
            as recovered_deployments,
        cast(recovery_stats.median_seconds as double precision) as median_seconds,
        cast(recovery_stats.p75_seconds as double precision) as p75_seconds,
        cast(recovery_stats.p95_seconds as double precision) as p95_seconds,
        cast(coalesce(open_stats.open_failed_deployments, 0) as integer)
            as open_failed_deployments,
        cast(coalesce(recovery_stats.negative_excluded, 0) as integer) as negative_excluded,
        {{ dora_band(
            'failed_deployment_recovery_time', 'cast(recovery_stats.median_seconds as double precision)'
        ) }} as band
    from recovery_stats
    full outer join open_stats
        on
            recovery_stats.value_stream_id = open_stats.value_stream_id
            and recovery_stats.slice = open_stats.slice
            and recovery_stats.slice_value = open_stats.slice_value
            and recovery_stats.grain = open_stats.grain
            and recovery_stats.period_start = open_stats.period_start

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
    stats_columns,
    built_counted='recovered_deployments > 0 or negative_excluded > 0'
    ~ ' or open_failed_deployments > 0',
    fixed_columns={
        'value_stream_name': 'value_streams.value_stream_name',
        'report_year': report_year,
    },
) }},

{%- endif %}

final as (

    select
        spine.grain,
        spine.period_start,
        spine.slice,
        spine.value_stream_id,
        value_streams.value_stream_name,
        spine.slice_value,
        coalesce(period_stats.recovered_deployments, 0) as recovered_deployments,
        period_stats.median_seconds,
        period_stats.p75_seconds,
        period_stats.p95_seconds,
        coalesce(period_stats.open_failed_deployments, 0) as open_failed_deployments,
        coalesce(period_stats.negative_excluded, 0) as negative_excluded,
        period_stats.band,
        {{ report_year }} as report_year
    from spine
    inner join value_streams
        on spine.value_stream_id = value_streams.value_stream_id
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
-- the markers (see the replace_from strategy): value_stream_name NULL
{{ dora_replace_markers([
    'grain', 'period_start', 'slice', 'value_stream_id', 'value_stream_name', 'slice_value',
    'recovered_deployments', 'median_seconds', 'p75_seconds', 'p95_seconds',
    'open_failed_deployments', 'negative_excluded', 'band', 'report_year',
]) }}
{%- endif %}
{%- endmacro %}
