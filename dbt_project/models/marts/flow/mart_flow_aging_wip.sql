{#- Aging work in progress (metrics.md section 3): one row per flow item in flight (active
    or waiting, not canceled) at the as-of instant, with its age (as-of - work start)
    against the p50/p85/p95 of the flow times of its stream's items completed in the
    var('flow_aging_window_days') days before (the service level expectation). -#}
{%- set flow_time_percentiles = [0.5, 0.85, 0.95] -%}
with

items as (

    select * from {{ ref('fct_work_items') }}

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

recent_flow_times as (

    select
        value_stream_id,
        count(*) as sle_items,
        {{ percentile_cont(
            'flow_time_s', 0.5, computed_with=flow_time_percentiles
        ) }} as sle_p50_s,
        {{ percentile_cont(
            'flow_time_s', 0.85, computed_with=flow_time_percentiles
        ) }} as sle_p85_s,
        {{ percentile_cont(
            'flow_time_s', 0.95, computed_with=flow_time_percentiles
        ) }} as sle_p95_s
    from items
    where
        is_flow_item
        and not is_canceled
        and flow_time_s is not null
        and completed_at <= {{ as_of_timestamp() }}
        and completed_at > {{ dbt.dateadd(
            'day', -var('flow_aging_window_days'), as_of_timestamp()
        ) }}
    group by value_stream_id

),

in_flight as (

    select
        items.*,
        {{ seconds_between('items.work_started_at', as_of_timestamp()) }} as age_s
    from items
    where
        items.is_flow_item
        and not items.is_canceled
        and items.flow_state in {{ sql_string_list(var('flow_load_states')) }}
        and items.value_stream_id is not null

),

final as (

    select
        in_flight.work_item_key,
        in_flight.value_stream_id,
        value_streams.value_stream_name,
        in_flight.team_id,
        in_flight.flow_item_type,
        in_flight.issue_type,
        in_flight.status_name,
        in_flight.flow_state,
        in_flight.is_flagged,
        in_flight.work_started_at,
        in_flight.age_s,
        recent_flow_times.sle_items,
        recent_flow_times.sle_p50_s,
        recent_flow_times.sle_p85_s,
        recent_flow_times.sle_p95_s,
        case
            when recent_flow_times.sle_items is null then 'no recent completions'
            when in_flight.age_s > recent_flow_times.sle_p95_s then 'beyond p95'
            when in_flight.age_s > recent_flow_times.sle_p85_s then 'beyond p85'
            when in_flight.age_s > recent_flow_times.sle_p50_s then 'beyond p50'
            else 'within p50'
        end as age_band,
        cast({{ as_of_timestamp() }} as timestamp) as as_of
    from in_flight
    inner join value_streams
        on in_flight.value_stream_id = value_streams.value_stream_id
    left join recent_flow_times
        on in_flight.value_stream_id = recent_flow_times.value_stream_id

)

select * from final
