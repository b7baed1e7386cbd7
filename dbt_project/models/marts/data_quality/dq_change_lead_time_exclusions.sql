with

changes as (

    select * from {{ ref('fct_changes') }}

),

final as (

    select
        change_key,
        sha,
        repository,
        service,
        value_stream_id,
        team_id,
        deployment_key,
        deployment_id,
        pull_request_number,
        authored_at,
        deployed_at,
        lead_time_seconds,
        exclusion_reason
    from changes
    where is_excluded

)

select * from final
