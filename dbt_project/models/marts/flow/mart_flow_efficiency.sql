{#- Flow efficiency (metrics.md section 3): the active time over the flow time of the
    items completed in each period, time-weighted (sum active / sum flow time); the mean
    of the items' own ratios is kept beside it for comparison, not as the metric. -#}
with

periods as (

    select * from {{ ref('int_flow_aggregated_to_periods') }}

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

final as (

    select
        periods.grain,
        periods.period_start,
        periods.slice,
        periods.value_stream_id,
        value_streams.value_stream_name,
        periods.slice_value,
        periods.items_completed,
        periods.active_time_sum_s as active_seconds,
        periods.flow_time_sum_s as flow_seconds,
        periods.flow_efficiency,
        periods.mean_item_efficiency,
        case
            when periods.grain = 'week'
                then cast(extract(isoyear from periods.period_start) as integer)
        end as iso_year,
        case
            when periods.grain = 'week'
                then cast(extract(week from periods.period_start) as integer)
        end as iso_week
    from periods
    inner join value_streams
        on periods.value_stream_id = value_streams.value_stream_id

)

select * from final
