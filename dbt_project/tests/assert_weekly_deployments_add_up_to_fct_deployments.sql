-- The weekly mart and the deployment fact agree: per value stream, the weeks' deployments
-- add up to the production deployments of fct_deployments finished within the spine.
-- Returns the value streams where they differ.
with

weeks as (

    select
        value_stream_id,
        min(period_start) as first_week_start,
        max(period_start) as last_week_start,
        sum(deployments) as deployments
    from {{ ref('mart_dora_deployment_frequency') }}
    where grain = 'week' and slice = 'value_stream'
    group by value_stream_id

),

production_deployments as (

    select
        deployments.value_stream_id,
        count(*) as deployments
    from {{ ref('fct_deployments') }} as deployments
    inner join weeks
        on deployments.value_stream_id = weeks.value_stream_id
    where
        deployments.is_production_deployment
        and deployments.finished_week between weeks.first_week_start and weeks.last_week_start
    group by deployments.value_stream_id

)

select
    weeks.value_stream_id,
    weeks.deployments as mart_deployments,
    production_deployments.deployments as fact_deployments
from weeks
left join production_deployments
    on weeks.value_stream_id = production_deployments.value_stream_id
where weeks.deployments != coalesce(production_deployments.deployments, 0)
