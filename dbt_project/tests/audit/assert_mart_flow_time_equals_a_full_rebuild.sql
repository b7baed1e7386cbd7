-- The incremental mart_flow_time holds exactly the rows a full rebuild would (the macro
-- flow_period_mart over every period): the same rows, every column but periods_written_at
-- (which rewrite of int_flow_aggregated_to_periods each row read).
{% set columns = period_mart_column_names(flow_period_mart_columns('mart_flow_time')) %}
{{ full_rebuild_differences(
    ref('mart_flow_time'),
    flow_period_mart('mart_flow_time'),
    columns | reject('equalto', 'periods_written_at') | list,
) }}
