-- The incremental mart_flow_efficiency holds exactly the rows a full rebuild would (the macro
-- flow_period_mart over every period): the same rows, every column but periods_written_at
-- (which rewrite of int_flow_aggregated_to_periods each row read).
{% set columns = period_mart_column_names(flow_period_mart_columns('mart_flow_efficiency')) %}
{{ full_rebuild_differences(
    ref('mart_flow_efficiency'),
    flow_period_mart('mart_flow_efficiency'),
    columns | reject('equalto', 'periods_written_at') | list,
) }}
