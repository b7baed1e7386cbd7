-- The incremental int_flow_aggregated_to_periods holds exactly the rows a full rebuild
-- would (the macro flow_periods over every period). Sums and means of seconds and loads
-- are compared to six decimal places: a period recounted alone may add its values in
-- another order.
{{ full_rebuild_differences(
    ref('int_flow_aggregated_to_periods'),
    flow_periods(),
    [
        'grain', 'period_start', 'slice', 'value_stream_id', 'slice_value',
        'items_completed', 'completed_feature', 'completed_defect', 'completed_risk',
        'completed_debt', 'completed_unclassified', 'flow_time_median_s', 'flow_time_p85_s',
        'flow_time_p95_s',
        'cast(flow_time_mean_s as decimal(38, 6)) as flow_time_mean_s',
        'cast(flow_time_sum_s as decimal(38, 6)) as flow_time_sum_s',
        'cast(active_time_sum_s as decimal(38, 6)) as active_time_sum_s',
        'cast(flow_efficiency as decimal(38, 6)) as flow_efficiency',
        'cast(mean_item_efficiency as decimal(38, 6)) as mean_item_efficiency',
        'days_measured',
        'cast(flow_load as decimal(38, 6)) as flow_load',
        'last_measured_date', 'in_flight_feature', 'in_flight_defect', 'in_flight_risk',
        'in_flight_debt', 'in_flight_unclassified', 'in_flight_at_period_end',
    ],
) }}
