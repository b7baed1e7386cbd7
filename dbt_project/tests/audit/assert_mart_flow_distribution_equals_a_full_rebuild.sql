-- The incremental mart_flow_distribution holds exactly the rows a full rebuild would (the
-- macro flow_distribution over every period): the same rows, every column but
-- periods_written_at (which rewrite of int_flow_aggregated_to_periods each row read).
{% set columns = period_mart_column_names(flow_distribution_columns()) %}
{{ full_rebuild_differences(
    ref('mart_flow_distribution'),
    flow_distribution(),
    columns | reject('equalto', 'periods_written_at') | list,
) }}
