{% macro work_item_status_intervals(issue_ids=none, other_first_visits=none) %}
{#- The status visits of Jira issues rebuilt from their whole changelog (metrics.md section
    3): the first visit starts at creation in the first change's *from* status (the current
    status when nothing changed), each status change closes one visit and opens the next,
    the last stays open.

    issue_ids: a query of the issue ids to rebuild (none: every issue). Only those issues'
    items, changelog and flags are read, so rebuilding a few issues costs a few issues.
    other_first_visits: a query of (project_key, status_id) of the first visits of the
    issues not rebuilt, so that each project's initial statuses stay those of all its
    issues. -#}
with

items as (

    select * from {{ ref('int_work_items_typed') }}
    {%- if issue_ids is not none %}
    where issue_id in ({{ issue_ids }})
    {%- endif %}

),

changelog as (

    select * from {{ ref('stg_jira__changelog_items') }}
    {%- if issue_ids is not none %}
    where issue_id in ({{ issue_ids }})
    {%- endif %}

),

statuses as (

    select * from {{ ref('stg_jira__statuses') }}

),

status_overrides as (

    select * from {{ ref('stg_config__flow_status_states') }}

),

-- Histories in Jira's order: by time, then by id (numeric text: shorter ids first).
status_changes as (

    select
        issue_id,
        history_id,
        created_at as changed_at,
        from_value as from_status_id,
        from_string as from_status_name,
        to_value as to_status_id,
        to_string as to_status_name,
        row_number() over (
            partition by issue_id
            order by created_at, {{ dbt.length('history_id') }}, history_id, item_index
        ) as change_number
    from changelog
    where lower(field) = 'status'

),

flag_periods as (

    select * from {{ ref('int_work_item_flag_periods') }}
    {%- if issue_ids is not none %}
    where issue_id in ({{ issue_ids }})
    {%- endif %}

),

resolution_changes as (

    select
        issue_id,
        created_at as changed_at,
        history_id,
        item_index,
        to_string as resolution
    from changelog
    where lower(field) = 'resolution'

),

first_changes as (

    select * from status_changes
    where change_number = 1

),

visits as (

    -- the first visit, from creation
    select
        items.issue_id,
        1 as visit_number,
        coalesce(first_changes.from_status_id, items.status_id) as status_id,
        case
            when first_changes.issue_id is null then items.status_name
            else first_changes.from_status_name
        end as logged_status_name,
        items.created_at as entered_at,
        first_changes.changed_at as exited_at,
        cast(null as {{ dbt.type_string() }}) as entered_history_id
    from items
    left join first_changes
        on items.issue_id = first_changes.issue_id

    union all

    select
        issue_id,
        change_number + 1 as visit_number,
        to_status_id as status_id,
        to_status_name as logged_status_name,
        changed_at as entered_at,
        lead(changed_at) over (partition by issue_id order by change_number) as exited_at,
        cast(history_id as {{ dbt.type_string() }}) as entered_history_id
    from status_changes

),

last_visits as (

    select
        issue_id,
        max(visit_number) as last_visit_number
    from visits
    group by issue_id

),

-- The status an issue is created in is its project's first (initial) workflow status:
-- the statuses of the first visits of all the project's issues.
initial_statuses as (

    select distinct
        items.project_key,
        visits.status_id
    from visits
    inner join items
        on visits.issue_id = items.issue_id
    where visits.visit_number = 1
    {%- if other_first_visits is not none %}
    union
    select
        project_key,
        status_id
    from ({{ other_first_visits }}) as other_first_visits
    {%- endif %}

),

-- The resolution in effect when a visit began (set in the same history as the move into
-- a Done status); the open visit takes the issue's current resolution.
entry_resolutions as (

    select
        visits.issue_id,
        visits.visit_number,
        resolution_changes.resolution,
        row_number() over (
            partition by visits.issue_id, visits.visit_number
            order by
                resolution_changes.changed_at desc,
                {{ dbt.length('resolution_changes.history_id') }} desc,
                resolution_changes.history_id desc,
                resolution_changes.item_index desc
        ) as recency
    from visits
    inner join resolution_changes
        on
            visits.issue_id = resolution_changes.issue_id
            and visits.entered_at >= resolution_changes.changed_at

),

