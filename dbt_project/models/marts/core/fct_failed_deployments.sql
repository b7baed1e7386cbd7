with

deployment_failures as (

    select * from {{ ref('int_deployment_failures') }}

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
        environment,
        sha,
        finished_at,
        failure_reasons,
        is_failed_by_incident,
        is_failed_by_rollback,
        is_failed_by_hotfix,
        linked_incidents,
        open_linked_incidents,
        next_deployment_key,
        recovered_at,
        recovered_by,
        recovery_seconds,
        recovered_at is null as is_open,
        {{ utc_to_local_timestamp('finished_at', "coalesce(timezone, 'UTC')") }}
            as finished_at_local,
        {{ utc_to_local_timestamp('recovered_at', "coalesce(timezone, 'UTC')") }}
            as recovered_at_local
    from deployment_failures
    where is_failed

)

select * from final
