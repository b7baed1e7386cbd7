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
-- cannot be classified and counts as a change.
range_changes as (

    select
        deployment_commits.deployment_key,
        count(*) as change_count
    from deployment_commits
    left join commits
        on
            lower(deployment_commits.repository) = lower(commits.repository)
            and deployment_commits.sha = commits.sha
    where not coalesce(commits.is_merge_commit, false)
    group by deployment_commits.deployment_key

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
        on deployment_ranges.deployment_key = range_changes.deployment_key

)

select * from counted
