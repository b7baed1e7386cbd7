{#- Flow distribution (metrics.md section 3): one row per period, slice and flow item type
    with the items of the type completed in the period and their share of all completed,
    and the items of the type in flight (active or waiting) at the end of the period's last
    measured day and their share of all in flight; a share over no items is NULL.

    Incremental by partition (value stream, slice, slice value, grain), with the
    replace_from strategy: a run rewrites the periods int_flow_aggregated_to_periods
    rewrote since the rows built, and those whose stream was renamed or whose period is
    gone (macro period_mart_periods); periods_written_at is what it read. A full refresh and
    an incremental run give the same rows
    (tests/audit/assert_mart_flow_distribution_equals_a_full_rebuild.sql). -#}
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

    {{ flow_distribution(previous=this) }}

{% else %}

    {{ flow_distribution() }}

{% endif %}
