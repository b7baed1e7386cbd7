-- Every production deployment's change_count is its number of rows in fct_changes (the
-- lead time and the drill-down count the same changes). Returns the deployments that differ.
with

changes as (

    select
        deployment_key,
        count(*) as changes
    from {{ ref('fct_changes') }}
    group by deployment_key

)

select
    deployments.deployment_key,
    deployments.change_count,
    changes.changes
from {{ ref('fct_deployments') }} as deployments
left join changes
    on deployments.deployment_key = changes.deployment_key
where
    deployments.is_production_deployment
    and deployments.change_count is not null
    and deployments.change_count != coalesce(changes.changes, 0)
