-- One row per ended visit of a flow item to a work-map stage (metrics.md 4): canceled
-- items and non-flow items left out; an open visit has not ended and is not counted.
-- Lead time is the visit's duration, process time its active part less flagged time
-- (fct_work_item_status_intervals.active_s), wait the rest. A visit is complete and
-- accurate when the item never visits the same or an earlier stage afterwards.
with

intervals as (

    select * from {{ ref('fct_work_item_status_intervals') }}
    where is_flow_item and not is_canceled

),

stages as (

    select * from {{ ref('int_work_map_stages') }}

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

staged as (

    select
        intervals.work_item_interval_key,
        intervals.work_item_key,
        intervals.value_stream_id,
        intervals.visit_number,
        intervals.exited_at,
        intervals.duration_s,
        intervals.active_s,
        stages.status_id,
        stages.stage_name,
        stages.stage_order,
        min(stages.stage_order) over (
            partition by intervals.work_item_key
            order by intervals.visit_number
            rows between 1 following and unbounded following
        ) as earliest_later_stage_order
    from intervals
    inner join stages
        on
            intervals.value_stream_id = stages.value_stream_id
            and intervals.status_id = stages.status_id

),

final as (

    select
        staged.work_item_interval_key,
        staged.work_item_key,
        staged.value_stream_id,
        staged.status_id,
        staged.stage_name,
        staged.stage_order,
        staged.visit_number,
        staged.exited_at,
        {{ utc_to_local_timestamp(
            'staged.exited_at', "coalesce(value_streams.timezone, 'UTC')"
        ) }} as exited_at_local,
        cast(staged.duration_s as double precision) as lead_time_s,
        cast(coalesce(staged.active_s, 0) as double precision) as process_time_s,
        cast(staged.duration_s - coalesce(staged.active_s, 0) as double precision)
            as wait_time_s,
        coalesce(staged.earliest_later_stage_order > staged.stage_order, true)
            as is_complete_accurate
    from staged
    inner join value_streams
        on staged.value_stream_id = value_streams.value_stream_id
    where staged.exited_at is not null

)

select * from final
