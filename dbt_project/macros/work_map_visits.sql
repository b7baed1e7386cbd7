{% macro work_map_visits(previous=none) %}
{#- The rows of int_work_map_visits: one per ended visit of a flow item to a work-map stage
    (metrics.md 4), canceled and non-flow items left out; an open visit has not ended and
    is not counted (but it is a later visit for the item's earlier ones). Lead time is the
    visit's duration, process time its active part less flagged time
    (fct_work_item_status_intervals.active_s), wait the rest. A visit is complete and
    accurate when the item never visits the same or an earlier stage afterwards. Each row
    also carries the newest rewrite of the status intervals read (intervals_rewritten_at)
    and its stream's stage map (stage_map_fingerprint).

    previous: the rows already built (an incremental run), or none (every item). With it,
    only the items to restate are read and written, each with a marker row (its
    work_item_interval_key NULL, visit number 0) that makes the replace_from strategy
    delete the item's built rows: an item that is now canceled or no flow item gets the
    marker alone. The items restated are those whose status intervals were rewritten after
    the newest rewrite the previous rows read (every column of a visit comes from its
    item's intervals, and a change to the item, its stream's mapping or timezone rewrites
    them), and every item of a stream whose stage map changed (a stage renamed, added or
    moved changes the stages and the complete-and-accurate flags of visits whose
    intervals did not change). -#}
with

all_intervals as (

    select * from {{ ref('fct_work_item_status_intervals') }}

),

stages as (

    select * from {{ ref('int_work_map_stages') }}

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

-- The newest rewrite of the status intervals this run reads through.
read_through as (

    select max(rewritten_at) as intervals_rewritten_at
    from all_intervals

),

-- Each stream's stage map as one value.
stage_maps as (

    select
        value_stream_id,
        {{ dbt.hash(dbt.listagg(
            "cast(status_id as " ~ dbt.type_string() ~ ") || ':' || stage_name || ':'"
            ~ " || cast(stage_order as " ~ dbt.type_string() ~ ")",
            "'|'",
            "order by stage_order"
        )) }} as stage_map_fingerprint
    from stages
    group by value_stream_id

),

{%- if previous is not none %}

previous_build as (

    select
        max({{ column_or_null(previous, 'intervals_rewritten_at', dbt.type_timestamp()) }})
            as intervals_rewritten_at
    from {{ previous }}

),

-- The streams whose stage map is not the one their rows were built with (a stream with
-- no stages left included).
restaged_streams as (

    select built_maps.value_stream_id
    from (
        select distinct
            value_stream_id,
            {{ column_or_null(previous, 'stage_map_fingerprint', dbt.type_string()) }}
                as stage_map_fingerprint
        from {{ previous }}
    ) as built_maps
    left join stage_maps
        on built_maps.value_stream_id = stage_maps.value_stream_id
    where built_maps.stage_map_fingerprint is distinct from stage_maps.stage_map_fingerprint

),

restated_items as (

    select all_intervals.work_item_key
    from all_intervals
    cross join previous_build
    where
        previous_build.intervals_rewritten_at is null
        or all_intervals.rewritten_at is null
        or all_intervals.rewritten_at > previous_build.intervals_rewritten_at
        or all_intervals.value_stream_id in (
            select restaged_streams.value_stream_id from restaged_streams
        )
    union
    select work_item_key
    from {{ previous }}
    where value_stream_id in (select restaged_streams.value_stream_id from restaged_streams)

),

{%- endif %}

intervals as (

    select * from all_intervals
    where
        is_flow_item and not is_canceled
        {%- if previous is not none %}
        and work_item_key in (select restated_items.work_item_key from restated_items)
        {%- endif %}

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
            as is_complete_accurate,
        read_through.intervals_rewritten_at,
        stage_maps.stage_map_fingerprint
    from staged
    inner join value_streams
        on staged.value_stream_id = value_streams.value_stream_id
    inner join stage_maps
        on staged.value_stream_id = stage_maps.value_stream_id
    cross join read_through
    where staged.exited_at is not null

)

select * from final
{%- if previous is not none %}
union all
-- the markers (see the replace_from strategy): work_item_interval_key NULL, visit 0
{{ replace_from_markers(
    'restated_items',
    [
        'work_item_interval_key', 'work_item_key', 'value_stream_id', 'status_id',
        'stage_name', 'stage_order', 'visit_number', 'exited_at', 'exited_at_local',
        'lead_time_s', 'process_time_s', 'wait_time_s', 'is_complete_accurate',
        'intervals_rewritten_at', 'stage_map_fingerprint',
    ],
    {'work_item_key': 'work_item_key', 'visit_number': '0'},
) }}
{%- endif %}
{% endmacro %}
