-- The incremental mart_dora_deployment_frequency holds exactly the rows a full rebuild
-- would (the macro deployment_frequency_periods over every period): the same rows, every
-- column but periods_written_at (which rewrite of
-- int_production_deployments_aggregated_to_periods each row read).
{{ full_rebuild_differences(
    ref('mart_dora_deployment_frequency'),
    deployment_frequency_periods(),
    [
        'grain', 'period_start', 'slice', 'value_stream_id', 'value_stream_name',
        'slice_value', 'iso_year', 'iso_week', 'deployments', 'deployment_days',
        'days_measured', 'deployments_per_day', 'trailing_window_weeks',
        'trailing_12w_deployments_per_week', 'band', 'report_year',
    ],
) }}
