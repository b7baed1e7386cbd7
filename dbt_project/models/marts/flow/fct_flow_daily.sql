{#- One row per value stream, team, flow item type, status and flow state per local day
    with the number of flow items there at the end of the day (its last second): the
    cumulative flow diagram, and flow load (items in active or waiting). An item flagged
    while in an active status counts as waiting (is_flagged). Canceled items and non-flow
    items are left out. The query is the macro flow_daily_counts.

    Incremental: a run recounts each stream's days from the first one its items' history
    may have changed on since the last run read fct_work_item_status_intervals (the
    intervals say which items they rewrote and from when their history changed), carrying
    in the counts of the day before, and replaces those days (the replace_from strategy).
    A change of the flow-load states (var flow_load_states) needs a full refresh. Rows
    built before intervals_rewritten_at existed read as NULL: everything is recounted.
    tests/audit/assert_fct_flow_daily_equals_a_full_rebuild checks it against a rebuild. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_from',
        replace_partition_by='value_stream_id',
        replace_from_column='flow_date',
        replace_marker='items = 0',
        on_schema_change='append_new_columns'
    )
}}

{% if is_incremental() %}

    {{ flow_daily_counts(previous=this) }}

{% else %}

    {{ flow_daily_counts() }}

{% endif %}
