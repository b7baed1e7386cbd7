{#- Flow velocity (metrics.md section 3): items completed in each period, in all and by
    flow item type, per grain and slice (value stream, team, flow item type). -#}
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
        periods.completed_feature as features_completed,
        periods.completed_defect as defects_completed,
        periods.completed_risk as risks_completed,
        periods.completed_debt as debts_completed,
        periods.completed_unclassified as unclassified_completed,
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
