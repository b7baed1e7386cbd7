-- The incremental int_production_deployments_aggregated_to_periods holds exactly the rows
-- a full rebuild would (the macro production_deployment_periods over every period): the
-- same rows, every column.
{{ full_rebuild_differences(
    ref('int_production_deployments_aggregated_to_periods'),
    production_deployment_periods(),
    [
        'grain', 'period_start', 'period_end', 'slice', 'value_stream_id', 'slice_value',
        'deployments', 'deployment_days', 'days_measured', 'trailing_window_weeks',
        'trailing_12w_deployments_per_week',
    ],
) }}
