{#- Work items the flow metrics cannot place, one row per value stream, project and issue
    type with the reason: `no type rule matches` (typed unclassified: counted and shown as
    such, never dropped) or `project of no team` (no team's jira_projects names the
    project, so the item belongs to no value stream). -#}
with

items as (

    select * from {{ ref('fct_work_items') }}

),

unplaced as (

    select
        value_stream_id,
        project_key,
        issue_type,
        work_item_key,
        case
            when value_stream_id is null then 'project of no team'
            else 'no type rule matches'
        end as reason
    from items
    where
        value_stream_id is null
        or (is_flow_item and flow_item_type = 'unclassified')

),

final as (

    select
        value_stream_id,
        project_key,
        issue_type,
        reason,
        count(*) as work_items,
        min(work_item_key) as example_work_item_key
    from unplaced
    group by value_stream_id, project_key, issue_type, reason

)

select * from final
