with

periods as (

    select * from {{ ref('int_deployment_outcomes_aggregated_to_periods') }}

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

rated as (

    select
        grain,
        period_start,
        slice,
        value_stream_id,
        slice_value,
        deployments,
        rework_deployments,
        cast(rework_deployments as double precision) / nullif(deployments, 0) as rate
    from periods

),

final as (

    select
        rated.grain,
        rated.period_start,
        rated.slice,
        rated.value_stream_id,
        value_streams.value_stream_name,
        rated.slice_value,
        rated.deployments,
        rated.rework_deployments,
        rated.rate
    from rated
    inner join value_streams
        on rated.value_stream_id = value_streams.value_stream_id

)

select * from final
