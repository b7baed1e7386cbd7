-- The incremental mart_flow_distribution holds exactly the rows a full rebuild would (the
-- macro flow_distribution over every period): the same rows, every column but
-- periods_written_at (which rewrite of int_flow_aggregated_to_periods each row read).
{{ full_rebuild_differences(
    ref('mart_flow_distribution'),
    flow_distribution(),
    [
        'grain', 'period_start', 'slice', 'value_stream_id', 'value_stream_name',
        'slice_value', 'flow_item_type', 'items_completed', 'items_in_flight', 'iso_year',
        'iso_week', 'share_completed', 'share_in_flight',
    ],
) }}
