{#- The flow metrics of every period (day, week, month, quarter in the stream's timezone)
    and slice (value stream, team, flow item type), metrics.md section 3; the query is the
    macro flow_periods.

    Incremental by partition (value stream, slice, slice value, grain): a run compares each
    day's counts in flight and completions with the day rows already built, and rewrites
    each partition from the first period holding a changed day (a new as-of day, a
    rewritten item, a count that moved), with the replace_from strategy. An empty table is
    built whole; a full refresh and an incremental run give the same rows
    (tests/audit/assert_int_flow_aggregated_to_periods_equals_a_full_rebuild.sql). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_from',
        replace_partition_by=['value_stream_id', 'slice', 'slice_value', 'grain'],
        replace_from_column='period_start',
        replace_marker='items_completed is null',
        on_schema_change='append_new_columns'
    )
}}

{% if is_incremental() %}

    {{ flow_periods(previous=this) }}

{% else %}

    {{ flow_periods() }}

{% endif %}
