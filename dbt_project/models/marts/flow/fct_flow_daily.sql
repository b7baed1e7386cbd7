{#- One row per value stream, team, flow item type, status and flow state per local day
    with the number of flow items there at the end of the day (its last second): the
    cumulative flow diagram, and flow load (items in active or waiting). An item flagged
    while in an active status counts as waiting (is_flagged). Canceled items and non-flow
    items are left out. Counted from the visits' entries and exits, so each day costs
    what changed on it. -#}
with

intervals as (

    select * from {{ ref('fct_work_item_status_intervals') }}

),

flag_periods as (

    select * from {{ ref('int_work_item_flag_periods') }}

),

days as (

    select * from {{ ref('int_flow_stream_days') }}

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

visits as (

    select
        intervals.issue_id,
        intervals.value_stream_id,
        intervals.team_id,
        intervals.flow_item_type,
        intervals.status_id,
        intervals.status_name,
        intervals.flow_state,
        intervals.entered_at,
        intervals.exited_at,
        value_streams.timezone
    from intervals
    inner join value_streams
        on intervals.value_stream_id = value_streams.value_stream_id
    where intervals.is_flow_item and not intervals.is_canceled

),

-- The part of an active visit during which the item was flagged: waiting, not active.
flagged_parts as (

    select
        visits.value_stream_id,
        visits.team_id,
        visits.flow_item_type,
        visits.status_id,
        visits.status_name,
        visits.timezone,
        case
            when flag_periods.flagged_at > visits.entered_at then flag_periods.flagged_at
            else visits.entered_at
        end as started_at,
        case
            when visits.exited_at is null then flag_periods.unflagged_at
            when flag_periods.unflagged_at is null then visits.exited_at
            when flag_periods.unflagged_at < visits.exited_at then flag_periods.unflagged_at
            else visits.exited_at
        end as ended_at
    from visits
    inner join flag_periods
        on
            visits.issue_id = flag_periods.issue_id
            and (visits.exited_at is null or visits.exited_at > flag_periods.flagged_at)
            and (flag_periods.unflagged_at is null or visits.entered_at < flag_periods.unflagged_at)
    where visits.flow_state = 'active'

),

-- +1 where an item enters a (status, state), -1 where it leaves
changes as (

    select
        value_stream_id,
        team_id,
        flow_item_type,
        status_id,
        status_name,
        flow_state,
        false as is_flagged,
        timezone,
        entered_at as changed_at,
        1 as delta
    from visits
    union all
    select
        value_stream_id,
        team_id,
        flow_item_type,
        status_id,
        status_name,
        flow_state,
        false as is_flagged,
        timezone,
        exited_at as changed_at,
        -1 as delta
    from visits
    where exited_at is not null
    union all
    select
        value_stream_id,
        team_id,
        flow_item_type,
        status_id,
        status_name,
        'active' as flow_state,
        false as is_flagged,
        timezone,
        started_at as changed_at,
        -1 as delta
    from flagged_parts
    union all
    select
        value_stream_id,
        team_id,
        flow_item_type,
        status_id,
        status_name,
        'waiting' as flow_state,
        true as is_flagged,
        timezone,
        started_at as changed_at,
        1 as delta
    from flagged_parts
    union all
    select
        value_stream_id,
        team_id,
        flow_item_type,
        status_id,
        status_name,
        'active' as flow_state,
        false as is_flagged,
        timezone,
        ended_at as changed_at,
        1 as delta
    from flagged_parts
    where ended_at is not null
    union all
    select
        value_stream_id,
        team_id,
        flow_item_type,
        status_id,
        status_name,
        'waiting' as flow_state,
        true as is_flagged,
        timezone,
        ended_at as changed_at,
        -1 as delta
    from flagged_parts
    where ended_at is not null

),

-- A change counts on the day whose last second it is at or before: the local day of the
-- change moved on by just under a second.
dated_changes as (

    select
        *,
        cast({{ utc_to_local_timestamp(
            dbt.dateadd('microsecond', 999999, 'changed_at'), 'timezone'
        ) }} as date) as flow_date
    from changes

),

daily_changes as (

    select
        value_stream_id,
        team_id,
        flow_item_type,
        status_id,
        status_name,
        flow_state,
        is_flagged,
        flow_date,
        sum(delta) as delta
    from dated_changes
    group by
        value_stream_id,
        team_id,
        flow_item_type,
        status_id,
        status_name,
        flow_state,
        is_flagged,
        flow_date

),

groups as (

    select
        value_stream_id,
        team_id,
        flow_item_type,
        status_id,
        status_name,
        flow_state,
        is_flagged,
        min(flow_date) as first_date
    from daily_changes
    group by
        value_stream_id,
        team_id,
        flow_item_type,
        status_id,
        status_name,
        flow_state,
        is_flagged

),

dense as (

    select
        groups.value_stream_id,
        groups.team_id,
        groups.flow_item_type,
        groups.status_id,
        groups.status_name,
        groups.flow_state,
        groups.is_flagged,
        days.flow_date,
        coalesce(daily_changes.delta, 0) as delta
    from groups
    inner join days
        on
            groups.value_stream_id = days.value_stream_id
            and groups.first_date <= days.flow_date
    left join daily_changes
        on
            groups.value_stream_id = daily_changes.value_stream_id
            and groups.team_id is not distinct from daily_changes.team_id
            and groups.flow_item_type = daily_changes.flow_item_type
            and groups.status_id is not distinct from daily_changes.status_id
            and groups.status_name is not distinct from daily_changes.status_name
            and groups.flow_state is not distinct from daily_changes.flow_state
            and groups.is_flagged = daily_changes.is_flagged
            and days.flow_date = daily_changes.flow_date

),

counted as (

    select
        *,
        sum(delta) over (
            partition by
                value_stream_id, team_id, flow_item_type, status_id, status_name, flow_state,
                is_flagged
            order by flow_date
            rows between unbounded preceding and current row
        ) as items
    from dense

),

final as (

    select
        value_stream_id,
        team_id,
        flow_item_type,
        flow_date,
        status_id,
        status_name,
        flow_state,
        is_flagged,
        coalesce(flow_state in {{ sql_string_list(var('flow_load_states')) }}, false)
            as is_in_flight,
        cast(items as integer) as items
    from counted
    where items != 0

)

select * from final
