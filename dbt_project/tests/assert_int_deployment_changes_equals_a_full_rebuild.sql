-- The incremental int_deployment_changes holds exactly the changes a full rebuild would
-- (the macro deployment_changes over every production deployment): the same rows, every
-- column, and nothing else.
with

changes as (

    select
        change_key,
        deployment_key,
        deployment_id,
        repository,
        service,
        value_stream_id,
        team_id,
        timezone,
        sha,
        pull_request_number,
        authored_at,
        deployed_at,
        lead_time_seconds
    from {{ ref('int_deployment_changes') }}

),

rebuilt as (

    {{ deployment_changes() }}

),

only_in_changes as (

    select * from changes
    except
    select * from rebuilt

),

only_in_rebuild as (

    select * from rebuilt
    except
    select * from changes

)

select
    'only in int_deployment_changes' as difference,
    change_key,
    deployment_key,
    deployment_id,
    repository,
    service,
    value_stream_id,
    team_id,
    timezone,
    sha,
    pull_request_number,
    authored_at,
    deployed_at,
    lead_time_seconds
from only_in_changes
union all
select
    'missing from int_deployment_changes' as difference,
    change_key,
    deployment_key,
    deployment_id,
    repository,
    service,
    value_stream_id,
    team_id,
    timezone,
    sha,
    pull_request_number,
    authored_at,
    deployed_at,
    lead_time_seconds
from only_in_rebuild
