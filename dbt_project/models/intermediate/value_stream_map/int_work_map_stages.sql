-- The stages of each value stream's work map (metrics.md 4): every status its flow items
-- visit that is not terminal (done and canceled are not stages), in config order (the
-- stream's flow.stages, by the status's current name), then the statuses the config does
-- not list in the order items first reach them. Per project, a status's position is the
-- number of the project's statuses that most items reaching both reach first; a stream's
-- order is each status's smallest position across the stream's projects, then the id.
with

intervals as (

    select * from {{ ref('fct_work_item_status_intervals') }}
    where is_flow_item and flow_state not in ('done', 'canceled')

),

work_items as (

    select * from {{ ref('fct_work_items') }}

),

statuses as (

    select * from {{ ref('stg_jira__statuses') }}

),

configured_stages as (

    select * from {{ ref('stg_config__flow_stages') }}

),

first_reaches as (

    select
        intervals.value_stream_id,
        work_items.project_key,
        intervals.work_item_key,
        intervals.status_id,
        min(intervals.visit_number) as first_visit_number,
        max(intervals.status_name) as status_name
    from intervals
    inner join work_items
        on intervals.work_item_key = work_items.work_item_key
    where intervals.value_stream_id is not null
    group by
        intervals.value_stream_id,
        work_items.project_key,
        intervals.work_item_key,
        intervals.status_id

),

project_statuses as (

    select
        value_stream_id,
        project_key,
        status_id,
        max(status_name) as status_name
    from first_reaches
    group by value_stream_id, project_key, status_id

),

-- For each pair of statuses an item reached, how many items reached one first.
pairs as (

    select
        reached.value_stream_id,
        reached.project_key,
        reached.status_id,
        other.status_id as other_status_id,
        sum(
            case when reached.first_visit_number < other.first_visit_number then 1 else 0 end
        ) as reached_first,
        sum(
            case when other.first_visit_number < reached.first_visit_number then 1 else 0 end
        ) as other_first
    from first_reaches as reached
    inner join first_reaches as other
        on
            reached.work_item_key = other.work_item_key
            and reached.status_id != other.status_id
    group by
        reached.value_stream_id,
        reached.project_key,
        reached.status_id,
        other.status_id

),

project_positions as (

    select
        project_statuses.value_stream_id,
        project_statuses.project_key,
        project_statuses.status_id,
        project_statuses.status_name,
        sum(
            case when pairs.other_first > pairs.reached_first then 1 else 0 end
        ) as first_reach_position
    from project_statuses
    left join pairs
        on
            project_statuses.value_stream_id = pairs.value_stream_id
            and project_statuses.project_key = pairs.project_key
            and project_statuses.status_id = pairs.status_id
    group by
        project_statuses.value_stream_id,
        project_statuses.project_key,
        project_statuses.status_id,
        project_statuses.status_name

),

stream_positions as (

    select
        value_stream_id,
        status_id,
        min(first_reach_position) as first_reach_position,
        max(status_name) as status_name
    from project_positions
    group by value_stream_id, status_id

),

named as (

    select
        stream_positions.value_stream_id,
        stream_positions.status_id,
        stream_positions.first_reach_position,
        coalesce(statuses.status_name, stream_positions.status_name) as stage_name
    from stream_positions
    left join statuses
        on stream_positions.status_id = statuses.status_id

),

final as (

    select
        named.value_stream_id,
        named.status_id,
        named.stage_name,
        cast(
            row_number() over (
                partition by named.value_stream_id
                order by
                    coalesce(configured_stages.stage_position, 2147483647),
                    named.first_reach_position,
                    length(named.status_id),
                    named.status_id
            ) - 1 as integer
        ) as stage_order,
        configured_stages.stage_position is not null as is_configured
    from named
    left join configured_stages
        on
            named.value_stream_id = configured_stages.value_stream_id
            and lower(named.stage_name) = configured_stages.status_name

)

select * from final
