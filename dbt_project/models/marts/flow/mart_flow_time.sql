{#- Flow time (metrics.md section 3): completion - work start of the items completed in each
    period: median, p85, p95 (continuous percentiles, recomputed per slice from the items)
    and mean, with the count; NULL over no items.

    Incremental by period (macro period_mart_periods, docs/flow.md); a full refresh and an
    incremental run give the same rows
    (tests/audit/assert_mart_flow_time_equals_a_full_rebuild.sql). -#}
{{ config(**period_mart_config()) }}

{{ flow_period_mart('mart_flow_time', previous=this if is_incremental() else none) }}
