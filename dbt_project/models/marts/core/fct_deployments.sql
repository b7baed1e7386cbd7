with

deployments as (

    select * from {{ ref('int_deployments_unified') }}

),

final as (

    select
        deployment_key,
        source,
        source_id,
        repository,
        service,
        value_stream_id,
        team_id,
        environment,
        sha,
        ref,
        created_at,
        finished_at,
        final_state,
        is_production_environment,
        is_production_deployment,
        change_count,
        finished_week
    from deployments

)

select * from final
