{#- The pull requests shipped to production (int_deployment_pull_requests) as a query: by
    every production deployment, or by those finished at or after the SQL expression
    `since` (none: all; NULL: all). A pull request ships with the first deployment (by
    finish, then id) among those read whose range holds its merge commit. -#}
{% macro deployment_pull_requests(since=none) -%}
with

production_deployments as (

    select * from {{ ref('int_deployments_unified') }}
    where
        is_production_deployment
        {% if since is not none %}
            and (finished_at >= {{ since }} or {{ since }} is null)
        {% endif %}

),

deployment_commits as (

    select * from {{ ref('stg_github__deployment_commits') }}

),

pull_requests as (

    select * from {{ ref('stg_github__pull_requests') }}
    where merged_at is not null and merge_commit_sha is not null

),

-- The commits of the production deployments' ranges, joined on the key's own parts (the
-- same join as on deployment_key: the key of every commit of every range is then never
-- computed). Materialized: the deployments read are few in a refresh, which the planner
-- cannot know, and joined to the pull requests first they would pair every range's
-- commits with their pull requests.
range_commits as materialized (

    select
        production_deployments.deployment_key,
        production_deployments.deployment_id,
        production_deployments.finished_at,
        production_deployments.service,
        production_deployments.value_stream_id,
        production_deployments.team_id,
        production_deployments.timezone,
        deployment_commits.repository,
        deployment_commits.sha
    from production_deployments
    inner join deployment_commits
        on
            production_deployments.source = deployment_commits.source
            and production_deployments.deployment_id = deployment_commits.deployment_id

),

-- Every production deployment whose commit range holds the pull request's merge commit
-- (the merge, squash or last rebased commit); a rollback can ship it again later.
candidates as (

    select
        range_commits.deployment_key,
        range_commits.deployment_id,
        range_commits.finished_at,
        range_commits.service,
        range_commits.value_stream_id,
        range_commits.team_id,
        range_commits.timezone,
        pull_requests.pull_request_key,
        pull_requests.repository,
        pull_requests.pull_request_number,
        pull_requests.author_login,
        pull_requests.is_author_bot,
        pull_requests.title,
        pull_requests.head_ref,
        pull_requests.base_ref,
        pull_requests.labels,
        pull_requests.url,
        pull_requests.created_at,
        pull_requests.merged_at,
        pull_requests.merge_commit_sha,
        row_number() over (
            partition by pull_requests.pull_request_key
            order by range_commits.finished_at, range_commits.deployment_id
        ) as deployment_order
    from range_commits
    inner join pull_requests
        on
            lower(range_commits.repository) = lower(pull_requests.repository)
            and range_commits.sha = pull_requests.merge_commit_sha

),

-- A pull request ships with the first production deployment whose range holds it.
final as (

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
        finished_at as deployed_at
    from candidates
    where deployment_order = 1

)

select * from final
{%- endmacro %}
