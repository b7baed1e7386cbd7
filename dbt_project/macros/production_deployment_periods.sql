{#- Production deployments per period and slice, with the trailing 12-week rate (metrics.md
    2.1), as a query: int_production_deployments_aggregated_to_periods. Given `previous`
    (the rows already built), only what changed: each slice's partitions (one per grain)
    from the period holding its first replaced day, opened by a marker row (deployments
    NULL) for the replace_from strategy; there the trailing windows are summed from the
    days counted (few periods) instead of from running totals over every day. -#}
{% macro production_deployment_periods(previous=none) -%}
with

deployments as (

    select * from {{ ref('int_deployments_unified') }}

),

value_streams as (

    select * from {{ ref('stg_config__value_streams') }}

),

production_deployments as (

    select
        value_stream_id,
        team_id,
        service,
        finished_at_local
    from deployments
    where is_production_deployment and value_stream_id is not null

),

sliced_by_day as (

    {{ dora_slices('production_deployments', 'finished_at_local', grains=['day']) }}

),

daily_counts as (

    select
        value_stream_id,
        slice,
        slice_value,
        period_start as deployment_date,
        count(*) as deployments
    from sliced_by_day
    group by value_stream_id, slice, slice_value, period_start

),

-- Each slice is measured from its first production deployment through the day holding
-- the as-of instant in the stream's own timezone.
slice_dates as (

    select
        daily_counts.value_stream_id,
        daily_counts.slice,
        daily_counts.slice_value,
        min(daily_counts.deployment_date) as first_local_date,
        min({{ dora_as_of_local_date("coalesce(value_streams.timezone, 'UTC')") }})
            as last_local_date,
        max(daily_counts.deployment_date) as last_deployment_date
    from daily_counts
    inner join value_streams
        on daily_counts.value_stream_id = value_streams.value_stream_id
    group by daily_counts.value_stream_id, daily_counts.slice, daily_counts.slice_value

),

-- The running totals below run from the first deployment to the as-of day, or to the last
-- deployment if it is later.
bounds as (

    select
        *,
        case
            when last_deployment_date > last_local_date then last_deployment_date
            else last_local_date
        end as last_running_date
    from slice_dates

),

{%- if previous is none %}

spine as (

    {{ dora_period_spine('bounds') }}

),

sliced as (

    {{ dora_slices('production_deployments', 'finished_at_local') }}

),

{%- else %}

-- The slices measured now.
measured as (

    select * from bounds
    where first_local_date <= last_local_date

),

built_slices as (

    select
        value_stream_id,
        slice,
        slice_value,
        min(period_start) as first_period,
        min(case when grain = 'day' then period_start end) as first_day,
        max(case when grain = 'day' then period_start end) as last_day
    from {{ previous }}
    group by value_stream_id, slice, slice_value

),

built_days as (

    select
        value_stream_id,
        slice,
        slice_value,
        period_start as deployment_date,
        deployments
    from {{ previous }}
    where grain = 'day' and deployments > 0

),

-- Per slice, the first day whose deployments are not those built.
changed_days as (

    select
        coalesce(daily_counts.value_stream_id, built_days.value_stream_id) as value_stream_id,
        coalesce(daily_counts.slice, built_days.slice) as slice,
        coalesce(daily_counts.slice_value, built_days.slice_value) as slice_value,
        min(coalesce(daily_counts.deployment_date, built_days.deployment_date)) as changed_from
    from daily_counts
    full outer join built_days
        on
            daily_counts.value_stream_id = built_days.value_stream_id
            and daily_counts.slice = built_days.slice
            and daily_counts.slice_value = built_days.slice_value
            and daily_counts.deployment_date = built_days.deployment_date
    where
        daily_counts.deployment_date is null
        or built_days.deployment_date is null
        or daily_counts.deployments <> built_days.deployments
    group by
        coalesce(daily_counts.value_stream_id, built_days.value_stream_id),
        coalesce(daily_counts.slice, built_days.slice),
        coalesce(daily_counts.slice_value, built_days.slice_value)

),

