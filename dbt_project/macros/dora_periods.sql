{#- Periods and slices shared by every DORA metric mart.

    A metric mart has one row per (grain, period_start, slice, value_stream_id, slice_value):
    grain is 'day', 'week' (ISO, Monday), 'month' or 'quarter', cut in the value stream's timezone;
    slice is 'value_stream', 'team' or 'service' and slice_value the id of that stream, team
    or service. Events are repeated once per grain and slice (`dora_slices`) and aggregated
    again from rows, so medians are recomputed per slice, never averaged. -#}


{#- The grains (default var('dora_grains'): day, week, month, quarter), as a derived table with one
    column `grain`. -#}
{% macro dora_grains(grains=none) -%}
    {%- set grains = grains or var('dora_grains') -%}
    {%- for grain in grains %}
    select '{{ grain }}' as grain
    {%- if not loop.last %}
    union all
    {%- endif -%}
    {%- endfor %}
{%- endmacro %}


{#- The slices (default var('dora_slices'): value_stream, team, service), as a derived
    table with one column `slice`. -#}
{% macro dora_slice_names(slices=none) -%}
    {%- for slice in slices or var('dora_slices') %}
    select '{{ slice }}' as slice
    {%- if not loop.last %}
    union all
    {%- endif -%}
    {%- endfor %}
{%- endmacro %}


{#- The start of the `grain` period holding `local_date_expression` (a date or a naive
    local timestamp), as a date; `grain_column` names a column holding the grain. -#}
{% macro dora_period_start(grain_column, local_expression) -%}
    case {{ grain_column }}
        when 'day' then cast({{ local_expression }} as date)
        when 'week' then cast({{ dbt.date_trunc('week', local_expression) }} as date)
        when 'month' then cast({{ dbt.date_trunc('month', local_expression) }} as date)
        else cast({{ dbt.date_trunc('quarter', local_expression) }} as date)
    end
{%- endmacro %}


{#- The column of a slice: value_stream_id, team_id, else the slice's own name (service,
    flow_item_type). -#}
{% macro dora_slice_column(slice) -%}
    {{- {'value_stream': 'value_stream_id', 'team': 'team_id'}.get(slice, slice) -}}
{%- endmacro %}


{#- The slice value of row `alias` for the slice named by `slice_column`, over `slices`. -#}
{% macro dora_slice_value(slice_column, alias, slices) -%}
    case {{ slice_column }}
        {%- for slice in slices %}
        when '{{ slice }}' then {{ alias }}.{{ dora_slice_column(slice) }}
        {%- endfor %}
    end
{%- endmacro %}


{#- Every column of `relation` (a CTE or relation with value_stream_id, team_id, service and
    `local_timestamp_column`, a naive timestamp in the stream's timezone) plus grain,
    period_start, slice and slice_value: each row once per grain and per slice it belongs
    to (a row without a team is left out of the team slice, one without a service out of
    the service slice). `grains` overrides var('dora_grains'); `slices` overrides
    var('dora_slices') (a slice other than value_stream and team reads the column of its
    own name, e.g. flow_item_type). -#}
{% macro dora_slices(relation, local_timestamp_column, grains=none, slices=none) -%}
    {%- set slices = slices or var('dora_slices') -%}
    select
        sliced_rows.*,
        grains.grain,
        {{ dora_period_start('grains.grain', 'sliced_rows.' ~ local_timestamp_column) }}
            as period_start,
        slices.slice,
        {{ dora_slice_value('slices.slice', 'sliced_rows', slices) }} as slice_value
    from {{ relation }} as sliced_rows
    cross join ({{ dora_grains(grains) }}) as grains
    cross join ({{ dora_slice_names(slices) }}) as slices
    where
        sliced_rows.value_stream_id is not null
        and {{ dora_slice_value('slices.slice', 'sliced_rows', slices) }} is not null
{%- endmacro %}


{#- Every period of every grain from first_local_date through last_local_date of each row
    of `bounds` (a CTE with value_stream_id, slice, slice_value, first_local_date and
    last_local_date, dates in the stream's timezone): columns value_stream_id, slice,
    slice_value, grain and period_start (a period is present when any of its days lies in
    the bounds). Each grain's periods are listed once, from the days between the earliest
    first and the latest last date, then joined to the bounds they overlap (not one row per
    day and bound: the slices times the days times the grains). Cross-database: the days
    come from dbt.generate_series, bounded by var('day_spine_max_days'). `grains` overrides
    var('dora_grains'). -#}
{% macro dora_period_spine(bounds, grains=none) -%}
    {%- set day_expression = dbt.dateadd(
        'day', 'day_numbers.generated_number - 1', 'spine_start.first_day'
    ) -%}
    select
        period_bounds.value_stream_id,
        period_bounds.slice,
        period_bounds.slice_value,
        periods.grain,
        periods.period_start
    from {{ bounds }} as period_bounds
    inner join (
        select
            period_starts.grain,
            period_starts.period_start,
            {{ dora_period_end('period_starts.grain', 'period_starts.period_start') }}
                as period_end
        from (
            select distinct
                grains.grain,
                {{ dora_period_start('grains.grain', 'days.spine_day') }} as period_start
            from (
                select cast({{ day_expression }} as date) as spine_day
                from (
                    select
                        min(first_local_date) as first_day,
                        max(last_local_date) as last_day
                    from {{ bounds }}
                ) as spine_start
                cross join ({{ dbt.generate_series(var('day_spine_max_days')) }}) as day_numbers
                where cast({{ day_expression }} as date) <= spine_start.last_day
            ) as days
            cross join ({{ dora_grains(grains) }}) as grains
        ) as period_starts
    ) as periods
        on
            period_bounds.first_local_date <= period_bounds.last_local_date
            and periods.period_start <= period_bounds.last_local_date
            and periods.period_end >= period_bounds.first_local_date
{%- endmacro %}


{#- Whether the period of row `alias` (columns grain and period_start) is recomputed by an
    incremental run from `since_date` (a SQL expression of a date; NULL: every period): it
    is the period of its grain holding since_date, or a later one. -#}
{% macro dora_period_recomputed(alias, since_date) -%}
    ({{ since_date }} is null
    or {{ alias }}.period_start >= {{ dora_period_start(alias ~ '.grain', since_date) }})
{%- endmacro %}


{#- The last day of the `grain` period starting on `period_start_column` (a date). -#}
{% macro dora_period_end(grain_column, period_start_column) -%}
    case {{ grain_column }}
        when 'day' then {{ period_start_column }}
        when 'week' then cast({{ dbt.dateadd('day', 6, period_start_column) }} as date)
        when 'month' then cast({{ dbt.dateadd(
            'day', -1, dbt.dateadd('month', 1, period_start_column)
        ) }} as date)
        else cast({{ dbt.dateadd(
            'day', -1, dbt.dateadd('month', 3, period_start_column)
        ) }} as date)
    end
{%- endmacro %}


{#- The as-of instant (as_of_timestamp) as a date in the IANA timezone `timezone_column`. -#}
{% macro dora_as_of_local_date(timezone_column) -%}
    cast({{ utc_to_local_timestamp(as_of_timestamp(), timezone_column) }} as date)
{%- endmacro %}


{#- The DORA band of `value_expression` for `metric`, from seed dora_benchmarks for
    var('dora_report_year'): the best-ranked band whose interval holds the value (NULL
    bounds open; [lower, upper) except change_failure_rate's (lower, upper], see the seed's
    description); NULL when the value is NULL. -#}
{% macro dora_band(metric, value_expression) -%}
    {%- if metric == 'change_failure_rate' -%}
        {%- set lower_test = 'benchmarks.lower_bound < ' ~ value_expression -%}
        {%- set upper_test = value_expression ~ ' <= benchmarks.upper_bound' -%}
    {%- else -%}
        {%- set lower_test = value_expression ~ ' >= benchmarks.lower_bound' -%}
        {%- set upper_test = value_expression ~ ' < benchmarks.upper_bound' -%}
    {%- endif -%}
    (
        select benchmarks.band
        from {{ ref('dora_benchmarks') }} as benchmarks
        where
            benchmarks.report_year = {{ var('dora_report_year') }}
            and benchmarks.metric = '{{ metric }}'
            and {{ value_expression }} is not null
            and (benchmarks.lower_bound is null or {{ lower_test }})
            and (benchmarks.upper_bound is null or {{ upper_test }})
        order by benchmarks.band_rank
        limit 1
    )
{%- endmacro %}
