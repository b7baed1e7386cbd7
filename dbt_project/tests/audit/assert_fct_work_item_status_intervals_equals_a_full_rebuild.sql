-- The incremental fct_work_item_status_intervals holds exactly the visits a full rebuild
-- from the whole changelog would (int_work_item_status_intervals): the same items, states,
-- times and durations, and nothing else.
{{ full_rebuild_differences(
    ref('fct_work_item_status_intervals'),
    'select * from ' ~ ref('int_work_item_status_intervals'),
    [
        'work_item_interval_key', 'work_item_key', 'value_stream_id', 'team_id',
        'flow_item_type', 'is_canceled', 'visit_number', 'status_id', 'status_name',
        'flow_state', 'entered_at', 'exited_at', 'duration_s', 'flagged_s', 'active_s',
    ],
) }}
