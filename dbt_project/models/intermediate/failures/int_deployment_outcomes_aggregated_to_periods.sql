{#- Production deployments, failed deployments and rework deployments per period (grain
    day, ISO week, month or quarter, in the stream's timezone) and slice. The query is the
    macro deployment_outcome_periods.

    Incremental by partition (value stream, slice, slice value, grain), as
    mart_dora_time_to_restore: a run compares the periods' counts and runs with the rows
    already built and replaces each partition that changed from its first changed period
    on (the replace_from strategy, dora_replaced_partitions). An empty table is built
    whole; a full refresh and an incremental run give the same rows
    (tests/audit/assert_int_deployment_outcomes_aggregated_to_periods_equals_a_full_rebuild.sql). -#}
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

    {{ deployment_outcome_periods(previous=this) }}

{% else %}

    {{ deployment_outcome_periods() }}

{% endif %}
