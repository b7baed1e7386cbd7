{#- Flow load (metrics.md section 3): items in active or waiting at the end of each day
    (its last second, in the stream's timezone); a period's value is the mean of its
    measured days (the whole days before the as-of instant), with the count at the end of
    its last measured day.

    Incremental by period (macro period_mart_periods, docs/flow.md); a full refresh and an
    incremental run give the same rows
    (tests/audit/assert_mart_flow_load_equals_a_full_rebuild.sql). -#}
{{ config(**period_mart_config()) }}

{{ flow_period_mart('mart_flow_load', previous=this if is_incremental() else none) }}
