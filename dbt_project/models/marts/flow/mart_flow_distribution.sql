{#- Flow distribution (metrics.md section 3): one row per period, slice and flow item type
    with the items of the type completed in the period and their share of all completed,
    and the items of the type in flight (active or waiting) at the end of the period's last
    measured day and their share of all in flight; a share over no items is NULL.

    Incremental by period (macro period_mart_periods, docs/flow.md); a full refresh and an
    incremental run give the same rows
    (tests/audit/assert_mart_flow_distribution_equals_a_full_rebuild.sql). -#}
{{ config(**period_mart_config()) }}

{{ flow_distribution(previous=this if is_incremental() else none) }}
