{#- One row per Jira issue with its value stream and team (the team naming its project in
    valuestream.yml) and its flow item type by the stream's ordered rules. -#}
with

issues as (

    select * from {{ ref('stg_jira__issues') }}

),

projects as (

    select * from {{ ref('stg_config__jira_projects') }}

),

type_rules as (

    select * from {{ ref('stg_config__flow_type_rules') }}

),

placed as (

    select
        issues.*,
        projects.value_stream_id,
        projects.team_id,
        -- Epics, sub-tasks and the configured non-flow types would count work twice.
        coalesce(
            lower(issues.issue_type) in {{ sql_string_list(var('flow_non_flow_issue_types')) }}
            or issues.is_subtask
            or issues.issue_type_hierarchy_level > 0,
            false
        ) as is_non_flow_type,
        -- The type and the labels (a JSON array as text) as one lowercase text in which a
        -- rule's word is looked for; '-' and '_' read as spaces.
        lower(issues.issue_type) as issue_type_text,
        replace(replace(lower(coalesce(issues.labels, '')), '-', ' '), '_', ' ') as labels_text
    from issues
    left join projects
        on issues.project_key = projects.project_key

),

matched_rules as (

    select
        placed.issue_id,
        type_rules.flow_item_type,
        row_number() over (
            partition by placed.issue_id
            order by type_rules.rule_order, type_rules.flow_item_type
        ) as rule_rank
    from placed
    inner join type_rules
        on
            placed.value_stream_id = type_rules.value_stream_id
            and (
                {{ dbt.position('type_rules.match_text', 'placed.issue_type_text') }} > 0
                or {{ dbt.position('type_rules.match_text', 'placed.labels_text') }} > 0
            )

),

final as (

    select
        placed.issue_id,
        placed.issue_key as work_item_key,
        placed.project_key,
        placed.value_stream_id,
        placed.team_id,
        placed.issue_type,
        placed.labels,
        placed.status_id,
        placed.status_name,
        placed.resolution,
        placed.is_flagged,
        placed.created_at,
        placed.updated_at,
        not placed.is_non_flow_type as is_flow_item,
        case
            when not placed.is_non_flow_type
                then coalesce(matched_rules.flow_item_type, 'unclassified')
        end as flow_item_type
    from placed
    left join matched_rules
        on
            placed.issue_id = matched_rules.issue_id
            and matched_rules.rule_rank = 1

)

select * from final
