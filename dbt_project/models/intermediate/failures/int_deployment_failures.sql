with

production_deployments as (

    select * from {{ ref('int_production_deployments_sequenced') }}

),

incidents as (

    select * from {{ ref('int_incidents_unified') }}

),

incidents_attributed as (

    select * from {{ ref('int_incidents_attributed') }}

),

-- The incidents linked to each deployment (explicitly or by the window): their count,
-- and the latest resolution when every one of them is resolved.
linked_incidents as (

    select
        incidents_attributed.deployment_key,
        count(*) as linked_incidents,
        sum(case when incidents.is_resolved then 0 else 1 end) as open_linked_incidents,
        max(incidents.resolved_at) as latest_resolved_at
    from incidents_attributed
    inner join incidents
        on incidents_attributed.incident_key = incidents.incident_key
    where incidents_attributed.deployment_key is not null
    group by incidents_attributed.deployment_key

),

with_next as (

    select
        *,
        lead(deployment_key) over (
            partition by value_stream_id, service_key order by service_sequence
        ) as next_deployment_key,
        lead(finished_at) over (
            partition by value_stream_id, service_key order by service_sequence
        ) as next_finished_at,
        lead(is_rollback) over (
            partition by value_stream_id, service_key order by service_sequence
        ) as next_is_rollback,
        lead(is_hotfix) over (
            partition by value_stream_id, service_key order by service_sequence
        ) as next_is_hotfix
    from production_deployments

),

reasons as (

    select
        with_next.*,
        coalesce(linked_incidents.linked_incidents, 0) as linked_incidents,
        coalesce(linked_incidents.open_linked_incidents, 0) as open_linked_incidents,
        case
            when linked_incidents.open_linked_incidents = 0
                then linked_incidents.latest_resolved_at
        end as incidents_resolved_at,
        coalesce(linked_incidents.linked_incidents, 0) > 0 as is_failed_by_incident,
        coalesce(with_next.next_is_rollback, false) as is_failed_by_rollback,
        coalesce(
            with_next.next_is_hotfix
            and cast(extract(epoch from with_next.next_finished_at) as double precision)
            - cast(extract(epoch from with_next.finished_at) as double precision)
            <= with_next.attribution_window_seconds,
            false
        ) as is_failed_by_hotfix,
        -- The rollback or hotfix deployment that followed (within the window or not).
        case
            when with_next.next_is_rollback or with_next.next_is_hotfix
                then with_next.next_finished_at
        end as fix_finished_at,
        case
            when with_next.next_is_rollback then 'rollback'
            when with_next.next_is_hotfix then 'hotfix'
        end as fix_kind
    from with_next
    left join linked_incidents
        on with_next.deployment_key = linked_incidents.deployment_key

),

-- Recovery: the earlier of the linked incidents' latest resolution (only when all are
-- resolved) and the finish of the rollback or hotfix deployment that followed; on a tie
-- the deployment is credited.
recovered as (

    select
        *,
        is_failed_by_incident or is_failed_by_rollback or is_failed_by_hotfix as is_failed,
        case
            when fix_finished_at is not null
                and (incidents_resolved_at is null or fix_finished_at <= incidents_resolved_at)
                then fix_finished_at
            else incidents_resolved_at
        end as recovery_candidate_at,
        case
            when fix_finished_at is not null
                and (incidents_resolved_at is null or fix_finished_at <= incidents_resolved_at)
                then fix_kind
            when incidents_resolved_at is not null then 'incident'
        end as recovery_candidate_by
    from reasons

),

final as (

    select
        deployment_key,
        deployment_id,
        source,
        source_id,
        repository,
        service,
        value_stream_id,
        team_id,
        timezone,
        environment,
        sha,
        finished_at,
        service_sequence,
        attribution_window_seconds,
        is_rollback,
        is_hotfix,
        next_deployment_key,
        next_finished_at,
        linked_incidents,
        open_linked_incidents,
        incidents_resolved_at,
        is_failed_by_incident,
        is_failed_by_rollback,
        is_failed_by_hotfix,
        is_failed,
        is_rollback or is_hotfix as is_rework,
        coalesce(next_is_rollback, false) as next_is_rollback,
        coalesce(next_is_hotfix, false) as next_is_hotfix,
        case
            when is_failed
                then {{ dbt.concat([
                    "case when is_failed_by_incident then 'incident' else '' end",
                    "case when is_failed_by_incident and (is_failed_by_rollback or is_failed_by_hotfix) then ',' else '' end",
                    "case when is_failed_by_rollback then 'rollback' else '' end",
                    "case when is_failed_by_rollback and is_failed_by_hotfix then ',' else '' end",
                    "case when is_failed_by_hotfix then 'hotfix' else '' end"
                ]) }}
        end as failure_reasons,
        case when is_failed then recovery_candidate_at end as recovered_at,
        case when is_failed then recovery_candidate_by end as recovered_by,
        case
            when is_failed
                then cast(extract(epoch from recovery_candidate_at) as double precision)
                    - cast(extract(epoch from finished_at) as double precision)
        end as recovery_seconds
    from recovered

)

select * from final