flagged_overlaps as (

    select
        visits.issue_id,
        visits.visit_number,
        sum(
            case
                when
                    coalesce(flag_periods.unflagged_at, visits.exited_at) > flag_periods.flagged_at
                    and visits.exited_at > visits.entered_at
                    then greatest(
                            0,
                        {{ seconds_between(
                            'greatest(visits.entered_at, flag_periods.flagged_at)',
                            'least(visits.exited_at, coalesce(flag_periods.unflagged_at, visits.exited_at))'
                        ) }}
                        )
                else 0
            end
        ) as flagged_s
    from visits
    inner join flag_periods
        on
            visits.issue_id = flag_periods.issue_id
            and visits.exited_at is not null
            and visits.exited_at > flag_periods.flagged_at
            and (flag_periods.unflagged_at is null or visits.entered_at < flag_periods.unflagged_at)
    group by visits.issue_id, visits.visit_number

),

described as (

    select
        visits.issue_id,
        visits.visit_number,
        visits.status_id,
        statuses.status_category_key,
        visits.entered_at,
        visits.exited_at,
        status_overrides.flow_state as configured_flow_state,
        items.value_stream_id,
        -- the status's name today (a status renamed in the tool keeps its id)
        coalesce(statuses.status_name, visits.logged_status_name) as status_name,
        visits.visit_number = last_visits.last_visit_number as is_last_visit,
        case
            when visits.exited_at is null then items.resolution
            else entry_resolutions.resolution
        end as resolution,
        initial_statuses.status_id is not null as is_initial_status,
        coalesce(flagged_overlaps.flagged_s, 0) as flagged_s
    from visits
    inner join items
        on visits.issue_id = items.issue_id
    inner join last_visits
        on visits.issue_id = last_visits.issue_id
    left join statuses
        on visits.status_id = statuses.status_id
    left join entry_resolutions
        on
            visits.issue_id = entry_resolutions.issue_id
            and visits.visit_number = entry_resolutions.visit_number
            and entry_resolutions.recency = 1
    left join initial_statuses
        on
            items.project_key = initial_statuses.project_key
            and visits.status_id = initial_statuses.status_id
    left join status_overrides
        on
            items.value_stream_id = status_overrides.value_stream_id
            and lower(coalesce(statuses.status_name, visits.logged_status_name))
            = status_overrides.status_name
    left join flagged_overlaps
        on
            visits.issue_id = flagged_overlaps.issue_id
            and visits.visit_number = flagged_overlaps.visit_number

),

mapped as (

    select
        *,
        coalesce(
            configured_flow_state,
            case status_category_key
                when 'new'
                    then
                        case
                            when
                                is_initial_status
                                or lower(status_name)
                                in {{ sql_string_list(var('flow_backlog_status_names')) }}
                                then 'new'
                            else 'waiting'
                        end
                when 'indeterminate'
                    then
                        case
                            when {{ regex_matches_ci(
                            'status_name', "'" ~ var('flow_waiting_status_pattern') ~ "'"
                        ) }}
                                then 'waiting'
                            else 'active'
                        end
                when 'done' then 'done'
            end
        ) as status_flow_state
    from described

),

final as (

    select
        'jira:' || cast(mapped.issue_id as {{ dbt.type_string() }}) || ':'
        || cast(mapped.visit_number as {{ dbt.type_string() }}) as work_item_interval_key,
        items.work_item_key,
        mapped.issue_id,
        items.project_key,
        items.value_stream_id,
        items.team_id,
        items.flow_item_type,
        items.is_flow_item,
        mapped.visit_number,
        mapped.is_last_visit,
        mapped.status_id,
        mapped.status_name,
        mapped.status_category_key,
        mapped.resolution,
        case
            when
                mapped.status_flow_state = 'done'
                and lower(mapped.resolution)
                in {{ sql_string_list(var('flow_canceling_resolutions')) }}
                then 'canceled'
            else mapped.status_flow_state
        end as flow_state,
        mapped.configured_flow_state is not null as is_configured_state,
        mapped.entered_at,
        mapped.exited_at,
        {{ seconds_between('mapped.entered_at', 'mapped.exited_at') }} as duration_s,
        case when mapped.exited_at is not null then mapped.flagged_s end as flagged_s,
        items.updated_at as item_updated_at
    from mapped
    inner join items
        on mapped.issue_id = items.issue_id

)

select
    *,
    coalesce(
        max(case when is_last_visit then flow_state end) over (partition by issue_id)
        = 'canceled',
        false
    ) as is_canceled,
    case
        when flow_state = 'active' and exited_at is not null then duration_s - flagged_s
        when exited_at is not null then 0
    end as active_s
from final
{% endmacro %}
