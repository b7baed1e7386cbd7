{#- The week columns of a period mart: (expression over `periods`, column) pairs, the ISO
    year and week of a week's start (NULL for the other grains). -#}
{% macro period_mart_iso_week_columns() -%}
    {%- do return([
        (
            "case when periods.grain = 'week'"
            ~ ' then cast(extract(isoyear from periods.period_start) as integer) end',
            'iso_year',
        ),
        (
            "case when periods.grain = 'week'"
            ~ ' then cast(extract(week from periods.period_start) as integer) end',
            'iso_week',
        ),
    ]) -%}
{%- endmacro %}


{#- Every column of a period mart whose other columns are `columns` ((expression, column)
    pairs), in order. -#}
{% macro period_mart_column_names(columns) -%}
    {%- set names = [
        'grain', 'period_start', 'slice', 'value_stream_id', 'value_stream_name', 'slice_value',
    ] -%}
    {%- for expression, column in columns -%}
        {%- do names.append(column) -%}
    {%- endfor -%}
    {%- do names.append('periods_written_at') -%}
    {%- do return(names) -%}
{%- endmacro %}


{#- The rows of a mart that copies a period model (`periods_model`) row for row (or, with
    `joined`, a relation each period row is cross-joined to, once per row of it): its
    period and slice, the stream's name, `columns` ((expression over `periods` and
    `joined`, column) pairs) and the row's periods_written_at; of every period, or, given
    `previous` (the rows already built), of the periods to replace with their markers
    (macro period_mart_periods, to which `fixed_columns` goes). -#}
{% macro period_mart(periods_model, columns, previous=none, fixed_columns=none, joined=none) -%}
with

{{ period_mart_periods(periods_model, previous, fixed_columns) }}

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
        {%- for expression, column in columns %}
        {{ expression }} as {{ column }},
        {%- endfor %}
        periods.periods_written_at
    from periods
    {%- if joined is not none %}
    cross join {{ joined }}
    {%- endif %}
    inner join value_streams
        on periods.value_stream_id = value_streams.value_stream_id

)

select * from final
{%- if previous is not none %}
union all
{{ dora_replace_markers(period_mart_column_names(columns)) }}
{%- endif %}
{%- endmacro %}


{#- The columns of a flow mart that copies int_flow_aggregated_to_periods row for row
    (mart_flow_velocity, mart_flow_time, mart_flow_efficiency or mart_flow_load), after its
    period and slice: (expression over `periods`, column) pairs. -#}
{% macro flow_period_mart_columns(mart) -%}
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
    {%- do return(measures[mart] + period_mart_iso_week_columns()) -%}
{%- endmacro %}


{#- The rows of such a flow mart (macro period_mart over int_flow_aggregated_to_periods). -#}
{% macro flow_period_mart(mart, previous=none) -%}
    {{ period_mart('int_flow_aggregated_to_periods', flow_period_mart_columns(mart), previous) }}
{%- endmacro %}
