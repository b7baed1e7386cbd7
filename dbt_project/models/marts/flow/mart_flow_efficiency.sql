{#- Flow efficiency (metrics.md section 3): the active time over the flow time of the
    items completed in each period, time-weighted (sum active / sum flow time); the mean
    of the items' own ratios is kept beside it for comparison, not as the metric.

    Incremental by period (macro period_mart_periods, docs/flow.md); a full refresh and an
    incremental run give the same rows
    (tests/audit/assert_mart_flow_efficiency_equals_a_full_rebuild.sql). -#}
{{ config(**period_mart_config()) }}

{{ flow_period_mart('mart_flow_efficiency', previous=this if is_incremental() else none) }}