-- Per slice, the first day replaced. A row depends on the deployments through its
-- period's last day and on the as-of day (days measured, and the running end of the
-- trailing windows of the periods holding it), so every grain is replaced from the first
-- changed day, and never later than the as-of day, old or new. A slice no longer measured
-- is emptied from its first period; without the day grain (no day rows to compare),
-- every slice is rebuilt.
slice_from as (

    select
        coalesce(measured.value_stream_id, built_slices.value_stream_id) as value_stream_id,
        coalesce(measured.slice, built_slices.slice) as slice,
        coalesce(measured.slice_value, built_slices.slice_value) as slice_value,
        case
            when measured.value_stream_id is null then built_slices.first_period
            when built_slices.value_stream_id is null then measured.first_local_date
            {%- if 'day' not in var('dora_grains') %}
            else least(measured.first_local_date, built_slices.first_period)
            {%- else %}
            when measured.first_local_date <> built_slices.first_day
                then least(measured.first_local_date, built_slices.first_day)
            else least(
                coalesce(changed_days.changed_from, measured.last_local_date),
                measured.last_local_date,
                built_slices.last_day
            )
            {%- endif %}
        end as from_day
    from measured
    full outer join built_slices
        on
            measured.value_stream_id = built_slices.value_stream_id
            and measured.slice = built_slices.slice
            and measured.slice_value = built_slices.slice_value
    left join changed_days
        on
            coalesce(measured.value_stream_id, built_slices.value_stream_id)
            = changed_days.value_stream_id
            and coalesce(measured.slice, built_slices.slice) = changed_days.slice
            and coalesce(measured.slice_value, built_slices.slice_value)
            = changed_days.slice_value

),

-- Each partition (slice and grain) from the period holding its slice's first day
-- replaced; the built partitions of a grain no longer configured are emptied.
replaced as (

    select
        slice_from.value_stream_id,
        slice_from.slice,
        slice_from.slice_value,
        grains.grain,
        {{ dora_period_start('grains.grain', 'slice_from.from_day') }} as replaced_from
    from slice_from
    cross join ({{ dora_grains() }}) as grains
    union all
    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        min(period_start) as replaced_from
    from {{ previous }}
    where grain not in {{ sql_string_list(var('dora_grains')) }}
    group by value_stream_id, slice, slice_value, grain

),

rebuilt_bounds as (

    select
        measured.value_stream_id,
        measured.slice,
        measured.slice_value,
        greatest(measured.first_local_date, slice_from.from_day) as first_local_date,
        measured.last_local_date
    from measured
    inner join slice_from
        on
            measured.value_stream_id = slice_from.value_stream_id
            and measured.slice = slice_from.slice
            and measured.slice_value = slice_from.slice_value

),

spine as (

    select rebuilt_spine.*
    from ({{ dora_period_spine('rebuilt_bounds') }}) as rebuilt_spine
    inner join replaced
        on
            rebuilt_spine.value_stream_id = replaced.value_stream_id
            and rebuilt_spine.slice = replaced.slice
            and rebuilt_spine.slice_value = replaced.slice_value
            and rebuilt_spine.grain = replaced.grain
            and rebuilt_spine.period_start >= replaced.replaced_from

),

-- The deployments that can fall in a period written: a period starts at most 92 days
-- (a quarter) before the first day replaced.
recent_deployments as (

    select production_deployments.*
    from production_deployments
    where
        cast(production_deployments.finished_at_local as date) >= (
            select cast({{ dbt.dateadd('day', -92, 'min(from_day)') }} as date)
            from slice_from
        )

),

sliced as (

    {{ dora_slices('recent_deployments', 'finished_at_local') }}

),

{%- endif %}

{%- if previous is none %}

-- Each slice's running total of deployments through each day of its running bounds: a
-- trailing window's count is the difference of two running totals, read by day, instead of
-- a join of each period with every day of its window.
running_bounds as (

    select
        value_stream_id,
        slice,
        slice_value,
        first_local_date,
        last_running_date as last_local_date
    from bounds

),

running_days as (

    {{ dora_period_spine('running_bounds', grains=['day']) }}

),

running_totals as (

    select
        running_days.value_stream_id,
        running_days.slice,
        running_days.slice_value,
        running_days.period_start as running_date,
        sum(coalesce(daily_counts.deployments, 0)) over (
            partition by
                running_days.value_stream_id, running_days.slice, running_days.slice_value
            order by running_days.period_start
            rows between unbounded preceding and current row
        ) as deployments_through
    from running_days
    left join daily_counts
        on
            running_days.value_stream_id = daily_counts.value_stream_id
            and running_days.slice = daily_counts.slice
            and running_days.slice_value = daily_counts.slice_value
            and running_days.period_start = daily_counts.deployment_date

),

{%- endif %}

periods as (

    select
        spine.value_stream_id,
        spine.slice,
        spine.slice_value,
        spine.grain,
        spine.period_start,
        bounds.last_local_date,
        bounds.last_running_date,
        {{ dora_period_end('spine.grain', 'spine.period_start') }} as period_end,
        cast({{ dbt.date_trunc('week', 'bounds.first_local_date') }} as date)
            as first_week_start
    from spine
    inner join bounds
        on
            spine.value_stream_id = bounds.value_stream_id
            and spine.slice = bounds.slice
            and spine.slice_value = bounds.slice_value

),

