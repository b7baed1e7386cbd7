-- The work map (metrics.md 4): per period, value stream and stage (a non-terminal status),
-- the visits of flow items that ended in the period (stream timezone).
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

visits_by_period as (

    select
        visits.*,
        grains.grain,
        {{ dora_period_start('grains.grain', 'visits.exited_at_local') }} as period_start
    from visits
    cross join grains

),

stage_stats as (

    select
        grain,
        period_start,
        value_stream_id,
        status_id,
        stage_name,
        stage_order,
        {{ value_stream_map_stage_times() }},
        avg(case when is_complete_accurate then 1.0 else 0.0 end) as pct_complete_accurate
    from visits_by_period
    group by grain, period_start, value_stream_id, status_id, stage_name, stage_order

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
        end as iso_week
    from stage_stats
    inner join value_streams
        on stage_stats.value_stream_id = value_streams.value_stream_id

)

select * from final
