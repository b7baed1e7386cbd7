-- The incremental fct_flow_daily holds exactly the rows a full recount would (the macro
-- flow_daily_counts over every day): the same groups, days and counts.
{{ full_rebuild_differences(
    ref('fct_flow_daily'),
    flow_daily_counts(),
    [
        'value_stream_id', 'team_id', 'flow_item_type', 'flow_date', 'status_id',
        'status_name', 'flow_state', 'is_flagged', 'is_in_flight', 'items',
    ],
) }}
