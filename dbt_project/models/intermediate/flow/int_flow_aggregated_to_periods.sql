{#- The flow metrics of every period (day, week, month, quarter in the stream's timezone)
    and slice (value stream, team, flow item type), metrics.md section 3: items completed
    (by type) with their flow times and active time; the mean of the period's end-of-day
    flow load and the items in flight at the end of its last measured day (by type).
    Canceled items and non-flow items are left out. A period is present when it has a
    measured day or a completion. -#}
{%- set flow_time_percentiles = [0.5, 0.85, 0.95] -%}
{%- set flow_slices = var('flow_slices') -%}
{%- set flow_types = ['feature', 'defect', 'risk', 'debt', 'unclassified'] -%}

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
    left join in_flight_daily
        on
            slice_values.value_stream_id = in_flight_daily.value_stream_id
            and slice_values.slice = in_flight_daily.slice
            and slice_values.slice_value = in_flight_daily.slice_value
            and days.flow_date = in_flight_daily.flow_date

),

grains as (

    {{ dora_grains() }}

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

completed as (

    select * from flow_items
    where completed_at is not null and work_started_at is not null

),

completed_sliced as (

    {{ dora_slices('completed', 'completed_at_local', slices=flow_slices) }}

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
        period_end_in_flight.in_flight_at_period_end
    from periods
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
