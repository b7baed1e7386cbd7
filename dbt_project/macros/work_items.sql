{% macro work_items(rewritten_since=none) %}
{#- The rows of fct_work_items, one per Jira issue: its flow type, current state, work
    start (first entry into active or waiting), completion (last entry into done, when done
    now), flow, active and wait time of completed items, per-item flow efficiency and
    reopen count.

    rewritten_since: a query of an instant; only the items whose status intervals were
    rewritten after it are read (none: every item). -#}
with

{%- if rewritten_since is not none %}

rewritten as (

    select distinct work_item_key
    from {{ ref('fct_work_item_status_intervals') }}
    where rewritten_at > ({{ rewritten_since }})

),
{%- endif %}

items as (

    select * from {{ ref('int_work_items_typed') }}
    {%- if rewritten_since is not none %}
    where work_item_key in (select rewritten.work_item_key from rewritten)
    {%- endif %}

),

intervals as (

    select * from {{ ref('fct_work_item_status_intervals') }}
    {%- if rewritten_since is not none %}
    where work_item_key in (select rewritten.work_item_key from rewritten)
    {%- endif %}

),

read_through as (

    select max(rewritten_at) as intervals_rewritten_at
    from {{ ref('fct_work_item_status_intervals') }}

),

sequenced as (

    select
        work_item_key,
        visit_number,
        is_last_visit,
        status_name,
        flow_state,
        entered_at,
        active_s,
        lag(flow_state) over (
            partition by work_item_key order by visit_number
        ) as previous_flow_state
    from intervals

),

summarised as (

    select
        work_item_key,
        count(*) as visits,
        min(case when flow_state in ('active', 'waiting') then entered_at end)
            as work_started_at,
        max(case when flow_state = 'done' then entered_at end) as last_done_at,
        max(case when is_last_visit then flow_state end) as flow_state,
        max(case when is_last_visit then status_name end) as status_name,
        sum(active_s) as active_s,
        sum(
            case
                when
                    previous_flow_state in ('done', 'canceled')
                    and flow_state not in ('done', 'canceled')
                    then 1
                else 0
            end
        ) as reopen_count
    from sequenced
    group by work_item_key

),

timed as (

    select
        summarised.*,
        case when summarised.flow_state = 'done' then summarised.last_done_at end
            as completed_at
    from summarised

),

final as (

    select
        items.work_item_key,
        items.issue_id,
        items.value_stream_id,
        items.team_id,
        items.project_key,
        items.issue_type,
        items.flow_item_type,
        items.is_flow_item,
        timed.flow_state,
        items.created_at,
        timed.work_started_at,
        timed.completed_at,
        coalesce(timed.status_name, items.status_name) as status_name,
        coalesce(timed.flow_state = 'canceled', false) as is_canceled,
        coalesce(items.is_flagged, false) as is_flagged,
        {{ seconds_between('timed.work_started_at', 'timed.completed_at') }} as flow_time_s,
        case
            when timed.work_started_at is not null and timed.completed_at is not null
                then timed.active_s
        end as active_time_s,
        case
            when timed.work_started_at is not null and timed.completed_at is not null
                then
                    {{ seconds_between('timed.work_started_at', 'timed.completed_at') }}
                    - timed.active_s
        end as wait_time_s,
        case
            when
                timed.work_started_at is not null
                and timed.completed_at > timed.work_started_at
                then timed.active_s
                    / {{ seconds_between('timed.work_started_at', 'timed.completed_at') }}
        end as flow_efficiency,
        coalesce(timed.reopen_count, 0) as reopen_count,
        coalesce(timed.visits, 0) as status_visits,
        read_through.intervals_rewritten_at
    from items
    left join timed
        on items.work_item_key = timed.work_item_key
    cross join read_through

)

select * from final
{% endmacro %}
