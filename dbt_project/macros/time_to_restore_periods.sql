{#- The time to restore service mart (metrics.md 2.4) as a query: every period of every
    slice and priority, or, given `previous` (the rows already built), only the partitions
    (value stream, slice, slice value, grain) that changed, each from its first changed
    period on, opened by a marker row (priority NULL) for the replace_from strategy.

    A row depends only on whether its period lies in the slice's measured run (from the
    period of its first known incident through the as-of period), on which priorities the
    slice has, on the stream's name and on the statistics of the incidents resolved in it.
    So a partition changes from the earliest of:
    - the first period whose statistics differ from the rows built (compared on the
      periods with a resolved incident, which are few: every other period's row is fixed);
    - the first or last period of the run, where either end moved (a new as-of day, an
      incident older than the first; a run that no longer ends as far: the marker deletes
      the rest);
    - its first period, where the slice gained or lost a priority or the stream was
      renamed; a partition no longer measured gets a marker alone, on its first period.
    Any other partition is left as built. -#}
{% macro time_to_restore_periods(previous=none) -%}
{%- set stats_columns = [
    'incidents_resolved', 'negative_excluded', 'median_seconds', 'p75_seconds', 'p95_seconds'
] -%}
{%- set partition_columns = ['value_stream_id', 'slice', 'slice_value', 'grain'] -%}
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

-- Each partition's run: its first and last period, where the slice is measured at all.
fresh_runs as (

    select
        bounds.value_stream_id,
        bounds.slice,
        bounds.slice_value,
        grains.grain,
        {{ dora_period_start('grains.grain', 'bounds.first_local_date') }} as first_period,
        {{ dora_period_start('grains.grain', 'bounds.last_local_date') }} as last_period
    from bounds
    cross join ({{ dora_grains() }}) as grains
    where bounds.first_local_date <= bounds.last_local_date

),

built_runs as (

    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        min(period_start) as first_period,
        max(period_start) as last_period,
        min(value_stream_name) as value_stream_name
    from {{ previous }}
    group by value_stream_id, slice, slice_value, grain

),

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

-- The periods built with a resolved incident (every other row is fixed by its run).
built_stats as (

    select
        {{ partition_columns | join(', ') }},
        period_start,
        priority,
        {{ stats_columns | join(', ') }}
    from {{ previous }}
    where incidents_resolved > 0 or negative_excluded > 0

),

-- The statistics of the periods in each partition's run (an incident resolved before the
-- slice's first day or after the as-of day falls in no row).
measured_stats as (

    select period_stats.*
    from period_stats
    inner join fresh_runs
        on
            {%- for column in partition_columns %}
            {% if not loop.first %}and {% endif -%}
            period_stats.{{ column }} = fresh_runs.{{ column }}
            {%- endfor %}
            and period_stats.period_start >= fresh_runs.first_period
            and period_stats.period_start <= fresh_runs.last_period

),

-- Per partition, the first period whose statistics are not those built.
restated as (

    select
        {%- for column in partition_columns %}
        coalesce(period_stats.{{ column }}, built_stats.{{ column }}) as {{ column }},
        {%- endfor %}
        min(coalesce(period_stats.period_start, built_stats.period_start)) as restated_from
    from measured_stats as period_stats
    full outer join built_stats
        on
            {%- for column in partition_columns + ['period_start', 'priority'] %}
            {% if not loop.first %}and {% endif -%}
            period_stats.{{ column }} = built_stats.{{ column }}
            {%- endfor %}
    where
        period_stats.period_start is null
        or built_stats.period_start is null
        {%- for column in stats_columns %}
        or period_stats.{{ column }} is distinct from built_stats.{{ column }}
        {%- endfor %}
    group by
        {%- for column in partition_columns %}
        coalesce(period_stats.{{ column }}, built_stats.{{ column }})
        {%- if not loop.last %},{% endif %}
        {%- endfor %}

),

-- Each partition's first replaced period (NULL: left as built).
replaced as (

    select
        {%- for column in partition_columns %}
        coalesce(fresh_runs.{{ column }}, built_runs.{{ column }}) as {{ column }},
        {%- endfor %}
        case
            when fresh_runs.first_period is null then built_runs.first_period
            when built_runs.first_period is null then fresh_runs.first_period
            when
                reprioritized.slice is not null
                or built_runs.value_stream_name <> value_streams.value_stream_name
                or fresh_runs.first_period <> built_runs.first_period
                then least(fresh_runs.first_period, built_runs.first_period)
            when restated.restated_from is not null and fresh_runs.last_period <> built_runs.last_period
                then least(
                    restated.restated_from, fresh_runs.last_period, built_runs.last_period
                )
            when fresh_runs.last_period <> built_runs.last_period
                then least(fresh_runs.last_period, built_runs.last_period)
            else restated.restated_from
        end as replaced_from
    from fresh_runs
    full outer join built_runs
        on
            {%- for column in partition_columns %}
            {% if not loop.first %}and {% endif -%}
            fresh_runs.{{ column }} = built_runs.{{ column }}
            {%- endfor %}
    left join value_streams
        on coalesce(fresh_runs.value_stream_id, built_runs.value_stream_id)
        = value_streams.value_stream_id
    left join reprioritized
        on
            coalesce(fresh_runs.value_stream_id, built_runs.value_stream_id)
            = reprioritized.value_stream_id
            and coalesce(fresh_runs.slice, built_runs.slice) = reprioritized.slice
            and coalesce(fresh_runs.slice_value, built_runs.slice_value)
            = reprioritized.slice_value
    left join restated
        on
            {%- for column in partition_columns %}
            {% if not loop.first %}and {% endif -%}
            coalesce(fresh_runs.{{ column }}, built_runs.{{ column }}) = restated.{{ column }}
            {%- endfor %}

),

-- The runs to rebuild, each from the earliest day its partitions are replaced from (not
-- before its first day).
rebuilt_bounds as (

    select
        bounds.value_stream_id,
        bounds.slice,
        bounds.slice_value,
        greatest(min(bounds.first_local_date), min(replaced.replaced_from))
            as first_local_date,
        min(bounds.last_local_date) as last_local_date
    from bounds
    inner join replaced
        on
            bounds.value_stream_id = replaced.value_stream_id
            and bounds.slice = replaced.slice
            and bounds.slice_value = replaced.slice_value
    where replaced.replaced_from is not null
    group by bounds.value_stream_id, bounds.slice, bounds.slice_value

),

spine as (

    select rebuilt_spine.*
    from ({{ dora_period_spine('rebuilt_bounds') }}) as rebuilt_spine
    inner join replaced
        on
            {%- for column in partition_columns %}
            {% if not loop.first %}and {% endif -%}
            rebuilt_spine.{{ column }} = replaced.{{ column }}
            {%- endfor %}
            and rebuilt_spine.period_start >= replaced.replaced_from

),

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
select
    grain,
    replaced_from as period_start,
    slice,
    value_stream_id,
    null as value_stream_name,
    slice_value,
    null as priority,
    null as incidents_resolved,
    null as median_seconds,
    null as p75_seconds,
    null as p95_seconds,
    null as negative_excluded,
    null as iso_year,
    null as iso_week
from replaced
where replaced_from is not null
{%- endif %}
{%- endmacro %}
