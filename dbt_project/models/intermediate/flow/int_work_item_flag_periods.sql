{#- One row per period a Jira issue was flagged (Jira's Flagged field set to Impediment,
    read from the changelog): from the change that set it to the one that cleared it
    (unflagged_at NULL while still flagged). Repeated values collapse into one period. -#}
with

changelog as (

    select * from {{ ref('stg_jira__changelog_items') }}

),

flag_changes as (

    select
        issue_id,
        created_at as changed_at,
        history_id,
        item_index,
        coalesce(lower(to_string) like '%impediment%', false) as is_flagged_after
    from changelog
    where lower(field) = 'flagged'

),

-- Histories in Jira's order: by time, then by id (numeric text: shorter ids first).
flag_edges as (

    select
        issue_id,
        changed_at,
        is_flagged_after,
        history_id,
        item_index,
        coalesce(
            lag(is_flagged_after) over (
                partition by issue_id
                order by changed_at, {{ dbt.length('history_id') }}, history_id, item_index
            ),
            false
        ) as was_flagged
    from flag_changes

),

flag_toggles as (

    select
        issue_id,
        changed_at,
        is_flagged_after,
        lead(changed_at) over (
            partition by issue_id
            order by changed_at, {{ dbt.length('history_id') }}, history_id, item_index
        ) as next_toggle_at
    from flag_edges
    where is_flagged_after != was_flagged

),

final as (

    select
        issue_id,
        changed_at as flagged_at,
        next_toggle_at as unflagged_at
    from flag_toggles
    where is_flagged_after

)

select * from final
