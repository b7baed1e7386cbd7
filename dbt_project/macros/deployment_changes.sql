{#- The changes shipped to production (int_deployment_changes, metrics.md 2) as a query:
    of every production deployment, or of those finished at or after the SQL expression
    `since` (none: all; NULL: all). A commit is a change of the first deployment (by
    finish, then id) among those read that shipped it. -#}
{% macro deployment_changes(since=none) -%}
{%- set repository_text = 'lower(shipped.repository)' -%}
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

commits as (

    select * from {{ ref('stg_github__commits') }}

),

pull_requests as (

    select * from {{ ref('stg_github__pull_requests') }}
    where merged_at is not null and merge_commit_sha is not null

),

pull_request_commits as (

    select * from {{ ref('stg_github__pull_request_commits') }}

),

-- The commits of every production deployment's range (the first deployment of a service
-- has none: its changes are unknown, not zero), with what the default branch says of
-- them. A commit missing from the branch history counts as a non-merge commit whose
-- authored time is unknown.
range_commits as (

    select
        production_deployments.deployment_key,
        production_deployments.deployment_id,
        production_deployments.repository,
        production_deployments.service,
        production_deployments.value_stream_id,
        production_deployments.team_id,
        production_deployments.timezone,
        production_deployments.finished_at as deployed_at,
        deployment_commits.sha,
        commits.authored_at,
        commits.message,
        coalesce(commits.is_merge_commit, false) as is_merge_commit
    from deployment_commits
    -- On the key's own parts (the same join as on deployment_key): the key of every
    -- commit of every range is then never computed, only those of the deployments read.
    inner join production_deployments
        on
            deployment_commits.source = production_deployments.source
            and deployment_commits.deployment_id = production_deployments.deployment_id
    left join commits
        on
            lower(deployment_commits.repository) = lower(commits.repository)
            and deployment_commits.sha = commits.sha

),

-- Pull requests whose own commits are known, with the commit their merge wrote: of those
-- whose merge commit is one of the ranges' non-merge commits (the others match nothing
-- below).
pull_requests_with_commits as (

    select distinct
        pull_requests.repository,
        pull_requests.pull_request_number,
        pull_requests.merge_commit_sha
    from pull_requests
    inner join pull_request_commits
        on
            lower(pull_requests.repository) = lower(pull_request_commits.repository)
            and pull_requests.pull_request_number = pull_request_commits.pull_request_number
    where pull_requests.merge_commit_sha in (
        select range_commits.sha from range_commits
        where not range_commits.is_merge_commit
    )

),

-- A squash or rebase merge leaves a non-merge commit as the pull request's merge commit
-- (the squash commit, or the last rebased commit): in that deployment's range it stands
-- for the pull request's own commits. (A merge commit is never a change; the commits it
-- merged are in the range themselves.)
squash_or_rebase_merges as (

    select
        range_commits.deployment_key,
        range_commits.sha as merge_commit_sha,
        pull_requests_with_commits.repository,
        pull_requests_with_commits.pull_request_number
    from range_commits
    inner join pull_requests_with_commits
        on
            lower(range_commits.repository) = lower(pull_requests_with_commits.repository)
            and range_commits.sha = pull_requests_with_commits.merge_commit_sha
    where not range_commits.is_merge_commit

),

-- The other commits a rebase merge wrote: copies of the pull request's commits (same
-- author time and message headline, another sha) in the range holding its merge commit.
rebased_copies as (

    select distinct
        range_commits.deployment_key,
        range_commits.sha
    from range_commits
    inner join squash_or_rebase_merges
        on range_commits.deployment_key = squash_or_rebase_merges.deployment_key
    inner join pull_request_commits
        on
            lower(squash_or_rebase_merges.repository) = lower(pull_request_commits.repository)
            and squash_or_rebase_merges.pull_request_number
            = pull_request_commits.pull_request_number
    where
        not range_commits.is_merge_commit
        and range_commits.sha != pull_request_commits.sha
        and range_commits.authored_at = pull_request_commits.authored_at
        and {{ dbt.split_part('range_commits.message', 'chr(10)', 1) }}
        = pull_request_commits.message_headline

),

branch_changes as (

    select
        range_commits.deployment_key,
        range_commits.deployment_id,
        range_commits.repository,
        range_commits.service,
        range_commits.value_stream_id,
        range_commits.team_id,
        range_commits.timezone,
        range_commits.deployed_at,
        range_commits.sha,
        cast(null as {{ dbt.type_bigint() }}) as pull_request_number,
        range_commits.authored_at
    from range_commits
    where
        not range_commits.is_merge_commit
        and not exists (
            select 1
            from squash_or_rebase_merges
            where
                squash_or_rebase_merges.deployment_key = range_commits.deployment_key
                and squash_or_rebase_merges.merge_commit_sha = range_commits.sha
        )
        and not exists (
            select 1
            from rebased_copies
            where
                rebased_copies.deployment_key = range_commits.deployment_key
                and rebased_copies.sha = range_commits.sha
        )

),

pull_request_changes as (

    select
        range_commits.deployment_key,
        range_commits.deployment_id,
        range_commits.repository,
        range_commits.service,
        range_commits.value_stream_id,
        range_commits.team_id,
        range_commits.timezone,
        range_commits.deployed_at,
        pull_request_commits.sha,
        pull_request_commits.pull_request_number,
        pull_request_commits.authored_at
    from squash_or_rebase_merges
    inner join range_commits
        on
            squash_or_rebase_merges.deployment_key = range_commits.deployment_key
            and squash_or_rebase_merges.merge_commit_sha = range_commits.sha
    inner join pull_request_commits
        on
            lower(squash_or_rebase_merges.repository) = lower(pull_request_commits.repository)
            and squash_or_rebase_merges.pull_request_number
            = pull_request_commits.pull_request_number

),

candidate_changes as (

    select * from branch_changes
    union all
    select * from pull_request_changes

),

-- A commit is a change of the first deployment (by finish, then id) that shipped it.
shipped as (

    select
        *,
        row_number() over (
            partition by lower(repository), sha
            order by deployed_at, deployment_id, pull_request_number
        ) as shipped_order
    from candidate_changes

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'github:'", repository_text, "':'", "shipped.sha"])) }}
            as change_key,
        shipped.deployment_key,
        shipped.deployment_id,
        shipped.repository,
        shipped.service,
        shipped.value_stream_id,
        shipped.team_id,
        shipped.timezone,
        shipped.sha,
        shipped.pull_request_number,
        shipped.authored_at,
        shipped.deployed_at,
        cast(extract(epoch from shipped.deployed_at) as double precision)
        - cast(extract(epoch from shipped.authored_at) as double precision) as lead_time_seconds
    from shipped
    where shipped.shipped_order = 1

)

select * from final
{%- endmacro %}
