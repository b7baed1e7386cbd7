with

incidents as (

    select * from {{ ref('fct_incidents') }}
    where value_stream_id is not null

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

-- The last week of the spine is the week containing the as-of instant in each stream's
-- own timezone; the first is the week the stream's first known incident started.
as_of_weeks as (

    select
        value_stream_id,
        cast(
            {{ dbt.date_trunc(
                'week', utc_to_local_timestamp(as_of_timestamp(), 'timezone')
            ) }} as date
        ) as as_of_week
    from value_streams

),

week_bounds as (

    select
        incidents.value_stream_id,
        min(incidents.started_week) as first_week_start,
        min(as_of_weeks.as_of_week) as last_week_start
    from incidents
    inner join as_of_weeks
        on incidents.value_stream_id = as_of_weeks.value_stream_id
    group by incidents.value_stream_id

),

week_spine as (

    {{ value_stream_week_spine('week_bounds') }}

),

-- Every priority a stream's incidents carry, and 'all' (every incident, whatever its
-- priority): each is a slice with its own full run of weeks.
stream_priorities as (

    select distinct
        value_stream_id,
        priority_slice as priority
    from incidents
    union all
    select distinct
        value_stream_id,
        'all' as priority
    from incidents

),

-- A resolved incident counts in the week of its resolution, once in its priority's slice
-- and once in 'all'; a negative duration (resolved before it started) is excluded.
restore_times as (

    select
        value_stream_id,
        resolved_week,
        time_to_restore_seconds,
        priority_slice as priority
    from incidents
    where is_resolved
    union all
    select
        value_stream_id,
        resolved_week,
        time_to_restore_seconds,
        'all' as priority
    from incidents
    where is_resolved

),

weekly_stats as (

    select
        value_stream_id,
        resolved_week as week_start,
        priority,
        sum(case when time_to_restore_seconds >= 0 then 1 else 0 end) as incidents_resolved,
        sum(case when time_to_restore_seconds < 0 then 1 else 0 end) as negative_excluded,
        {{ percentile_cont(
            'case when time_to_restore_seconds >= 0 then time_to_restore_seconds end', 0.5
        ) }} as median_seconds,
        {{ percentile_cont(
            'case when time_to_restore_seconds >= 0 then time_to_restore_seconds end', 0.75
        ) }} as p75_seconds,
        {{ percentile_cont(
            'case when time_to_restore_seconds >= 0 then time_to_restore_seconds end', 0.95
        ) }} as p95_seconds
    from restore_times
    group by value_stream_id, resolved_week, priority

),

final as (

    select
        week_spine.value_stream_id,
        value_streams.value_stream_name,
        week_spine.week_start,
        cast(extract(isoyear from week_spine.week_start) as integer) as iso_year,
        cast(extract(week from week_spine.week_start) as integer) as iso_week,
        stream_priorities.priority,
        cast(coalesce(weekly_stats.incidents_resolved, 0) as integer) as incidents_resolved,
        cast(weekly_stats.median_seconds as double precision) as median_seconds,
        cast(weekly_stats.p75_seconds as double precision) as p75_seconds,
        cast(weekly_stats.p95_seconds as double precision) as p95_seconds,
        cast(coalesce(weekly_stats.negative_excluded, 0) as integer) as negative_excluded
    from week_spine
    inner join value_streams
        on week_spine.value_stream_id = value_streams.value_stream_id
    inner join stream_priorities
        on week_spine.value_stream_id = stream_priorities.value_stream_id
    left join weekly_stats
        on
            week_spine.value_stream_id = weekly_stats.value_stream_id
            and week_spine.week_start = weekly_stats.week_start
            and stream_priorities.priority = weekly_stats.priority

)

select * from final
