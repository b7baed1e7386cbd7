-- The incremental mart_dora_failed_deployment_recovery_time holds exactly the rows a full
-- rebuild would (the macro failed_deployment_recovery_periods over every period): the same
-- rows, every column.
{{ full_rebuild_differences(
    ref('mart_dora_failed_deployment_recovery_time'),
    failed_deployment_recovery_periods(),
    [
        'grain', 'period_start', 'slice', 'value_stream_id', 'value_stream_name',
        'slice_value', 'recovered_deployments', 'median_seconds', 'p75_seconds',
        'p95_seconds', 'open_failed_deployments', 'negative_excluded', 'band', 'report_year',
    ],
) }}
