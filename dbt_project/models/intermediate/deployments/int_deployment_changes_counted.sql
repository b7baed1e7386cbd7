with

deployment_ranges as (

    select * from {{ ref('stg_github__deployment_ranges') }}

),

deployment_commits as (

    select * from {{ ref('stg_github__deployment_commits') }}

),

commits as (

    select * from {{ ref('stg_github__commits') }}

),

-- A merge commit is never a change; a commit missing from the default-branch history
-- cannot be classified and counts as a change. Grouped by the deployment key's own parts
-- (source and id), which is grouping by the key without computing it for every commit.
range_changes as (

    select
        deployment_commits.source,
        deployment_commits.deployment_id,
        count(*) as change_count
    from deployment_commits
    left join commits
        on
            lower(deployment_commits.repository) = lower(commits.repository)
            and deployment_commits.sha = commits.sha
    where not coalesce(commits.is_merge_commit, false)
    group by deployment_commits.source, deployment_commits.deployment_id

),

counted as (

    select
        deployment_ranges.deployment_key,
        deployment_ranges.source,
        deployment_ranges.deployment_id,
        deployment_ranges.is_range_known,
        case
            when deployment_ranges.is_range_known
                then coalesce(range_changes.change_count, 0)
        end as change_count
    from deployment_ranges
    left join range_changes
        on
            deployment_ranges.source = range_changes.source
            and deployment_ranges.deployment_id = range_changes.deployment_id

)

select * from counted
