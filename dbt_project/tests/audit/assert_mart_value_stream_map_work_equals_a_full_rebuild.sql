-- The incremental mart_value_stream_map_work holds exactly the rows a full rebuild would
-- (the macro work_map_periods over every period): the same stages, counts and times.
{{ full_rebuild_differences(
    ref('mart_value_stream_map_work'),
    work_map_periods(),
    [
        'grain', 'period_start', 'value_stream_id', 'value_stream_name', 'status_id',
        'stage_name', 'stage_order', 'items', 'lt_median_s', 'lt_sum_s', 'pt_median_s',
        'pt_sum_s', 'wait_median_s', 'wait_sum_s', 'pct_complete_accurate', 'iso_year',
        'iso_week', 'stage_map_fingerprint',
    ],
) }}
