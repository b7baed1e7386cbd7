-- Every change, and every shipped pull request, belongs to a successful production
-- deployment (finished, in a production environment) whose finish is its deployed_at.
with

deployments as (

    select * from {{ ref('fct_deployments') }}

),

shipped as (

    select
        'change' as shipped_kind,
        change_key as shipped_key,
        deployment_key,
        deployed_at
    from {{ ref('fct_changes') }}
    union all
    select
        'pull request' as shipped_kind,
        pull_request_key as shipped_key,
        deployment_key,
        deployed_at
    from {{ ref('fct_pull_requests') }}
    where is_shipped

)

select
    shipped.shipped_kind,
    shipped.shipped_key,
    shipped.deployment_key
from shipped
left join deployments
    on shipped.deployment_key = deployments.deployment_key
where
    deployments.deployment_key is null
    or not deployments.is_production_deployment
    or deployments.finished_at != shipped.deployed_at
