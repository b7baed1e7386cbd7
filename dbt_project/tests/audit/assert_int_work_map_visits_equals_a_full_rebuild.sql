-- The incremental int_work_map_visits holds exactly the rows a full rebuild would (the
-- macro work_map_visits over every item): the same visits, stages, times and flags.
{{ full_rebuild_differences(
    ref('int_work_map_visits'),
    work_map_visits(),
    [
        'work_item_interval_key', 'work_item_key', 'value_stream_id', 'status_id',
        'stage_name', 'stage_order', 'visit_number', 'exited_at', 'exited_at_local',
        'lead_time_s', 'process_time_s', 'wait_time_s', 'is_complete_accurate',
        'stage_map_fingerprint',
    ],
) }}
