{#- Flow time (metrics.md section 3): completion - work start of the items completed in each
    period: median, p85, p95 (continuous percentiles, recomputed per slice from the items)
    and mean, with the count; NULL over no items. -#}
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
        periods.flow_time_median_s as median_seconds,
        periods.flow_time_p85_s as p85_seconds,
        periods.flow_time_p95_s as p95_seconds,
        periods.flow_time_mean_s as mean_seconds,
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
