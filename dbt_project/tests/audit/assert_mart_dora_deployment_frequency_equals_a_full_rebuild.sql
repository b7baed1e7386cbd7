-- The incremental mart_dora_deployment_frequency holds exactly the rows a full rebuild
-- would (the macro deployment_frequency_periods over every period): the same rows, every
-- column but periods_written_at (which rewrite of
-- int_production_deployments_aggregated_to_periods each row read).
{% set columns = period_mart_column_names(deployment_frequency_columns()) %}
{{ full_rebuild_differences(
    ref('mart_dora_deployment_frequency'),
    deployment_frequency_periods(),
    columns | reject('equalto', 'periods_written_at') | list,
) }}
