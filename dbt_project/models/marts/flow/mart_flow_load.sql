{#- Flow load (metrics.md section 3): items in active or waiting at the end of each day
    (its last second, in the stream's timezone); a period's value is the mean of its
    measured days (the whole days before the as-of instant), with the count at the end of
    its last measured day. -#}
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
        periods.days_measured,
        periods.flow_load,
        periods.last_measured_date,
        periods.in_flight_at_period_end,
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
