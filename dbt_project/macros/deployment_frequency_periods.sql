{#- The rows of mart_dora_deployment_frequency (see the model): of every period, or, given
    `previous` (the rows already built), of the periods to replace, with their markers
    (macro period_mart_periods). -#}
{% macro deployment_frequency_periods(previous=none) -%}
with

{{ period_mart_periods(
    'int_production_deployments_aggregated_to_periods',
    previous,
    {
        'value_stream_name': 'named_streams.value_stream_name',
        'report_year': 'cast(' ~ var('dora_report_year') ~ ' as integer)',
    },
) }}

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
        case
            when periods.grain = 'week'
                then cast(extract(isoyear from periods.period_start) as integer)
        end as iso_year,
        case
            when periods.grain = 'week'
                then cast(extract(week from periods.period_start) as integer)
        end as iso_week,
        periods.deployments,
        periods.deployment_days,
        periods.days_measured,
        cast(periods.deployments as double precision)
        / periods.days_measured as deployments_per_day,
        periods.trailing_window_weeks,
        periods.trailing_12w_deployments_per_week,
        {{ dora_band('deployment_frequency', 'periods.trailing_12w_deployments_per_week') }}
            as band,
        cast({{ var('dora_report_year') }} as integer) as report_year,
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
    [
        'grain', 'period_start', 'slice', 'value_stream_id', 'value_stream_name',
        'slice_value', 'iso_year', 'iso_week', 'deployments', 'deployment_days',
        'days_measured', 'deployments_per_day', 'trailing_window_weeks',
        'trailing_12w_deployments_per_week', 'band', 'report_year', 'periods_written_at',
    ],
    {
        'grain': 'grain', 'period_start': 'replaced_from', 'slice': 'slice',
        'value_stream_id': 'value_stream_id', 'slice_value': 'slice_value',
    },
) }}
{%- endif %}
{%- endmacro %}
