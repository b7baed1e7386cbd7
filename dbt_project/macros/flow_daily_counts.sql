{% macro flow_daily_counts(previous=none) %}
{#- The rows of fct_flow_daily: per value stream, team, flow item type, status, flow state
    and flagged, the flow items there at the end of each local day, counted from the
    visits' entries and exits (+1, -1) summed day by day.

    Without `previous`, every day of every stream. With `previous` (the rows already
    built), each stream's days from its window on: the first local day its items' history
    may have changed since the snapshot last read fct_work_item_status_intervals (the
    intervals' changed_from of every item rewritten since, in its stream and in the one it
    left), and never later than two days before the last day built (new days, timezones).
    The counts at the end of the day before the window are carried in from `previous`.
    Everything is recounted when the intervals were rebuilt whole, or when an item was
    rewritten twice since the snapshot read them. Then each stream's window opens with a
    marker row (items = 0) that the replace_from strategy uses to delete the stream's rows
    from that day on; a stream no longer configured gets a marker on 1900-01-01. -#}
{%- set group_columns = [
    'value_stream_id', 'team_id', 'flow_item_type', 'status_id', 'status_name', 'flow_state',
    'is_flagged',
] -%}
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

stream_days as (

    select
        value_stream_id,
        max(flow_date) as last_day
    from days
    group by value_stream_id

),

{% if previous is none %}

windows as (

    select
        value_stream_id,
        cast('1900-01-01' as date) as window_start
    from stream_days

),

{% else %}

previous_build as (

    select
        max({{ column_or_null(previous, 'intervals_rewritten_at', dbt.type_timestamp()) }})
            as rewritten_at,
        max(flow_date) as last_built_day
    from {{ previous }}

),

rewrites as (

    select distinct
        intervals.work_item_key,
        intervals.value_stream_id,
        intervals.replaced_value_stream_id,
        intervals.replaced_rewritten_at,
        intervals.changed_from
    from intervals
    cross join previous_build
    where intervals.rewritten_at > previous_build.rewritten_at

),

-- recount everything: an empty snapshot, intervals rebuilt whole, or an item rewritten
-- again before the snapshot read its previous version
recount as (

    select
        previous_build.rewritten_at is null
        or exists (
            select 1
            from rewrites
            where
                rewrites.changed_from is null
                or rewrites.replaced_rewritten_at > previous_build.rewritten_at
        ) as recount_all
    from previous_build

),

changed_streams as (

    select
        touched.value_stream_id,
        min(touched.changed_from) as changed_from
    from (
        select
            value_stream_id,
            changed_from
        from rewrites
        union all
        select
            replaced_value_stream_id as value_stream_id,
            changed_from
        from rewrites
    ) as touched
    where touched.value_stream_id is not null
    group by touched.value_stream_id

),

streams as (

    select value_stream_id from stream_days
    union
    select distinct value_stream_id from {{ previous }}

),

windows as (

    select
        streams.value_stream_id,
        case
            when recount.recount_all or stream_days.value_stream_id is null
                then cast('1900-01-01' as date)
            else least(
                cast({{ dbt.dateadd('day', -2, 'previous_build.last_built_day') }} as date),
                cast({{ dbt.dateadd('day', 1, 'stream_days.last_day') }} as date),
                coalesce(
                    cast({{ utc_to_local_timestamp(
                        'changed_streams.changed_from', 'value_streams.timezone'
                    ) }} as date),
                    previous_build.last_built_day
                )
            )
        end as window_start
    from streams
    cross join recount
    cross join previous_build
    left join stream_days
        on streams.value_stream_id = stream_days.value_stream_id
    left join value_streams
        on streams.value_stream_id = value_streams.value_stream_id
    left join changed_streams
        on streams.value_stream_id = changed_streams.value_stream_id

),

-- the counts at the end of the day before each window, as a change on its first day
carried_in as (

    select
        {% for column in group_columns -%}
            {{ previous }}.{{ column }},
        {% endfor -%}
        windows.window_start as flow_date,
        {{ previous }}.items as delta
    from {{ previous }}
    inner join windows
        on
            {{ previous }}.value_stream_id = windows.value_stream_id
            and {{ previous }}.flow_date
            = cast({{ dbt.dateadd('day', -1, 'windows.window_start') }} as date)

),

{% endif %}

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
    where
        intervals.is_flow_item and not intervals.is_canceled
        {% if previous is not none -%}
            -- a visit that ended two days before every window changes none of them
            and (
                intervals.exited_at is null
                or intervals.exited_at >= (
                    select {{ dbt.dateadd('day', -2, 'cast(min(windows.window_start) as ' ~ dbt.type_timestamp() ~ ')') }}
                    from windows
                    inner join stream_days
                        on windows.value_stream_id = stream_days.value_stream_id
                )
            )
        {%- endif %}

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

-- +1 where an item enters a (status, state), -1 where it leaves: the visits' entries and
-- exits, and within an active visit each flagged part moves the item from active to
-- waiting (flagged) and back.
{%- set edges = [
    ('visits', 'flow_state', 'false', 'entered_at', 1),
    ('visits', 'flow_state', 'false', 'exited_at', -1),
    ('flagged_parts', "'active'", 'false', 'started_at', -1),
    ('flagged_parts', "'waiting'", 'true', 'started_at', 1),
    ('flagged_parts', "'active'", 'false', 'ended_at', 1),
    ('flagged_parts', "'waiting'", 'true', 'ended_at', -1),
] %}
changes as (

    {%- for source, flow_state, is_flagged, changed_at, delta in edges %}
        select
            value_stream_id,
            team_id,
            flow_item_type,
            status_id,
            status_name,
            {{ flow_state }} as flow_state,
            {{ is_flagged }} as is_flagged,
            timezone,
            {{ changed_at }} as changed_at,
            {{ delta }} as delta
        from {{ source }}
        where {{ changed_at }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

-- A change counts on the day whose last second it is at or before: the local day of the
-- change moved on by just under a second. Only the changes inside the windows count.
dated_changes as (

    select
        changes.*,
        cast({{ utc_to_local_timestamp(
            dbt.dateadd('microsecond', 999999, 'changes.changed_at'), 'changes.timezone'
        ) }} as date) as flow_date
    from changes

),

windowed_changes as (

    select
        {% for column in group_columns -%}
            dated_changes.{{ column }},
        {% endfor -%}
        dated_changes.flow_date,
        dated_changes.delta
    from dated_changes
    inner join windows
        on
            dated_changes.value_stream_id = windows.value_stream_id
            and dated_changes.flow_date >= windows.window_start
    {% if previous is not none %}
        union all
        select * from carried_in
    {% endif %}

),

daily_changes as (

    select
        {% for column in group_columns -%}
            {{ column }},
        {% endfor -%}
        flow_date,
        sum(delta) as delta
    from windowed_changes
    group by
        {% for column in group_columns -%}
            {{ column }},
        {% endfor -%}
        flow_date

),

groups as (

    select
        {% for column in group_columns -%}
            {{ column }},
        {% endfor -%}
        min(flow_date) as first_date
    from daily_changes
    group by
        {% for column in group_columns -%}
            {{ column }}{{ ',' if not loop.last }}
        {% endfor %}

),

dense as (

    select
        {% for column in group_columns -%}
            groups.{{ column }},
        {% endfor -%}
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

read_through as (

    select max(rewritten_at) as intervals_rewritten_at
    from intervals

),

final as (

    select
        counted.value_stream_id,
        counted.team_id,
        counted.flow_item_type,
        counted.flow_date,
        counted.status_id,
        counted.status_name,
        counted.flow_state,
        counted.is_flagged,
        coalesce(counted.flow_state in {{ sql_string_list(var('flow_load_states')) }}, false)
            as is_in_flight,
        cast(counted.items as integer) as items,
        read_through.intervals_rewritten_at
    from counted
    cross join read_through
    where counted.items != 0
    {% if previous is not none %}
        -- each window's marker (see the replace_from strategy)
        union all
        select
            windows.value_stream_id,
            null as team_id,
            null as flow_item_type,
            windows.window_start as flow_date,
            null as status_id,
            null as status_name,
            null as flow_state,
            false as is_flagged,
            false as is_in_flight,
            0 as items,
            read_through.intervals_rewritten_at
        from windows
        cross join read_through
    {% endif %}

)

select * from final
{% endmacro %}
