{#- CTEs (comma-separated, one after the last) of an incremental mart that copies a period
    model (`periods_model`: int_flow_aggregated_to_periods,
    int_production_deployments_aggregated_to_periods) row for row, with the stream's name
    and other columns fixed per partition, by the replace_from strategy partitioned as that
    model (value stream, slice, slice value, grain). The period model stamps each row it
    writes with the run's start (periods_written_at), and the mart copies the stamp.
    - `periods`: the period model's rows to write: every row, or, given `previous` (the
      mart's rows already built), those of each replaced partition from its first replaced
      period on;
    - `replaced` (given `previous`): value_stream_id, slice, slice_value, grain and
      replaced_from, the first period of the partition replaced, for the marker rows
      (replace_from_markers).

    A partition is replaced from the earliest of:
    - its first period written after the newest periods_written_at the built rows read
      (the period model rewrites a partition from a period on, so every later period of it
      is newer too); when the built rows read none (none built, or built before
      periods_written_at), every partition is replaced from its first period;
    - its first built period that the period model no longer holds (a partition cut short,
      gone, or without a period it had);
    - its first built period, where a column of `fixed_columns` (column: its SQL value
      now, over `named_streams`, the stream's row of dim_value_streams) is not the one
      built: the stream's name by default (renamed, or no longer configured: its rows go).
    Any other partition is left as built: its rows are those a full rebuild gives. -#}
{% macro period_mart_periods(periods_model, previous=none, fixed_columns=none) -%}
{%- set fixed = fixed_columns
    if fixed_columns is not none
    else {'value_stream_name': 'named_streams.value_stream_name'} -%}
{%- set partition_columns = ['value_stream_id', 'slice', 'slice_value', 'grain'] -%}
{%- if previous is none -%}

periods as (

    select * from {{ ref(periods_model) }}

),

{%- else -%}

aggregated_periods as (

    select * from {{ ref(periods_model) }}

),

read_through as (

    select
        max({{ column_or_null(previous, 'periods_written_at', dbt.type_timestamp()) }})
            as periods_written_at
    from {{ previous }}

),

built_partitions as (

    select
        {{ partition_columns | join(',\n        ') }},
        {%- for column in fixed %}
        max({{ column }}) as {{ column }},
        {%- endfor %}
        min(period_start) as first_period
    from {{ previous }}
    group by {{ partition_columns | join(', ') }}

),

replaced_from_each_cause as (

    select
        {%- for column in partition_columns %}
        aggregated_periods.{{ column }},
        {%- endfor %}
        min(aggregated_periods.period_start) as replaced_from
    from aggregated_periods
    cross join read_through
    where
        read_through.periods_written_at is null
        or aggregated_periods.periods_written_at > read_through.periods_written_at
    group by
        {%- for column in partition_columns %}
        aggregated_periods.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    union all

    select
        {%- for column in partition_columns %}
        built.{{ column }},
        {%- endfor %}
        min(built.period_start) as replaced_from
    from {{ previous }} as built
    where not exists (
        select 1
        from aggregated_periods
        where
            {%- for column in partition_columns %}
            aggregated_periods.{{ column }} = built.{{ column }}
            and
            {%- endfor %}
            aggregated_periods.period_start = built.period_start
    )
    group by
        {%- for column in partition_columns %}
        built.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    union all

    select
        {%- for column in partition_columns %}
        built_partitions.{{ column }},
        {%- endfor %}
        built_partitions.first_period as replaced_from
    from built_partitions
    left join {{ ref('dim_value_streams') }} as named_streams
        on built_partitions.value_stream_id = named_streams.value_stream_id
    where
        {%- for column, current in fixed.items() %}
        {{ 'or ' if not loop.first }}{{ current }} is distinct from built_partitions.{{ column }}
        {%- endfor %}

),

replaced as (

    select
        {{ partition_columns | join(',\n        ') }},
        min(replaced_from) as replaced_from
    from replaced_from_each_cause
    group by {{ partition_columns | join(', ') }}

),

periods as (

    select aggregated_periods.*
    from aggregated_periods
    inner join replaced
        on
            {%- for column in partition_columns %}
            aggregated_periods.{{ column }} = replaced.{{ column }}
            and
            {%- endfor %}
            aggregated_periods.period_start >= replaced.replaced_from

),

{%- endif %}
{%- endmacro %}


{#- The config of an incremental mart whose rows period_mart_periods selects: the
    replace_from strategy by the period model's partitions, the markers those with no
    stream name, and the bookkeeping column added to a table built before it. -#}
{% macro period_mart_config() -%}
    {%- do return({
        'materialized': 'incremental',
        'incremental_strategy': 'replace_from',
        'replace_partition_by': ['value_stream_id', 'slice', 'slice_value', 'grain'],
        'replace_from_column': 'period_start',
        'replace_marker': 'value_stream_name is null',
        'on_schema_change': 'append_new_columns',
    }) -%}
{%- endmacro %}
