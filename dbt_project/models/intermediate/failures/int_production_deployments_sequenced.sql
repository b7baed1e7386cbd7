with

deployments as (

    select * from {{ ref('int_deployments_unified') }}

),

value_streams as (

    select * from {{ ref('stg_config__value_streams') }}

),

deployment_hotfixes as (

    select * from {{ ref('int_deployment_hotfixes') }}

),

-- The production deployments of each service (within its value stream; a repository
-- missing from the config is its own service), in finish order.
production_deployments as (

    select
        deployments.deployment_key,
        deployments.deployment_id,
        deployments.source,
        deployments.source_id,
        deployments.repository,
        deployments.service,
        deployments.value_stream_id,
        deployments.team_id,
        deployments.timezone,
        deployments.environment,
        deployments.sha,
        deployments.finished_at,
        coalesce(lower(deployments.service), lower(deployments.repository)) as service_key,
        cast(
            coalesce(value_streams.attribution_window_hours, 24) * 3600 as {{ dbt.type_bigint() }}
        ) as attribution_window_seconds
    from deployments
    left join value_streams
        on deployments.value_stream_id = value_streams.value_stream_id
    where deployments.is_production_deployment

),

ordered as (

    select
        *,
        row_number() over (
            partition by value_stream_id, service_key
            order by finished_at, deployment_id, deployment_key
        ) as service_sequence
    from production_deployments

),

-- A rollback deploys a sha that an earlier production deployment of the service had
-- deployed, other than the immediately preceding one: its sha differs from the previous
-- deployment's and was first deployed before it.
with_neighbours as (

    select
        *,
        lag(sha) over (
            partition by value_stream_id, service_key order by service_sequence
        ) as previous_sha,
        min(service_sequence) over (
            partition by value_stream_id, service_key, sha
        ) as first_sequence_of_sha
    from ordered

),

final as (

    select
        with_neighbours.deployment_key,
        with_neighbours.deployment_id,
        with_neighbours.source,
        with_neighbours.source_id,
        with_neighbours.repository,
        with_neighbours.service,
        with_neighbours.value_stream_id,
        with_neighbours.team_id,
        with_neighbours.timezone,
        with_neighbours.environment,
        with_neighbours.sha,
        with_neighbours.finished_at,
        with_neighbours.service_key,
        with_neighbours.service_sequence,
        with_neighbours.attribution_window_seconds,
        coalesce(
            with_neighbours.previous_sha is not null
            and with_neighbours.sha != with_neighbours.previous_sha
            and with_neighbours.first_sequence_of_sha < with_neighbours.service_sequence,
            false
        ) as is_rollback,
        coalesce(deployment_hotfixes.is_hotfix, false) as is_hotfix
    from with_neighbours
    left join deployment_hotfixes
        on with_neighbours.deployment_key = deployment_hotfixes.deployment_key

)

select * from final
