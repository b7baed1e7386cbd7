with

periods as (

    select * from {{ ref('int_production_deployments_aggregated_to_periods') }}

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
        case
            when periods.grain = 'week'
                then cast(extract(isoyear from periods.period_start) as integer)
        end as iso_year,
        case
            when periods.grain = 'week'
                then cast(extract(week from periods.period_start) as integer)
        end as iso_week,
        periods.deployments,
        periods.deployment_days,
        periods.days_measured,
        cast(periods.deployments as double precision)
        / periods.days_measured as deployments_per_day,
        periods.trailing_window_weeks,
        periods.trailing_12w_deployments_per_week,
        {{ dora_band('deployment_frequency', 'periods.trailing_12w_deployments_per_week') }}
            as band,
        cast({{ var('dora_report_year') }} as integer) as report_year
    from periods
    inner join value_streams
        on periods.value_stream_id = value_streams.value_stream_id

)

select * from final
