{% macro work_map_periods(previous=none) %}
{#- The rows of mart_value_stream_map_work: per period (every grain of var('dora_grains'),
    in the stream's timezone), value stream and stage, the visits of int_work_map_visits
    that ended in the period, with their lead, process and wait times (median and sum) and
    %C&A. Each row also carries the newest rewrite of the visits read
    (visits_rewritten_at) and the stream's stage map (stage_map_fingerprint).

    previous: the rows already built (an incremental run), or none (every period). With
    it, only the periods that changed are written, each with a marker row (its
    status_id NULL, stage order -1) that makes the replace_from strategy delete the
    period's built rows. A period of a stream and grain changed when one of its stages:
    - holds a visit written since the newest rewrite the previous rows read (the visits
      table rewrites an item's visits whole, so any changed visit is among them);
    - holds another number of visits than built (a visit deleted or moved: a period whose
      visits were not rewritten and whose count is the same holds the same visits as built,
      with the same values);
    and every period of a stream changed when its stage map or its name did (the visits of
    a stream whose stage map changed are restaged without a newer rewrite), or when the
    previous rows predate the bookkeeping columns. A period none of whose stages holds a
    visit any more gets the marker alone. -#}
with

visits as (

    select * from {{ ref('int_work_map_visits') }}

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

grains as (

    {{ dora_grains() }}

),

read_through as (

    select max(intervals_rewritten_at) as visits_rewritten_at
    from visits

),

{%- if previous is not none %}

previous_build as (

    select
        max({{ column_or_null(previous, 'visits_rewritten_at', dbt.type_timestamp()) }})
            as visits_rewritten_at
    from {{ previous }}

),

-- The streams whose rows are all rewritten: a stage map or name not the one built.
restated_streams as (

    select built_streams.value_stream_id
    from (
        select distinct
            value_stream_id,
            value_stream_name,
            {{ column_or_null(previous, 'stage_map_fingerprint', dbt.type_string()) }}
                as stage_map_fingerprint
        from {{ previous }}
    ) as built_streams
    left join (
        select
            stream_maps.value_stream_id,
            stream_maps.stage_map_fingerprint,
            value_streams.value_stream_name
        from (
            select
                value_stream_id,
                min(stage_map_fingerprint) as stage_map_fingerprint
            from visits
            group by value_stream_id
        ) as stream_maps
        inner join value_streams
            on stream_maps.value_stream_id = value_streams.value_stream_id
    ) as current_streams
        on built_streams.value_stream_id = current_streams.value_stream_id
    where
        built_streams.stage_map_fingerprint
        is distinct from current_streams.stage_map_fingerprint
        or built_streams.value_stream_name is distinct from current_streams.value_stream_name

),

-- The visits of each stream, stage and local day (fewer rows than visits times grains),
-- then of each period.
day_counts as (

    select
        value_stream_id,
        status_id,
        cast(exited_at_local as date) as exited_on,
        count(*) as items,
        max(intervals_rewritten_at) as newest_rewrite
    from visits
    group by value_stream_id, status_id, cast(exited_at_local as date)

),

current_counts as (

    select
        day_counts.value_stream_id,
        grains.grain,
        {{ dora_period_start('grains.grain', 'day_counts.exited_on') }} as period_start,
        day_counts.status_id,
        sum(day_counts.items) as items,
        max(day_counts.newest_rewrite) as newest_rewrite
    from day_counts
    cross join grains
    group by
        day_counts.value_stream_id,
        grains.grain,
        {{ dora_period_start('grains.grain', 'day_counts.exited_on') }},
        day_counts.status_id

),

changed_periods as (

    select distinct
        coalesce(current_counts.value_stream_id, built.value_stream_id) as value_stream_id,
        coalesce(current_counts.grain, built.grain) as grain,
        coalesce(current_counts.period_start, built.period_start) as period_start
    from current_counts
    full outer join (
        select
            value_stream_id,
            grain,
            period_start,
            status_id,
            items
        from {{ previous }}
    ) as built
        on
            current_counts.value_stream_id = built.value_stream_id
            and current_counts.grain = built.grain
            and current_counts.period_start = built.period_start
            and current_counts.status_id = built.status_id
    cross join previous_build
    left join restated_streams
        on coalesce(current_counts.value_stream_id, built.value_stream_id)
        = restated_streams.value_stream_id
    where
        previous_build.visits_rewritten_at is null
        or current_counts.items is distinct from built.items
        or current_counts.newest_rewrite > previous_build.visits_rewritten_at
        or restated_streams.value_stream_id is not null

),

-- The visits of the changed periods: each stream's visits from its earliest changed
-- period on, then those in a changed period of each grain.
counted_visits as (

    select recent_visits.*
    from (
        select
            visits.*,
            grains.grain,
            {{ dora_period_start('grains.grain', 'visits.exited_at_local') }} as period_start
        from visits
        inner join (
            select
                value_stream_id,
                min(period_start) as first_changed_period
            from changed_periods
            group by value_stream_id
        ) as changed_streams
            on
                visits.value_stream_id = changed_streams.value_stream_id
                and visits.exited_at_local >= changed_streams.first_changed_period
        cross join grains
    ) as recent_visits
    inner join changed_periods
        on
            recent_visits.value_stream_id = changed_periods.value_stream_id
            and recent_visits.grain = changed_periods.grain
            and recent_visits.period_start = changed_periods.period_start

),

{%- else %}

counted_visits as (

    select
        visits.*,
        grains.grain,
        {{ dora_period_start('grains.grain', 'visits.exited_at_local') }} as period_start
    from visits
    cross join grains

),

{%- endif %}

stage_stats as (

    select
        grain,
        period_start,
        value_stream_id,
        status_id,
        stage_name,
        stage_order,
        stage_map_fingerprint,
        {{ value_stream_map_stage_times() }},
        avg(case when is_complete_accurate then 1.0 else 0.0 end) as pct_complete_accurate
    from counted_visits
    group by
        grain,
        period_start,
        value_stream_id,
        status_id,
        stage_name,
        stage_order,
        stage_map_fingerprint

),

final as (

    select
        stage_stats.grain,
        stage_stats.period_start,
        stage_stats.value_stream_id,
        value_streams.value_stream_name,
        stage_stats.status_id,
        stage_stats.stage_name,
        cast(stage_stats.stage_order as integer) as stage_order,
        cast(stage_stats.items as integer) as items,
        cast(stage_stats.lt_median_s as double precision) as lt_median_s,
        cast(stage_stats.lt_sum_s as double precision) as lt_sum_s,
        cast(stage_stats.pt_median_s as double precision) as pt_median_s,
        cast(stage_stats.pt_sum_s as double precision) as pt_sum_s,
        cast(stage_stats.wait_median_s as double precision) as wait_median_s,
        cast(stage_stats.wait_sum_s as double precision) as wait_sum_s,
        cast(stage_stats.pct_complete_accurate as double precision) as pct_complete_accurate,
        case
            when stage_stats.grain = 'week'
                then cast(extract(isoyear from stage_stats.period_start) as integer)
        end as iso_year,
        case
            when stage_stats.grain = 'week'
                then cast(extract(week from stage_stats.period_start) as integer)
        end as iso_week,
        read_through.visits_rewritten_at,
        stage_stats.stage_map_fingerprint
    from stage_stats
    inner join value_streams
        on stage_stats.value_stream_id = value_streams.value_stream_id
    cross join read_through

)

select * from final
{%- if previous is not none %}
union all
-- the markers (see the replace_from strategy): status_id NULL, stage order -1
{{ replace_from_markers(
    'changed_periods',
    [
        'grain', 'period_start', 'value_stream_id', 'value_stream_name', 'status_id',
        'stage_name', 'stage_order', 'items', 'lt_median_s', 'lt_sum_s', 'pt_median_s',
        'pt_sum_s', 'wait_median_s', 'wait_sum_s', 'pct_complete_accurate', 'iso_year',
        'iso_week', 'visits_rewritten_at', 'stage_map_fingerprint',
    ],
    {
        'grain': 'grain', 'period_start': 'period_start',
        'value_stream_id': 'value_stream_id', 'stage_order': '-1',
    },
) }}
{%- endif %}
{% endmacro %}
