{#- The time to restore service mart (metrics.md 2.4) as a query: every period of every
    slice and priority, or, given `previous` (the rows already built), only the partitions
    (value stream, slice, slice value, grain) that changed, each from its first changed
    period on, opened by a marker row (priority NULL) for the replace_from strategy. What
    changes a partition: see dora_replaced_partitions; here also a priority the slice
    gained or lost, or a renamed stream, from the slice's first period on. -#}
{% macro time_to_restore_periods(previous=none) -%}
{%- set stats_columns = [
    'incidents_resolved', 'negative_excluded', 'median_seconds', 'p75_seconds', 'p95_seconds'
] -%}
with

incidents as (

    select * from {{ ref('fct_incidents') }}
    where value_stream_id is not null

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

localized as (

    select
        incidents.value_stream_id,
        incidents.team_id,
        incidents.service,
        incidents.priority_slice,
        incidents.is_resolved,
        incidents.time_to_restore_seconds,
        {{ utc_to_local_timestamp(
            'incidents.started_at', "coalesce(value_streams.timezone, 'UTC')"
        ) }} as started_at_local,
        {{ utc_to_local_timestamp(
            'incidents.resolved_at', "coalesce(value_streams.timezone, 'UTC')"
        ) }} as resolved_at_local,
        {{ dora_as_of_local_date("coalesce(value_streams.timezone, 'UTC')") }}
            as as_of_local_date
    from incidents
    inner join value_streams
        on incidents.value_stream_id = value_streams.value_stream_id

),

resolved as (

    select * from localized
    where is_resolved

),

started_by_slice as (

    {{ dora_slices('localized', 'started_at_local', grains=['day']) }}

),

resolved_by_period as (

    {{ dora_slices('resolved', 'resolved_at_local') }}

),

-- A slice is measured from the day its first known incident started through the as-of
-- day in the stream's own timezone.
bounds as (

    select
        value_stream_id,
        slice,
        slice_value,
        min(period_start) as first_local_date,
        min(as_of_local_date) as last_local_date
    from started_by_slice
    group by value_stream_id, slice, slice_value

),

-- Every priority a slice's incidents carry, and 'all' (every incident, whatever its
-- priority): each is a row of its own for every period.
slice_priorities as (

    select distinct
        value_stream_id,
        slice,
        slice_value,
        priority_slice as priority
    from started_by_slice
    union all
    select distinct
        value_stream_id,
        slice,
        slice_value,
        'all' as priority
    from started_by_slice

),

-- A resolved incident counts in the period of its resolution, once in its priority and
-- once in 'all'; a negative duration (resolved before it started) is excluded.
restore_times as (

    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start,
        time_to_restore_seconds,
        priority_slice as priority
    from resolved_by_period
    union all
    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start,
        time_to_restore_seconds,
        'all' as priority
    from resolved_by_period

),

period_stats as (

    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start,
        priority,
        cast(
            sum(case when time_to_restore_seconds >= 0 then 1 else 0 end) as integer
        ) as incidents_resolved,
        cast(
            sum(case when time_to_restore_seconds < 0 then 1 else 0 end) as integer
        ) as negative_excluded,
        cast({{ percentile_cont(
            'case when time_to_restore_seconds >= 0 then time_to_restore_seconds end', 0.5,
            computed_with=[0.5, 0.75, 0.95]
        ) }} as double precision) as median_seconds,
        cast({{ percentile_cont(
            'case when time_to_restore_seconds >= 0 then time_to_restore_seconds end', 0.75,
            computed_with=[0.5, 0.75, 0.95]
        ) }} as double precision) as p75_seconds,
        cast({{ percentile_cont(
            'case when time_to_restore_seconds >= 0 then time_to_restore_seconds end', 0.95,
            computed_with=[0.5, 0.75, 0.95]
        ) }} as double precision) as p95_seconds
    from restore_times
    group by value_stream_id, slice, slice_value, grain, period_start, priority

),

{%- if previous is none %}

spine as (

    {{ dora_period_spine('bounds') }}

),

{%- else %}

built_priorities as (

    select distinct
        value_stream_id,
        slice,
        slice_value,
        priority
    from {{ previous }}

),

-- The slices whose priorities are not those built (one gained or lost).
reprioritized as (

    select distinct
        coalesce(slice_priorities.value_stream_id, built_priorities.value_stream_id)
            as value_stream_id,
        coalesce(slice_priorities.slice, built_priorities.slice) as slice,
        coalesce(slice_priorities.slice_value, built_priorities.slice_value) as slice_value
    from slice_priorities
    full outer join built_priorities
        on
            slice_priorities.value_stream_id = built_priorities.value_stream_id
            and slice_priorities.slice = built_priorities.slice
            and slice_priorities.slice_value = built_priorities.slice_value
            and slice_priorities.priority = built_priorities.priority
    where slice_priorities.priority is null or built_priorities.priority is null

),

{{ dora_replaced_partitions(
    'bounds',
    'period_stats',
    previous,
    stats_columns,
    built_counted='incidents_resolved > 0 or negative_excluded > 0',
    row_keys=['priority'],
    rebuilt_slices='reprioritized',
    fixed_columns={'value_stream_name': 'value_streams.value_stream_name'},
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
        slice_priorities.priority,
        coalesce(period_stats.incidents_resolved, 0) as incidents_resolved,
        period_stats.median_seconds,
        period_stats.p75_seconds,
        period_stats.p95_seconds,
        coalesce(period_stats.negative_excluded, 0) as negative_excluded,
        case
            when spine.grain = 'week'
                then cast(extract(isoyear from spine.period_start) as integer)
        end as iso_year,
        case
            when spine.grain = 'week'
                then cast(extract(week from spine.period_start) as integer)
        end as iso_week
    from spine
    inner join value_streams
        on spine.value_stream_id = value_streams.value_stream_id
    inner join slice_priorities
        on
            spine.value_stream_id = slice_priorities.value_stream_id
            and spine.slice = slice_priorities.slice
            and spine.slice_value = slice_priorities.slice_value
    left join period_stats
        on
            spine.value_stream_id = period_stats.value_stream_id
            and spine.slice = period_stats.slice
            and spine.slice_value = period_stats.slice_value
            and spine.grain = period_stats.grain
            and spine.period_start = period_stats.period_start
            and slice_priorities.priority = period_stats.priority

)

select * from final
{%- if previous is not none %}
union all
-- the markers (see the replace_from strategy): priority NULL
{{ dora_replace_markers([
    'grain', 'period_start', 'slice', 'value_stream_id', 'value_stream_name', 'slice_value',
    'priority', 'incidents_resolved', 'median_seconds', 'p75_seconds', 'p95_seconds',
    'negative_excluded', 'iso_year', 'iso_week',
]) }}
{%- endif %}
{%- endmacro %}
