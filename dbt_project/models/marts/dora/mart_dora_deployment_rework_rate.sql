{#- The deployment rework rate (metrics.md 2.5): rollback and hotfix deployments over
    production deployments (no band), per period and slice; the query is the macro
    deployment_outcome_rates.

    Incremental by partition (value stream, slice, slice value, grain): a run compares the
    periods' counts and runs in int_deployment_outcomes_aggregated_to_periods with the rows
    already built and replaces each partition that changed from its first changed period
    on (the replace_from strategy, dora_replaced_partitions), so an hourly refresh rewrites
    what changed, not every period. An empty table is built whole; a full refresh and an
    incremental run give the same rows
    (tests/audit/assert_mart_dora_deployment_rework_rate_equals_a_full_rebuild.sql). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_from',
        replace_partition_by=['value_stream_id', 'slice', 'slice_value', 'grain'],
        replace_from_column='period_start',
        replace_marker='deployments is null',
        on_schema_change='fail'
    )
}}

{% if is_incremental() %}

    {{ deployment_outcome_rates('rework_deployments', previous=this) }}

{% else %}

    {{ deployment_outcome_rates('rework_deployments') }}

{% endif %}
