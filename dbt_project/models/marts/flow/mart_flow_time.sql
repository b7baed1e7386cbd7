{#- Flow time (metrics.md section 3): completion - work start of the items completed in each
    period: median, p85, p95 (continuous percentiles, recomputed per slice from the items)
    and mean, with the count; NULL over no items.

    Incremental by partition (value stream, slice, slice value, grain), with the
    replace_from strategy: a run rewrites the periods int_flow_aggregated_to_periods
    rewrote since the rows built, and those whose stream was renamed or whose period is
    gone (macro period_mart_periods); periods_written_at is what it read. A full refresh and
    an incremental run give the same rows
    (tests/audit/assert_mart_flow_time_equals_a_full_rebuild.sql). The query is the macro
    flow_period_mart. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_from',
        replace_partition_by=['value_stream_id', 'slice', 'slice_value', 'grain'],
        replace_from_column='period_start',
        replace_marker='value_stream_name is null',
        on_schema_change='append_new_columns'
    )
}}

{% if is_incremental() %}

    {{ flow_period_mart('mart_flow_time', previous=this) }}

{% else %}

    {{ flow_period_mart('mart_flow_time') }}

{% endif %}
