-- The incremental mart_dora_change_lead_time holds exactly the rows a full rebuild would
-- (the macro change_lead_time_periods over every period): the same rows, every column.
{{ full_rebuild_differences(
    ref('mart_dora_change_lead_time'),
    change_lead_time_periods(),
    [
        'grain', 'period_start', 'slice', 'value_stream_id', 'value_stream_name',
        'slice_value', 'changes', 'median_seconds', 'p75_seconds', 'p95_seconds',
        'negative_excluded', 'excluded', 'pull_requests_shipped', 'median_coding_seconds',
        'median_pickup_seconds', 'median_review_seconds', 'median_deploy_seconds',
        'iso_year', 'iso_week', 'band', 'report_year',
    ],
) }}