-- The trailing window is the 12 weeks (84 days) ending with the period's last day; in a
-- slice's first 12 weeks it starts at the Monday of the slice's first deployment week,
-- because the weeks before were not measured (they are not zeros).
windows as (

    select
        *,
        case
            when
                cast({{ dbt.dateadd('day', -83, 'period_end') }} as date)
                > first_week_start
                then cast({{ dbt.dateadd('day', -83, 'period_end') }} as date)
            else first_week_start
        end as window_start,
        case
            when period_end < last_local_date then period_end
            else last_local_date
        end as measured_through
    from periods

),

period_counts as (

    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start,
        count(*) as deployments,
        count(distinct cast(finished_at_local as date)) as deployment_days
    from sliced
    group by value_stream_id, slice, slice_value, grain, period_start

),

{%- if previous is none %}

-- The deployments of the window: the running total through its last day (capped at the
-- last running day) less the running total through the day before it starts (none before
-- the slice's first deployment). A window that starts after the last running day (an
-- in-progress quarter's, in its first days) holds none: the day before it is capped too.
trailing_counts as (

    select
        windows.value_stream_id,
        windows.slice,
        windows.slice_value,
        windows.grain,
        windows.period_start,
        coalesce(through_end.deployments_through, 0)
        - coalesce(through_day_before.deployments_through, 0) as trailing_deployments
    from windows
    left join running_totals as through_end
        on
            windows.value_stream_id = through_end.value_stream_id
            and windows.slice = through_end.slice
            and windows.slice_value = through_end.slice_value
            and through_end.running_date = case
                when windows.period_end < windows.last_running_date then windows.period_end
                else windows.last_running_date
            end
    left join running_totals as through_day_before
        on
            windows.value_stream_id = through_day_before.value_stream_id
            and windows.slice = through_day_before.slice
            and windows.slice_value = through_day_before.slice_value
            and through_day_before.running_date = case
                when
                    windows.window_start > windows.last_running_date
                    then windows.last_running_date
                else cast({{ dbt.dateadd('day', -1, 'windows.window_start') }} as date)
            end

),

{%- else %}

-- The deployments of each window written, read from the days counted: the days from its
-- start through its last day, capped at the last running day.
trailing_counts as (

    select
        windows.value_stream_id,
        windows.slice,
        windows.slice_value,
        windows.grain,
        windows.period_start,
        coalesce(sum(daily_counts.deployments), 0) as trailing_deployments
    from windows
    left join daily_counts
        on
            windows.value_stream_id = daily_counts.value_stream_id
            and windows.slice = daily_counts.slice
            and windows.slice_value = daily_counts.slice_value
            and daily_counts.deployment_date >= windows.window_start
            and daily_counts.deployment_date <= case
                when windows.period_end < windows.last_running_date then windows.period_end
                else windows.last_running_date
            end
    group by
        windows.value_stream_id,
        windows.slice,
        windows.slice_value,
        windows.grain,
        windows.period_start

),

{%- endif %}

final as (

    select
        windows.grain,
        windows.period_start,
        windows.period_end,
        windows.slice,
        windows.value_stream_id,
        windows.slice_value,
        cast(coalesce(period_counts.deployments, 0) as integer) as deployments,
        cast(coalesce(period_counts.deployment_days, 0) as integer) as deployment_days,
        -- date - date is a number of days on DuckDB and PostgreSQL alike
        cast(windows.measured_through - windows.period_start + 1 as integer) as days_measured,
        cast(windows.period_end - windows.window_start + 1 as double precision)
        / 7 as trailing_window_weeks,
        cast(trailing_counts.trailing_deployments as double precision) * 7
        / (windows.period_end - windows.window_start + 1)
            as trailing_12w_deployments_per_week,
        {{ run_started_timestamp() }} as periods_written_at
    from windows
    inner join trailing_counts
        on
            windows.value_stream_id = trailing_counts.value_stream_id
            and windows.slice = trailing_counts.slice
            and windows.slice_value = trailing_counts.slice_value
            and windows.grain = trailing_counts.grain
            and windows.period_start = trailing_counts.period_start
    left join period_counts
        on
            windows.value_stream_id = period_counts.value_stream_id
            and windows.slice = period_counts.slice
            and windows.slice_value = period_counts.slice_value
            and windows.grain = period_counts.grain
            and windows.period_start = period_counts.period_start

)

select * from final
{%- if previous is not none %}
union all
-- the markers (see the replace_from strategy): deployments NULL
{{ dora_replace_markers([
    'grain', 'period_start', 'period_end', 'slice', 'value_stream_id', 'slice_value',
    'deployments', 'deployment_days', 'days_measured', 'trailing_window_weeks',
    'trailing_12w_deployments_per_week', 'periods_written_at',
]) }}
{%- endif %}
{%- endmacro %}
