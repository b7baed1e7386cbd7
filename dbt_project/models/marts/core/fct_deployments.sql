with

deployments as (

    select * from {{ ref('int_deployments_unified') }}

),

deployment_failures as (

    select * from {{ ref('int_deployment_failures') }}

),

final as (

    select
        deployments.deployment_key,
        deployments.source,
        deployments.source_id,
        deployments.repository,
        deployments.service,
        deployments.value_stream_id,
        deployments.team_id,
        deployments.environment,
        deployments.sha,
        deployments.ref,
        deployments.created_at,
        deployments.finished_at,
        deployments.final_state,
        deployments.is_production_environment,
        deployments.is_production_deployment,
        deployments.change_count,
        deployments.finished_week,
        deployment_failures.is_failed,
        deployment_failures.failure_reasons,
        deployment_failures.is_rollback,
        deployment_failures.is_hotfix,
        deployment_failures.is_rework
    from deployments
    left join deployment_failures
        on deployments.deployment_key = deployment_failures.deployment_key

)

select * from final
