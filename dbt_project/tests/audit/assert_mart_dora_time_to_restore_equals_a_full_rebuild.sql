-- The incremental mart_dora_time_to_restore holds exactly the rows a full rebuild would
-- (the macro time_to_restore_periods over every period): the same rows, every column.
{{ full_rebuild_differences(
    ref('mart_dora_time_to_restore'),
    time_to_restore_periods(),
    [
        'grain', 'period_start', 'slice', 'value_stream_id', 'value_stream_name',
        'slice_value', 'priority', 'incidents_resolved', 'median_seconds', 'p75_seconds',
        'p95_seconds', 'negative_excluded', 'iso_year', 'iso_week',
    ],
) }}
