{#- Incremental by partition (value stream, slice, slice value, grain): a run compares each
    slice's days and run with the rows already built and replaces every grain from the
    period holding the first day that changed, never later than the as-of day (the macro
    production_deployment_periods says why). An empty table is built whole; a full refresh
    and an incremental run give the same rows
    (tests/audit/assert_int_production_deployments_aggregated_to_periods_equals_a_full_rebuild.sql).
    Each row written carries the run's start (periods_written_at): mart_dora_deployment_frequency
    rewrites only the periods written after the newest it read (macro period_mart_periods);
    a table built before the column gains it (NULL in the rows already there). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_from',
        replace_partition_by=['value_stream_id', 'slice', 'slice_value', 'grain'],
        replace_from_column='period_start',
        replace_marker='deployments is null',
        on_schema_change='append_new_columns'
    )
}}

{% if is_incremental() %}

    {{ production_deployment_periods(previous=this) }}

{% else %}

    {{ production_deployment_periods() }}

{% endif %}
