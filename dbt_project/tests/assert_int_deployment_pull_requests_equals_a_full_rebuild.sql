-- The incremental int_deployment_pull_requests holds exactly the pull requests a full
-- rebuild would (the macro deployment_pull_requests over every production deployment): the
-- same rows, every column, and nothing else.
with

pull_requests as (

    select
        pull_request_key,
        deployment_key,
        deployment_id,
        repository,
        service,
        value_stream_id,
        team_id,
        timezone,
        pull_request_number,
        author_login,
        is_author_bot,
        title,
        head_ref,
        base_ref,
        labels,
        url,
        created_at,
        merged_at,
        merge_commit_sha,
        deployed_at
    from {{ ref('int_deployment_pull_requests') }}

),

rebuilt as (

    {{ deployment_pull_requests() }}

),

only_in_pull_requests as (

    select * from pull_requests
    except
    select * from rebuilt

),

only_in_rebuild as (

    select * from rebuilt
    except
    select * from pull_requests

)

select
    'only in int_deployment_pull_requests' as difference,
    pull_request_key,
    deployment_key,
    deployment_id,
    repository,
    service,
    value_stream_id,
    team_id,
    timezone,
    pull_request_number,
    author_login,
    is_author_bot,
    title,
    head_ref,
    base_ref,
    labels,
    url,
    created_at,
    merged_at,
    merge_commit_sha,
    deployed_at
from only_in_pull_requests
union all
select
    'missing from int_deployment_pull_requests' as difference,
    pull_request_key,
    deployment_key,
    deployment_id,
    repository,
    service,
    value_stream_id,
    team_id,
    timezone,
    pull_request_number,
    author_login,
    is_author_bot,
    title,
    head_ref,
    base_ref,
    labels,
    url,
    created_at,
    merged_at,
    merge_commit_sha,
    deployed_at
from only_in_rebuild
