{#- The pull request facts (fct_pull_requests) as a query: every pull request, or, given
    `previous` (the rows already built), those that may have changed since (see the
    model). -#}
{% macro pull_request_facts(previous=none) -%}
{%- set lookback_days = var('changes_lookback_days', 3) -%}
{%- set newest_built -%}
    greatest(
        max(created_at),
        coalesce(max(first_review_at), max(created_at)),
        coalesce(max(merged_at), max(created_at))
    )
{%- endset -%}
{%- set seconds_between = 'cast(extract(epoch from {1}) as double precision)'
    ~ ' - cast(extract(epoch from {0}) as double precision)' -%}

with

all_pull_requests as (

    select * from {{ ref('stg_github__pull_requests') }}

),

reviews as (

    select * from {{ ref('stg_github__pull_request_reviews') }}

),

all_pull_request_commits as (

    select * from {{ ref('stg_github__pull_request_commits') }}

),

shipped as (

    select * from {{ ref('int_deployment_pull_requests') }}

),

repositories as (

    select * from {{ ref('stg_config__repositories') }}

),

{%- if previous is not none %}

-- NULL while the table is empty: everything is read.
lookback as (

    select
        {{ dbt.dateadd('day', -lookback_days, newest_built) }} as updated_since,
        {{ dbt.dateadd('day', -lookback_days, 'max(deployed_at)') }} as shipped_since
    from {{ previous }}

),

rewritten as (

    select all_pull_requests.pull_request_key
    from all_pull_requests
    cross join lookback
    where
        lookback.updated_since is null
        or all_pull_requests.updated_at >= lookback.updated_since
    union
    select all_pull_requests.pull_request_key
    from reviews
    inner join all_pull_requests
        on
            lower(reviews.repository) = lower(all_pull_requests.repository)
            and reviews.pull_request_number = all_pull_requests.pull_request_number
    cross join lookback
    where reviews.submitted_at >= lookback.updated_since
    union
    select shipped.pull_request_key
    from shipped
    cross join lookback
    where lookback.shipped_since is null or shipped.deployed_at >= lookback.shipped_since
    union
    select built.pull_request_key
    from {{ previous }} as built
    left join shipped
        on built.pull_request_key = shipped.pull_request_key
    left join repositories
        on lower(built.repository) = lower(repositories.repository)
    where
        built.service is distinct from coalesce(shipped.service, repositories.service)
        or built.value_stream_id
        is distinct from coalesce(shipped.value_stream_id, repositories.value_stream_id)
        or built.team_id is distinct from coalesce(shipped.team_id, repositories.team_id)

),

pull_requests as (

    select all_pull_requests.*
    from all_pull_requests
    inner join rewritten
        on all_pull_requests.pull_request_key = rewritten.pull_request_key

),

pull_request_commits as (

    select all_pull_request_commits.*
    from all_pull_request_commits
    inner join pull_requests
        on
            lower(all_pull_request_commits.repository) = lower(pull_requests.repository)
            and all_pull_request_commits.pull_request_number
            = pull_requests.pull_request_number

),

{%- else %}

pull_requests as (

    select * from all_pull_requests

),

pull_request_commits as (

    select * from all_pull_request_commits

),

{%- endif %}

first_commits as (

    select
        repository,
        pull_request_number,
        min(authored_at) as first_commit_authored_at,
        count(*) as commit_count
    from pull_request_commits
    group by repository, pull_request_number

),

-- The reviews that pick a pull request up: submitted (not pending), by someone other than
-- its author and not by a bot, and, once it is merged, no later than the merge (a comment
-- on a merged pull request reviews nothing that shipped).
peer_reviews as (

    select
        pull_requests.pull_request_key,
        reviews.state,
        reviews.submitted_at
    from reviews
    inner join pull_requests
        on
            lower(reviews.repository) = lower(pull_requests.repository)
            and reviews.pull_request_number = pull_requests.pull_request_number
    where
        reviews.submitted_at is not null
        and reviews.state != 'pending'
        and not reviews.is_author_bot
        and coalesce(reviews.author_login, '') != coalesce(pull_requests.author_login, '')
        and (pull_requests.merged_at is null or reviews.submitted_at <= pull_requests.merged_at)

),

review_summary as (

    select
        pull_request_key,
        min(submitted_at) as first_review_at,
        count(*) as review_count,
        max(case when state = 'approved' then 1 else 0 end) = 1 as is_approved,
        max(case when state = 'changes_requested' then 1 else 0 end) = 1
            as is_changes_requested
    from peer_reviews
    group by pull_request_key

),

joined as (

    select
        pull_requests.pull_request_key,
        pull_requests.source_id,
        pull_requests.repository,
        pull_requests.pull_request_number,
        pull_requests.title,
        pull_requests.author_login,
        pull_requests.is_author_bot,
        pull_requests.head_ref,
        pull_requests.base_ref,
        pull_requests.labels,
        pull_requests.url,
        pull_requests.state,
        pull_requests.is_draft,
        shipped.deployment_key,
        shipped.deployment_id,
        first_commits.first_commit_authored_at,
        pull_requests.created_at,
        review_summary.first_review_at,
        pull_requests.merged_at,
        shipped.deployed_at,
        coalesce(shipped.service, repositories.service) as service,
        coalesce(shipped.value_stream_id, repositories.value_stream_id) as value_stream_id,
        coalesce(shipped.team_id, repositories.team_id) as team_id,
        coalesce(first_commits.commit_count, 0) as commit_count,
        coalesce(review_summary.review_count, 0) as review_count,
        coalesce(review_summary.is_approved, false) as is_approved,
        coalesce(review_summary.is_changes_requested, false) as is_changes_requested
    from pull_requests
    left join repositories
        on lower(pull_requests.repository) = lower(repositories.repository)
    left join first_commits
        on
            lower(pull_requests.repository) = lower(first_commits.repository)
            and pull_requests.pull_request_number = first_commits.pull_request_number
    left join review_summary
        on pull_requests.pull_request_key = review_summary.pull_request_key
    left join shipped
        on pull_requests.pull_request_key = shipped.pull_request_key

),

-- Stages (seconds), each NULL where it does not apply: coding (first commit authored ->
-- opened), pickup (opened -> first peer review), review (first peer review -> merge),
-- deploy (merge -> first production deployment that shipped it). GitHub reports no
-- ready-for-review time, so pickup starts at the opening.
final as (

    select
        pull_request_key,
        source_id,
        repository,
        service,
        value_stream_id,
        team_id,
        pull_request_number,
        title,
        author_login,
        is_author_bot,
        head_ref,
        base_ref,
        labels,
        url,
        state,
        is_draft,
        commit_count,
        review_count,
        is_approved,
        is_changes_requested,
        deployment_key,
        deployment_id,
        first_commit_authored_at,
        created_at,
        first_review_at,
        merged_at,
        deployed_at,
        deployed_at is not null as is_shipped,
        {{ seconds_between.format('first_commit_authored_at', 'created_at') }}
            as coding_seconds,
        {{ seconds_between.format('created_at', 'first_review_at') }} as pickup_seconds,
        case
            when merged_at is not null
                then {{ seconds_between.format('first_review_at', 'merged_at') }}
        end as review_seconds,
        {{ seconds_between.format('merged_at', 'deployed_at') }} as deploy_seconds
    from joined

)

select * from final
{%- endmacro %}
