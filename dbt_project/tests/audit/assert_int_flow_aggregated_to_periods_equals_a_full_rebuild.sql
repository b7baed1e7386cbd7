-- The incremental int_flow_aggregated_to_periods holds exactly the rows a full rebuild
-- would (the macro flow_periods over every period). Sums and means of seconds and loads
-- are rounded: a period recounted alone may add its values in another order.
{{ full_rebuild_differences(
    ref('int_flow_aggregated_to_periods'),
    flow_periods(),
    [
        'grain', 'period_start', 'slice', 'value_stream_id', 'slice_value',
        'items_completed', 'completed_feature', 'completed_defect', 'completed_risk',
        'completed_debt', 'completed_unclassified', 'flow_time_median_s', 'flow_time_p85_s',
        'flow_time_p95_s', 'round(flow_time_mean_s, 6) as flow_time_mean_s',
        'round(flow_time_sum_s, 3) as flow_time_sum_s',
        'round(active_time_sum_s, 3) as active_time_sum_s', 'round(flow_efficiency, 9) as flow_efficiency',
        'round(mean_item_efficiency, 9) as mean_item_efficiency', 'days_measured',
        'round(flow_load, 9) as flow_load', 'last_measured_date', 'in_flight_feature',
        'in_flight_defect', 'in_flight_risk', 'in_flight_debt', 'in_flight_unclassified',
        'in_flight_at_period_end',
    ],
) }}
