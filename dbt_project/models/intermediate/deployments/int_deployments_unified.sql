with

deployments as (

    select * from {{ ref('stg_github__deployments') }}

),

deployment_statuses as (

    select * from {{ ref('stg_github__deployment_statuses') }}

),

workflow_runs as (

    select * from {{ ref('stg_github__workflow_runs') }}

),

file_deployments as (

    select * from {{ ref('stg_files__deployments') }}

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

-- GitHub deployments: the state and finish of their statuses.
github_deployments as (

    select
        {{ deployment_key("'github'", 'deployments.deployment_id') }} as deployment_key,
        'github' as source,
        {{ dbt.cast('deployments.deployment_id', api.Column.translate_type('string')) }}
            as source_id,
        deployments.deployment_id,
        deployments.repository,
        cast(null as {{ dbt.type_string() }}) as source_service,
        cast(null as {{ dbt.type_string() }}) as source_value_stream_id,
        cast(null as {{ dbt.type_string() }}) as source_team_id,
        deployments.environment,
        deployments.sha,
        deployments.ref,
        deployments.created_at,
        latest_terminal_statuses.created_at as finished_at,
        coalesce(
            latest_terminal_statuses.state, latest_statuses.state, 'pending'
        ) as final_state,
        coalesce(latest_statuses.state, 'pending') as latest_status_state
    from deployments
    left join latest_statuses
        on deployments.deployment_id = latest_statuses.deployment_id
    left join latest_terminal_statuses
        on deployments.deployment_id = latest_terminal_statuses.deployment_id

),

-- Runs of a deploy workflow (metrics.md section 1: "workflow runs matching the deploy
-- pattern"): a completed run finished at its last update with its conclusion (success,
-- failure, cancelled, timed_out, ...) as its state; an unfinished one is in its status.
workflow_run_deployments as (

    select
        {{ deployment_key("'github_actions'", 'workflow_run_id') }} as deployment_key,
        'github_actions' as source,
        {{ dbt.cast('workflow_run_id', api.Column.translate_type('string')) }} as source_id,
        workflow_run_id as deployment_id,
        repository,
        cast(null as {{ dbt.type_string() }}) as source_service,
        cast(null as {{ dbt.type_string() }}) as source_value_stream_id,
        cast(null as {{ dbt.type_string() }}) as source_team_id,
        environment,
        head_sha as sha,
        head_branch as ref,  -- noqa: RF04
        created_at,
        case when status = 'completed' then updated_at end as finished_at,
        case
            when status = 'completed' then coalesce(conclusion, 'completed')
            else coalesce(status, 'pending')
        end as final_state,
        case
            when status = 'completed' then coalesce(conclusion, 'completed')
            else coalesce(status, 'pending')
        end as latest_status_state
    from workflow_runs

),

-- Deployments of the files source: their status is their state; a run without a start
-- time was created when it finished. They name their service (and may name the
-- repository, value stream and team); deployment_id is NULL (their ids are text: see
-- source_id).
files_deployments as (

    select
        {{ deployment_key("'files'", 'deployment_id') }} as deployment_key,
        'files' as source,
        deployment_id as source_id,
        cast(null as {{ dbt.type_bigint() }}) as deployment_id,
        repository,
        service as source_service,
        value_stream_id as source_value_stream_id,
        team_id as source_team_id,
        environment,
        sha,
        cast(null as {{ dbt.type_string() }}) as ref,  -- noqa: RF04
        coalesce(started_at, finished_at) as created_at,
        case
            when status in ('success', 'failure', 'error', 'cancelled') then finished_at
        end as finished_at,
        coalesce(status, 'pending') as final_state,
        coalesce(status, 'pending') as latest_status_state
    from file_deployments

),

deployments_from_every_source as (

    select * from github_deployments
    union all
    select * from workflow_run_deployments
    union all
    select * from files_deployments

),

-- A deployment without a repository (files) finds it by its service: the repository whose
-- configured service has that name, else whose repository name (ignoring case and
-- surrounding spaces); of several, the first by name.
service_matches as (

    select
        service_names.source_service,
        repositories.repository,
        row_number() over (
            partition by service_names.source_service
            order by
                case
                    when lower(trim(service_names.source_service)) = lower(repositories.service)
                        then 1
                    else 2
                end,
                repositories.repository
        ) as match_preference
    from (
        select distinct source_service
        from deployments_from_every_source
        where repository is null and source_service is not null
    ) as service_names
    inner join repositories
        on
            lower(trim(service_names.source_service)) = lower(repositories.service)
            or lower(trim(service_names.source_service)) = lower(repositories.repository_name)

),

with_repository as (

    select
        deployments_from_every_source.*,
        coalesce(
            deployments_from_every_source.repository, service_matches.repository
        ) as matched_repository
    from deployments_from_every_source
    left join service_matches
        on
            deployments_from_every_source.source_service = service_matches.source_service
            and service_matches.match_preference = 1

),

unified as (

    select
        with_repository.deployment_key,
        with_repository.source,
        with_repository.source_id,
        with_repository.deployment_id,
        with_repository.matched_repository as repository,
        value_streams.timezone,
        with_repository.environment,
        with_repository.sha,
        with_repository.ref,
        with_repository.created_at,
        with_repository.finished_at,
        with_repository.final_state,
        with_repository.latest_status_state,
        change_counts.change_count,
        coalesce(repositories.service, with_repository.source_service) as service,
        coalesce(
            repositories.value_stream_id, with_repository.source_value_stream_id
        ) as value_stream_id,
        coalesce(repositories.team_id, with_repository.source_team_id) as team_id
    from with_repository
    left join repositories
        on lower(with_repository.matched_repository) = lower(repositories.repository)
    left join value_streams
        on
            coalesce(repositories.value_stream_id, with_repository.source_value_stream_id)
            = value_streams.value_stream_id
    left join change_counts
        on with_repository.deployment_key = change_counts.deployment_key

),

-- Whether an environment is production, matched once per value stream and environment: a
-- pattern read from a column is compiled for each row it is matched on.
production_environments as (

    select
        environments.value_stream_id,
        environments.environment,
        {{ regex_matches_ci('environments.environment', 'value_streams.production_pattern') }}
            as is_production_environment
    from (
        select distinct
            value_stream_id,
            environment
        from unified
        where value_stream_id is not null and environment is not null
    ) as environments
    inner join value_streams
        on environments.value_stream_id = value_streams.value_stream_id

),

localized as (

    select
        unified.*,
        coalesce(production_environments.is_production_environment, false)
            as is_production_environment,
        coalesce(production_environments.is_production_environment, false)
        and unified.final_state = 'success' as is_production_deployment,
        {{ utc_to_local_timestamp('unified.finished_at', "coalesce(unified.timezone, 'UTC')") }}
            as finished_at_local
    from unified
    left join production_environments
        on
            unified.value_stream_id = production_environments.value_stream_id
            and unified.environment = production_environments.environment

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
