with

incidents as (

    select * from {{ ref('int_incidents_unified') }}

),

incident_references as (

    select * from {{ ref('int_incident_references') }}

),

deployments as (

    select * from {{ ref('int_deployments_unified') }}

),

value_streams as (

    select * from {{ ref('stg_config__value_streams') }}

),

shipped_pull_requests as (

    select * from {{ ref('int_deployment_pull_requests') }}

),

production_deployments as (

    select
        deployment_key,
        deployment_id,
        source_id,
        value_stream_id,
        finished_at,
        lower(service) as service_key,
        lower(sha) as sha,
        substring(lower(sha), 1, 7) as sha_head
    from deployments
    where is_production_deployment

),

-- Explicit links: the deployment the incident tool names (files' caused_by_deployment_id),
-- and every production deployment whose id, sha (in full or by a prefix of at least 7
-- characters) or shipped pull request the incident's texts name.
named_by_tool as (

    select
        incidents.incident_key,
        production_deployments.deployment_key,
        'tool' as matched_by
    from incidents
    inner join production_deployments
        on incidents.caused_by_deployment_id = production_deployments.source_id

),

named_by_id as (

    select
        incident_references.incident_key,
        production_deployments.deployment_key,
        'deployment_id' as matched_by
    from incident_references
    inner join production_deployments
        on incident_references.reference = production_deployments.source_id
    where incident_references.reference_kind = 'deployment_id'

),

-- The join on the first 7 characters keeps it an equi-join; the whole prefix is then
-- compared.
named_by_sha as (

    select
        incident_references.incident_key,
        production_deployments.deployment_key,
        'sha' as matched_by
    from incident_references
    inner join production_deployments
        on substring(incident_references.reference, 1, 7) = production_deployments.sha_head
    where
        incident_references.reference_kind = 'sha'
        and substring(
            production_deployments.sha, 1, {{ dbt.length('incident_references.reference') }}
        ) = incident_references.reference

),

named_by_pull_request as (

    select
        incident_references.incident_key,
        shipped_pull_requests.deployment_key,
        'pull_request' as matched_by
    from incident_references
    inner join shipped_pull_requests
        on
            incident_references.pull_request_repository
            = lower(shipped_pull_requests.repository)
            and incident_references.pull_request_number
            = shipped_pull_requests.pull_request_number
    where incident_references.reference_kind = 'pull_request'

),

explicit_candidates as (

    select * from named_by_tool
    union all
    select * from named_by_id
    union all
    select * from named_by_sha
    union all
    select * from named_by_pull_request

),

-- A named deployment links only when it had finished by the time the incident was
-- triggered (a later one cannot have caused it: notes often name the rollback or fix
-- deployment). Of several, the one of the incident's own service (and stream) wins, then
-- the latest; the tool's own field before a mention in the text.
explicit_ranked as (

    select
        explicit_candidates.incident_key,
        explicit_candidates.deployment_key,
        explicit_candidates.matched_by,
        row_number() over (
            partition by explicit_candidates.incident_key
            order by
                case
                    when
                        production_deployments.value_stream_id = incidents.value_stream_id
                        and production_deployments.service_key = lower(incidents.service)
                        then 0
                    else 1
                end asc,
                production_deployments.finished_at desc,
                case explicit_candidates.matched_by
                    when 'tool' then 0
                    when 'deployment_id' then 1
                    when 'sha' then 2
                    else 3
                end asc,
                production_deployments.deployment_id desc,
                production_deployments.deployment_key desc
        ) as explicit_preference
    from explicit_candidates
    inner join incidents
        on explicit_candidates.incident_key = incidents.incident_key
    inner join production_deployments
        on explicit_candidates.deployment_key = production_deployments.deployment_key
    where production_deployments.finished_at <= incidents.started_at

),

-- Otherwise the attribution window: the latest production deployment of the incident's
-- service (in its value stream) that finished at most the stream's window before the
-- incident was triggered; none when there is no such deployment.
window_candidates as (

    select
        incidents.incident_key,
        production_deployments.deployment_key,
        row_number() over (
            partition by incidents.incident_key
            order by
                production_deployments.finished_at desc,
                production_deployments.deployment_id desc,
                production_deployments.deployment_key desc
        ) as window_preference
    from incidents
    inner join value_streams
        on incidents.value_stream_id = value_streams.value_stream_id
    inner join production_deployments
        on
            incidents.value_stream_id = production_deployments.value_stream_id
            and lower(incidents.service) = production_deployments.service_key
            and incidents.started_at >= production_deployments.finished_at
            and production_deployments.finished_at >= {{ dbt.dateadd(
                'hour', '-1 * value_streams.attribution_window_hours', 'incidents.started_at'
            ) }}

),

final as (

    select
        incidents.incident_key,
        coalesce(explicit_ranked.deployment_key, window_candidates.deployment_key)
            as deployment_key,
        case
            when explicit_ranked.deployment_key is not null then 'explicit'
            when window_candidates.deployment_key is not null then 'window'
        end as attribution,
        case
            when explicit_ranked.deployment_key is not null then explicit_ranked.matched_by
        end as matched_by
    from incidents
    left join explicit_ranked
        on
            incidents.incident_key = explicit_ranked.incident_key
            and explicit_ranked.explicit_preference = 1
    left join window_candidates
        on
            incidents.incident_key = window_candidates.incident_key
            and window_candidates.window_preference = 1

)

select * from final
