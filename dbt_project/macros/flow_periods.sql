{% macro flow_periods(previous=none) %}
{#- The rows of int_flow_aggregated_to_periods: the flow metrics of every period (each
    grain of var('dora_grains'), in the stream's timezone) and slice (var('flow_slices')),
    metrics.md section 3: items completed (by type) with their flow times and active time;
    the mean of the period's end-of-day flow load and the items in flight at the end of its
    last measured day (by type). Canceled items and non-flow items are left out. A period
    is present when it has a measured day or a completion. Each row also carries the newest
    rewrite of fct_work_items read (items_rewritten_at).

    previous: the rows already built (an incremental run), or none (every period). With
    it, each partition (value stream, slice, slice value, grain) is rewritten from the
    first of its periods that holds a changed day, with a marker row (items_completed NULL)
    on that period that makes the replace_from strategy delete the partition's rows from
    there. A day of a slice changed when, against the day rows built:
    - its end-of-day counts in flight (in all or of a type) differ;
    - its number of completions differs, or it holds the completion of an item rewritten
      since the newest rewrite the previous rows read (fct_work_items rewrites an item
      whenever any of its columns changes, so a day with no rewritten item and the same
      count holds the same completions, with the same values);
    - it is measured now and was not, or the other way round (a new as-of day: every slice
      of the stream);
    and every period of a slice value that is new or gone changed, as did every period
    when the previous rows predate items_rewritten_at. A week, month or quarter
    is computed from its days alone, so a period with no changed day is the one built. The
    day rows are compared whatever the grains, so without `day` in var('dora_grains') every
    partition is rewritten. Each row written carries the run's start (periods_written_at):
    what the flow marts built from these rows read to rewrite only the periods rewritten
    here (macro period_mart_periods). -#}
{%- set flow_time_percentiles = [0.5, 0.85, 0.95] -%}
{%- set flow_slices = var('flow_slices') -%}
{%- set flow_types = ['feature', 'defect', 'risk', 'debt', 'unclassified'] -%}
{%- set partition_columns = ['value_stream_id', 'slice', 'slice_value', 'grain'] -%}
{%- set compare_days = previous is not none and 'day' in var('dora_grains') -%}
with

items as (

    select * from {{ ref('fct_work_items') }}

),

daily as (

    select * from {{ ref('fct_flow_daily') }}

),

days as (

    select * from {{ ref('int_flow_stream_days') }}

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

read_through as (

    select max(intervals_rewritten_at) as items_rewritten_at
    from items

),

flow_items as (

    select
        items.value_stream_id,
        items.team_id,
        items.flow_item_type,
        items.completed_at,
        items.work_started_at,
        items.flow_time_s,
        items.active_time_s,
        items.flow_efficiency,
        items.intervals_rewritten_at,
        {{ utc_to_local_timestamp('items.completed_at', 'value_streams.timezone') }}
            as completed_at_local
    from items
    inner join value_streams
        on items.value_stream_id = value_streams.value_stream_id
    where items.is_flow_item and not items.is_canceled

),

slice_values as (

    {%- for slice in flow_slices %}
        select distinct
            value_stream_id,
            '{{ slice }}' as slice,
            {{ dora_slice_column(slice) }} as slice_value
        from flow_items
        where {{ dora_slice_column(slice) }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

in_flight_daily as (

    {%- for slice in flow_slices %}
        select
            value_stream_id,
            '{{ slice }}' as slice,
            {{ dora_slice_column(slice) }} as slice_value,
            flow_date,
            {%- for flow_type in flow_types %}
                sum(case when flow_item_type = '{{ flow_type }}' then items else 0 end)
                    as in_flight_{{ flow_type }},
            {%- endfor %}
            sum(items) as in_flight
        from daily
        where is_in_flight and {{ dora_slice_column(slice) }} is not null
        group by value_stream_id, {{ dora_slice_column(slice) }}, flow_date
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

completed as (

    select
        *,
        cast(completed_at_local as date) as completed_local_date
    from flow_items
    where completed_at is not null and work_started_at is not null

),

grains as (

    {{ dora_grains() }}

),

{%- if previous is not none %}

previous_build as (

    select
        max({{ column_or_null(previous, 'items_rewritten_at', dbt.type_timestamp()) }})
            as items_rewritten_at
    from {{ previous }}

),

built_partitions as (

    select distinct
        value_stream_id,
        slice,
        slice_value
    from {{ previous }}

),

-- Slice values new or gone: their partitions are rewritten (or emptied) whole; every
-- partition when the rows built predate items_rewritten_at (or none were built), or when
-- there are no day rows to compare with.
restated_partitions as (

    select
        coalesce(slice_values.value_stream_id, built_partitions.value_stream_id)
            as value_stream_id,
        coalesce(slice_values.slice, built_partitions.slice) as slice,
        coalesce(slice_values.slice_value, built_partitions.slice_value) as slice_value
    from slice_values
    full outer join built_partitions
        on
            slice_values.value_stream_id = built_partitions.value_stream_id
            and slice_values.slice = built_partitions.slice
            and slice_values.slice_value = built_partitions.slice_value
    cross join previous_build
    {%- if compare_days %}
    where
        slice_values.value_stream_id is null
        or built_partitions.value_stream_id is null
        or previous_build.items_rewritten_at is null
    {%- endif %}

),

{%- if compare_days %}

built_days as (

    select
        value_stream_id,
        slice,
        slice_value,
        period_start as flow_date,
        days_measured,
        items_completed,
        {%- for flow_type in flow_types %}
            in_flight_{{ flow_type }},
        {%- endfor %}
        in_flight_at_period_end
    from {{ previous }}
    where grain = 'day'

),

-- Days whose counts in flight are not those built (both sides without the zeros).
changed_in_flight as (

    {%- set in_flight_columns = ['in_flight_at_period_end'] -%}
    {%- for flow_type in flow_types %}
        {%- do in_flight_columns.append('in_flight_' ~ flow_type) -%}
    {%- endfor %}
    {{ flow_changed_days(
        'select in_flight_daily.*, in_flight_daily.in_flight as in_flight_at_period_end'
        ~ ' from in_flight_daily inner join days'
        ~ ' on in_flight_daily.value_stream_id = days.value_stream_id'
        ~ ' and in_flight_daily.flow_date = days.flow_date'
        ~ ' where in_flight_daily.in_flight > 0',
        'select * from built_days where in_flight_at_period_end > 0',
        in_flight_columns
    ) }}

),

completed_daily as (

    {%- for slice in flow_slices %}
        select
            value_stream_id,
            '{{ slice }}' as slice,
            {{ dora_slice_column(slice) }} as slice_value,
            completed_local_date as flow_date,
            count(*) as items_completed
        from completed
        where {{ dora_slice_column(slice) }} is not null
        group by value_stream_id, {{ dora_slice_column(slice) }}, completed_local_date
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

-- Days with another number of completions than built.
changed_completions as (

    {{ flow_changed_days(
        'select * from completed_daily',
        'select * from built_days where items_completed > 0',
        ['items_completed']
    ) }}

),

-- Days holding the completion of an item rewritten since the previous rows were built.
rewritten_completions as (

    {%- for slice in flow_slices %}
        select
            completed.value_stream_id,
            '{{ slice }}' as slice,
            completed.{{ dora_slice_column(slice) }} as slice_value,
            completed.completed_local_date as flow_date
        from completed
        cross join previous_build
        where
            completed.{{ dora_slice_column(slice) }} is not null
            and completed.intervals_rewritten_at > previous_build.items_rewritten_at
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

-- Days measured now and not built, or built and not measured now (every slice of the
-- stream).
changed_stream_days as (

    select
        coalesce(measured.value_stream_id, built.value_stream_id) as value_stream_id,
        coalesce(measured.flow_date, built.flow_date) as flow_date
    from (
        select
            days.value_stream_id,
            days.flow_date
        from days
        where days.value_stream_id in (select slice_values.value_stream_id from slice_values)
    ) as measured
    full outer join (
        select distinct
            value_stream_id,
            flow_date
        from built_days
        where days_measured > 0
    ) as built
        on
            measured.value_stream_id = built.value_stream_id
            and measured.flow_date = built.flow_date
    where measured.flow_date is null or built.flow_date is null

),

changed_days as (

    select * from changed_in_flight
    union
    select * from changed_completions
    union
    select * from rewritten_completions
    union
    select
        stream_partitions.value_stream_id,
        stream_partitions.slice,
        stream_partitions.slice_value,
        changed_stream_days.flow_date
    from changed_stream_days
    inner join (
        select * from slice_values
        union
        select * from built_partitions
    ) as stream_partitions
        on changed_stream_days.value_stream_id = stream_partitions.value_stream_id

),

{%- endif %}

-- Each partition rewritten, from the first period that changed.
replaced as (

    select
        {{ partition_columns | join(',\n        ') }},
        min(replaced_from) as replaced_from
    from (
        {%- if compare_days %}
        select
            changed_days.value_stream_id,
            changed_days.slice,
            changed_days.slice_value,
            grains.grain,
            {{ dora_period_start('grains.grain', 'changed_days.flow_date') }} as replaced_from
        from changed_days
        cross join grains
        union all
        {%- endif %}
        select
            restated_partitions.value_stream_id,
            restated_partitions.slice,
            restated_partitions.slice_value,
            grains.grain,
            cast('1900-01-01' as date) as replaced_from
        from restated_partitions
        cross join grains
    ) as changes
    group by {{ partition_columns | join(', ') }}

),

-- Each stream's days are recounted from the first period any of its partitions rewrites.
recounted_streams as (

    select
        value_stream_id,
        min(replaced_from) as recount_from
    from replaced
    group by value_stream_id

),

{%- endif %}

-- every measured day of every slice, zero when nothing was in flight
dense_daily as (

    select
        slice_values.value_stream_id,
        slice_values.slice,
        slice_values.slice_value,
        days.flow_date,
        {%- for flow_type in flow_types %}
            coalesce(in_flight_daily.in_flight_{{ flow_type }}, 0) as in_flight_{{ flow_type }},
        {%- endfor %}
        coalesce(in_flight_daily.in_flight, 0) as in_flight
    from slice_values
    inner join days
        on slice_values.value_stream_id = days.value_stream_id
    {%- if previous is not none %}
    inner join recounted_streams
        on
            days.value_stream_id = recounted_streams.value_stream_id
            and days.flow_date >= recounted_streams.recount_from
    {%- endif %}
    left join in_flight_daily
        on
            slice_values.value_stream_id = in_flight_daily.value_stream_id
            and slice_values.slice = in_flight_daily.slice
            and slice_values.slice_value = in_flight_daily.slice_value
            and days.flow_date = in_flight_daily.flow_date

),

-- The last measured day of each stream (its days run without a gap up to it).
stream_last_days as (

    select
        value_stream_id,
        max(flow_date) as last_measured_date
    from days
    group by value_stream_id

),

-- Each measured day once per grain, marked when it is its period's last measured day: the
-- day before another period begins, or the stream's last measured day.
daily_periods as (

    select
        dense_daily.*,
        grains.grain,
        {{ dora_period_start('grains.grain', 'dense_daily.flow_date') }} as period_start,
        dense_daily.flow_date = stream_last_days.last_measured_date
        or {{ dora_period_start('grains.grain', dbt.dateadd('day', 1, 'dense_daily.flow_date')) }}
        <> {{ dora_period_start('grains.grain', 'dense_daily.flow_date') }} as is_period_end
    from dense_daily
    inner join stream_last_days
        on dense_daily.value_stream_id = stream_last_days.value_stream_id
    cross join grains

),

-- The mean end-of-day load of each period and what was in flight at the end of its last
-- measured day, in one pass (no join back to the days).
period_end_in_flight as (

    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start,
        count(*) as days_measured,
        avg(cast(in_flight as double precision)) as flow_load,
        max(flow_date) as last_measured_date,
        {%- for flow_type in flow_types %}
            max(case when is_period_end then in_flight_{{ flow_type }} end)
                as in_flight_{{ flow_type }},
        {%- endfor %}
        max(case when is_period_end then in_flight end) as in_flight_at_period_end
    from daily_periods
    group by value_stream_id, slice, slice_value, grain, period_start

),

recounted_completions as (

    select completed.*
    from completed
    {%- if previous is not none %}
    inner join recounted_streams
        on
            completed.value_stream_id = recounted_streams.value_stream_id
            and completed.completed_local_date >= recounted_streams.recount_from
    {%- endif %}

),

completed_sliced as (

    {{ dora_slices('recounted_completions', 'completed_at_local', slices=flow_slices) }}

),

completed_periods as (

    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start,
        count(*) as items_completed,
        {%- for flow_type in flow_types %}
            sum(case when flow_item_type = '{{ flow_type }}' then 1 else 0 end)
                as completed_{{ flow_type }},
        {%- endfor %}
        {{ percentile_cont(
            'flow_time_s', 0.5, computed_with=flow_time_percentiles
        ) }} as flow_time_median_s,
        {{ percentile_cont(
            'flow_time_s', 0.85, computed_with=flow_time_percentiles
        ) }} as flow_time_p85_s,
        {{ percentile_cont(
            'flow_time_s', 0.95, computed_with=flow_time_percentiles
        ) }} as flow_time_p95_s,
        avg(flow_time_s) as flow_time_mean_s,
        sum(flow_time_s) as flow_time_sum_s,
        sum(active_time_s) as active_time_sum_s,
        avg(flow_efficiency) as mean_item_efficiency
    from completed_sliced
    group by value_stream_id, slice, slice_value, grain, period_start

),

periods as (

    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start
    from period_end_in_flight
    union
    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start
    from completed_periods

),

final as (

    select
        periods.grain,
        periods.period_start,
        periods.slice,
        periods.value_stream_id,
        periods.slice_value,
        coalesce(completed_periods.items_completed, 0) as items_completed,
        {%- for flow_type in flow_types %}
            coalesce(completed_periods.completed_{{ flow_type }}, 0) as completed_{{ flow_type }},
        {%- endfor %}
        completed_periods.flow_time_median_s,
        completed_periods.flow_time_p85_s,
        completed_periods.flow_time_p95_s,
        completed_periods.flow_time_mean_s,
        completed_periods.flow_time_sum_s,
        completed_periods.active_time_sum_s,
        case
            when completed_periods.flow_time_sum_s > 0
                then completed_periods.active_time_sum_s / completed_periods.flow_time_sum_s
        end as flow_efficiency,
        completed_periods.mean_item_efficiency,
        coalesce(period_end_in_flight.days_measured, 0) as days_measured,
        period_end_in_flight.flow_load,
        period_end_in_flight.last_measured_date,
        {%- for flow_type in flow_types %}
            period_end_in_flight.in_flight_{{ flow_type }},
        {%- endfor %}
        period_end_in_flight.in_flight_at_period_end,
        read_through.items_rewritten_at,
        {{ run_started_timestamp() }} as periods_written_at
    from periods
    cross join read_through
    {%- if previous is not none %}
    inner join replaced
        on
            periods.value_stream_id = replaced.value_stream_id
            and periods.slice = replaced.slice
            and periods.slice_value = replaced.slice_value
            and periods.grain = replaced.grain
            and periods.period_start >= replaced.replaced_from
    {%- endif %}
    left join completed_periods
        on
            periods.value_stream_id = completed_periods.value_stream_id
            and periods.slice = completed_periods.slice
            and periods.slice_value = completed_periods.slice_value
            and periods.grain = completed_periods.grain
            and periods.period_start = completed_periods.period_start
    left join period_end_in_flight
        on
            periods.value_stream_id = period_end_in_flight.value_stream_id
            and periods.slice = period_end_in_flight.slice
            and periods.slice_value = period_end_in_flight.slice_value
            and periods.grain = period_end_in_flight.grain
            and periods.period_start = period_end_in_flight.period_start

)

select * from final
{%- if previous is not none %}
union all
{%- set columns = [
    'grain', 'period_start', 'slice', 'value_stream_id', 'slice_value', 'items_completed',
] -%}
{%- for flow_type in flow_types %}{% do columns.append('completed_' ~ flow_type) %}{% endfor -%}
{%- do columns.extend([
    'flow_time_median_s', 'flow_time_p85_s', 'flow_time_p95_s', 'flow_time_mean_s',
    'flow_time_sum_s', 'active_time_sum_s', 'flow_efficiency', 'mean_item_efficiency',
    'days_measured', 'flow_load', 'last_measured_date',
]) -%}
{%- for flow_type in flow_types %}{% do columns.append('in_flight_' ~ flow_type) %}{% endfor -%}
{%- do columns.extend(['in_flight_at_period_end', 'items_rewritten_at', 'periods_written_at']) -%}
{%- set kept = {'period_start': 'replaced_from'} -%}
{%- for column in partition_columns %}{% do kept.update({column: column}) %}{% endfor %}
{{ replace_from_markers('replaced', columns, kept) }}
{%- endif %}
{% endmacro %}


{#- The days (value_stream_id, slice, slice_value, flow_date) that one of the queries
    `current` and `built` holds and the other does not, or whose `columns` differ. -#}
{% macro flow_changed_days(current, built, columns) -%}
    select
        coalesce(current_days.value_stream_id, built_days.value_stream_id) as value_stream_id,
        coalesce(current_days.slice, built_days.slice) as slice,
        coalesce(current_days.slice_value, built_days.slice_value) as slice_value,
        coalesce(current_days.flow_date, built_days.flow_date) as flow_date
    from ({{ current }}) as current_days
    full outer join ({{ built }}) as built_days
        on
            current_days.value_stream_id = built_days.value_stream_id
            and current_days.slice = built_days.slice
            and current_days.slice_value = built_days.slice_value
            and current_days.flow_date = built_days.flow_date
    where
        current_days.flow_date is null
        or built_days.flow_date is null
        {%- for column in columns %}
        or current_days.{{ column }} <> built_days.{{ column }}
        {%- endfor %}
{%- endmacro %}
