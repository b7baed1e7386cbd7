-- The incremental int_deployment_outcomes_aggregated_to_periods holds exactly the rows a full
-- rebuild would (the macro deployment_outcome_periods over every period): the same rows,
-- every column.
{{ full_rebuild_differences(
    ref('int_deployment_outcomes_aggregated_to_periods'),
    deployment_outcome_periods(),
    [
        'grain',
        'period_start',
        'slice',
        'value_stream_id',
        'slice_value',
        'deployments',
        'failed_deployments',
        'rework_deployments',
    ],
) }}
