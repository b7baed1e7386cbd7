-- The incremental mart_dora_change_failure_rate holds exactly the rows a full rebuild
-- would (the macro deployment_outcome_rates over every period): the same rows, every
-- column.
{{ full_rebuild_differences(
    ref('mart_dora_change_failure_rate'),
    deployment_outcome_rates('failed_deployments', band_metric='change_failure_rate'),
    [
        'grain',
        'period_start',
        'slice',
        'value_stream_id',
        'value_stream_name',
        'slice_value',
        'deployments',
        'failed_deployments',
        'rate',
        'band',
        'report_year',
    ],
) }}
