{#- The columns of mart_dora_deployment_frequency after its period and slice: (expression
    over `periods`, column) pairs. -#}
{% macro deployment_frequency_columns() -%}
    {%- do return(period_mart_iso_week_columns() + [
        ('periods.deployments', 'deployments'),
        ('periods.deployment_days', 'deployment_days'),
        ('periods.days_measured', 'days_measured'),
        (
            'cast(periods.deployments as double precision) / periods.days_measured',
            'deployments_per_day',
        ),
        ('periods.trailing_window_weeks', 'trailing_window_weeks'),
        ('periods.trailing_12w_deployments_per_week', 'trailing_12w_deployments_per_week'),
        (
            dora_band('deployment_frequency', 'periods.trailing_12w_deployments_per_week'),
            'band',
        ),
        ('cast(' ~ var('dora_report_year') ~ ' as integer)', 'report_year'),
    ]) -%}
{%- endmacro %}


{#- The rows of mart_dora_deployment_frequency (see the model): of every period, or, given
    `previous` (the rows already built), of the periods to replace, with their markers
    (macro period_mart over int_production_deployments_aggregated_to_periods; a partition
    whose stream's name or report year changed is replaced whole). -#}
{% macro deployment_frequency_periods(previous=none) -%}
    {{ period_mart(
        'int_production_deployments_aggregated_to_periods',
        deployment_frequency_columns(),
        previous,
        {
            'value_stream_name': 'named_streams.value_stream_name',
            'report_year': 'cast(' ~ var('dora_report_year') ~ ' as integer)',
        },
    ) }}
{%- endmacro %}
