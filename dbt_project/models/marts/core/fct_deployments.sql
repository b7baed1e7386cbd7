with

deployments as (

    select * from {{ ref('int_deployments_unified') }}

),

deployment_failures as (

    select * from {{ ref('int_deployment_failures') }}

),

deployment_changes as (

    select * from {{ ref('int_deployment_changes') }}

),

-- The changes each deployment shipped, counted as the lead time counts them: squash and
-- rebase merges by their pull requests' commits, each commit with its first deployment.
changes_per_deployment as (

    select
        deployment_key,
        count(*) as change_count
    from deployment_changes
    group by deployment_key

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
        deployments.finished_week,
        deployment_failures.is_failed,
        deployment_failures.failure_reasons,
        deployment_failures.is_rollback,
        deployment_failures.is_hotfix,
        deployment_failures.is_rework,
        -- NULL when the range is unknown (a service's first deployment), else 0 or more
        case
            when deployments.change_count is not null
                then coalesce(changes_per_deployment.change_count, 0)
        end as change_count
    from deployments
    left join changes_per_deployment
        on deployments.deployment_key = changes_per_deployment.deployment_key
    left join deployment_failures
        on deployments.deployment_key = deployment_failures.deployment_key

)

select * from final
