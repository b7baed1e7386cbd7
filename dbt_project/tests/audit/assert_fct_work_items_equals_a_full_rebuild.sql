-- The incremental fct_work_items holds exactly the rows a full rebuild would (the macro
-- work_items over every item): the same items, states, times and counts.
{{ full_rebuild_differences(
    ref('fct_work_items'),
    work_items(),
    [
        'work_item_key', 'issue_id', 'value_stream_id', 'team_id', 'project_key',
        'issue_type', 'flow_item_type', 'is_flow_item', 'flow_state', 'created_at',
        'work_started_at', 'completed_at', 'status_name', 'is_canceled', 'is_flagged',
        'flow_time_s', 'active_time_s', 'wait_time_s', 'flow_efficiency', 'reopen_count',
        'status_visits',
    ],
) }}
