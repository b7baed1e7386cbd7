{#- The columns each flow mart that copies int_flow_aggregated_to_periods row for row takes
    from it (after its period and slice, before iso_year and iso_week): (expression over
    `periods`, column) pairs. -#}
{% macro flow_period_mart_measures(mart) -%}
    {%- set measures = {
        'mart_flow_velocity': [
            ('periods.items_completed', 'items_completed'),
            ('periods.completed_feature', 'features_completed'),
            ('periods.completed_defect', 'defects_completed'),
            ('periods.completed_risk', 'risks_completed'),
            ('periods.completed_debt', 'debts_completed'),
            ('periods.completed_unclassified', 'unclassified_completed'),
        ],
        'mart_flow_time': [
            ('periods.items_completed', 'items_completed'),
            ('periods.flow_time_median_s', 'median_seconds'),
            ('periods.flow_time_p85_s', 'p85_seconds'),
            ('periods.flow_time_p95_s', 'p95_seconds'),
            ('periods.flow_time_mean_s', 'mean_seconds'),
        ],
        'mart_flow_efficiency': [
            ('periods.items_completed', 'items_completed'),
            ('periods.active_time_sum_s', 'active_seconds'),
            ('periods.flow_time_sum_s', 'flow_seconds'),
            ('periods.flow_efficiency', 'flow_efficiency'),
            ('periods.mean_item_efficiency', 'mean_item_efficiency'),
        ],
        'mart_flow_load': [
            ('periods.days_measured', 'days_measured'),
            ('periods.flow_load', 'flow_load'),
            ('periods.last_measured_date', 'last_measured_date'),
            ('periods.in_flight_at_period_end', 'in_flight_at_period_end'),
        ],
    } -%}
    {%- if mart not in measures -%}
        {{ exceptions.raise_compiler_error('flow_period_mart knows no mart ' ~ mart) }}
    {%- endif -%}
    {%- do return(measures[mart]) -%}
{%- endmacro %}


{#- Every column of such a flow mart, in order. -#}
{% macro flow_period_mart_columns(mart) -%}
    {%- set columns = [
        'grain', 'period_start', 'slice', 'value_stream_id', 'value_stream_name', 'slice_value',
    ] -%}
    {%- for expression, column in flow_period_mart_measures(mart) -%}
        {%- do columns.append(column) -%}
    {%- endfor -%}
    {%- do columns.extend(['iso_year', 'iso_week', 'periods_written_at']) -%}
    {%- do return(columns) -%}
{%- endmacro %}


{#- The rows of a flow mart that copies int_flow_aggregated_to_periods row for row with its
    stream's name (`mart`: mart_flow_velocity, mart_flow_time, mart_flow_efficiency or
    mart_flow_load): of every period, or, given `previous` (the rows already built), of the
    periods to replace, with their markers (macro period_mart_periods). -#}
{% macro flow_period_mart(mart, previous=none) -%}
with

{{ period_mart_periods('int_flow_aggregated_to_periods', previous) }}

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

final as (

    select
        periods.grain,
        periods.period_start,
        periods.slice,
        periods.value_stream_id,
        value_streams.value_stream_name,
        periods.slice_value,
        {%- for expression, column in flow_period_mart_measures(mart) %}
        {{ expression }} as {{ column }},
        {%- endfor %}
        case
            when periods.grain = 'week'
                then cast(extract(isoyear from periods.period_start) as integer)
        end as iso_year,
        case
            when periods.grain = 'week'
                then cast(extract(week from periods.period_start) as integer)
        end as iso_week,
        periods.periods_written_at
    from periods
    inner join value_streams
        on periods.value_stream_id = value_streams.value_stream_id

)

select * from final
{%- if previous is not none %}
union all
{{ replace_from_markers(
    'replaced',
    flow_period_mart_columns(mart),
    {
        'grain': 'grain', 'period_start': 'replaced_from', 'slice': 'slice',
        'value_stream_id': 'value_stream_id', 'slice_value': 'slice_value',
    },
) }}
{%- endif %}
{%- endmacro %}
