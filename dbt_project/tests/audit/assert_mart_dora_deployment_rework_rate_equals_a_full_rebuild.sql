-- The incremental mart_dora_deployment_rework_rate holds exactly the rows a full rebuild
-- would (the macro deployment_outcome_rates over every period): the same rows, every
-- column.
{{ full_rebuild_differences(
    ref('mart_dora_deployment_rework_rate'),
    deployment_outcome_rates('rework_deployments'),
    [
        'grain',
        'period_start',
        'slice',
        'value_stream_id',
        'value_stream_name',
        'slice_value',
        'deployments',
        'rework_deployments',
        'rate',
    ],
) }}
