{%- set deployment_id_text = dbt.cast(
    'deployments.deployment_id', api.Column.translate_type('string')
) -%}

with

deployments as (

    select * from {{ ref('stg_github__deployments') }}

),

deployment_statuses as (

    select * from {{ ref('stg_github__deployment_statuses') }}

),

repositories as (

    select * from {{ ref('stg_config__repositories') }}

),

value_streams as (

    select * from {{ ref('stg_config__value_streams') }}

),

change_counts as (

    select * from {{ ref('int_deployment_changes_counted') }}

),

statuses_ranked as (

    select
        deployment_status_id,
        deployment_id,
        state,
        created_at,
        state in ('success', 'failure', 'error') as is_terminal,
        row_number() over (
            partition by deployment_id
            order by created_at desc, deployment_status_id desc
        ) as recency_rank
    from deployment_statuses

),

terminal_statuses_ranked as (

    select
        deployment_id,
        state,
        created_at,
        row_number() over (
            partition by deployment_id
            order by created_at desc, deployment_status_id desc
        ) as terminal_recency_rank
    from statuses_ranked
    where is_terminal

),

latest_statuses as (

    select
        deployment_id,
        state
    from statuses_ranked
    where recency_rank = 1

),

-- The finish is the latest terminal status: an `inactive` status GitHub writes when a
-- newer deployment replaces a successful one changes neither the state nor the finish.
latest_terminal_statuses as (

    select
        deployment_id,
        state,
        created_at
    from terminal_statuses_ranked
    where terminal_recency_rank = 1

),

unified as (

    select
        {{ dbt.hash(dbt.concat(["'github'", "':'", deployment_id_text])) }} as deployment_key,
        'github' as source,
        {{ deployment_id_text }} as source_id,
        deployments.deployment_id,
        deployments.repository,
        repositories.service,
        repositories.value_stream_id,
        repositories.team_id,
        value_streams.timezone,
        deployments.environment,
        deployments.sha,
        deployments.ref,
        deployments.created_at,
        latest_terminal_statuses.created_at as finished_at,
        coalesce(
            latest_terminal_statuses.state, latest_statuses.state, 'pending'
        ) as final_state,
        coalesce(latest_statuses.state, 'pending') as latest_status_state,
        coalesce(
            {{ regex_matches_ci('deployments.environment', 'value_streams.production_pattern') }},
            false
        ) as is_production_environment,
        change_counts.change_count
    from deployments
    left join repositories
        on lower(deployments.repository) = lower(repositories.repository)
    left join value_streams
        on repositories.value_stream_id = value_streams.value_stream_id
    left join latest_statuses
        on deployments.deployment_id = latest_statuses.deployment_id
    left join latest_terminal_statuses
        on deployments.deployment_id = latest_terminal_statuses.deployment_id
    left join change_counts
        on deployments.deployment_id = change_counts.deployment_id

),

localized as (

    select
        *,
        is_production_environment and final_state = 'success' as is_production_deployment,
        {{ utc_to_local_timestamp('finished_at', "coalesce(timezone, 'UTC')") }}
            as finished_at_local
    from unified

),

final as (

    select
        deployment_key,
        source,
        source_id,
        deployment_id,
        repository,
        service,
        value_stream_id,
        team_id,
        timezone,
        environment,
        sha,
        ref,
        created_at,
        finished_at,
        final_state,
        latest_status_state,
        is_production_environment,
        is_production_deployment,
        change_count,
        finished_at_local,
        cast(finished_at_local as date) as finished_local_date,
        cast({{ dbt.date_trunc('week', 'finished_at_local') }} as date) as finished_week
    from localized

)

select * from final
