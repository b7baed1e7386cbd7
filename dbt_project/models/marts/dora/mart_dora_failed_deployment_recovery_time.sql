{#- Incremental by partition (value stream, slice, slice value, grain), as
    mart_dora_time_to_restore: a run compares the periods' statistics and runs with the
    rows already built and replaces each partition that changed from its first changed
    period on (the replace_from strategy; the macro failed_deployment_recovery_periods). An
    empty table is built whole; a full refresh and an incremental run give the same rows
    (tests/audit/assert_mart_dora_failed_deployment_recovery_time_equals_a_full_rebuild.sql). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_from',
        replace_partition_by=['value_stream_id', 'slice', 'slice_value', 'grain'],
        replace_from_column='period_start',
        replace_marker='value_stream_name is null',
        on_schema_change='fail'
    )
}}

{% if is_incremental() %}

    {{ failed_deployment_recovery_periods(previous=this) }}

{% else %}

    {{ failed_deployment_recovery_periods() }}

{% endif %}
