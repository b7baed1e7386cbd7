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

spine as (

    {{ dora_period_spine('bounds') }}

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

final as (

    select
        spine.grain,
        spine.period_start,
        spine.slice,
        spine.value_stream_id,
        value_streams.value_stream_name,
        spine.slice_value,
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
        ) }} as band,
        cast({{ var('dora_report_year') }} as integer) as report_year
    from spine
    inner join value_streams
        on spine.value_stream_id = value_streams.value_stream_id
    left join recovery_stats
        on
            spine.value_stream_id = recovery_stats.value_stream_id
            and spine.slice = recovery_stats.slice
            and spine.slice_value = recovery_stats.slice_value
            and spine.grain = recovery_stats.grain
            and spine.period_start = recovery_stats.period_start
    left join open_stats
        on
            spine.value_stream_id = open_stats.value_stream_id
            and spine.slice = open_stats.slice
            and spine.slice_value = open_stats.slice_value
            and spine.grain = open_stats.grain
            and spine.period_start = open_stats.period_start

)

select * from final
