{#- Flow velocity (metrics.md section 3): items completed in each period, in all and by
    flow item type, per grain and slice (value stream, team, flow item type).

    Incremental by period (macro period_mart_periods, docs/flow.md); a full refresh and an
    incremental run give the same rows
    (tests/audit/assert_mart_flow_velocity_equals_a_full_rebuild.sql). -#}
{{ config(**period_mart_config()) }}

{{ flow_period_mart('mart_flow_velocity', previous=this if is_incremental() else none) }}
