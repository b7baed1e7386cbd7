{#- One row per ended visit of a flow item to a work-map stage (metrics.md 4); the query is
    the macro work_map_visits, which says what each column holds.

    Incremental: a run restates the items whose status intervals were rewritten since the
    newest rewrite it had read (intervals_rewritten_at), and every item of a stream whose
    stage map changed (stage_map_fingerprint); each restated item's rows are replaced
    whole (the replace_from strategy, partitioned by item, from a marker at visit 0).
    tests/audit/assert_int_work_map_visits_equals_a_full_rebuild checks it. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_from',
        replace_partition_by='work_item_key',
        replace_from_column='visit_number',
        replace_marker='work_item_interval_key is null',
        on_schema_change='append_new_columns'
    )
}}

{% if is_incremental() %}

    {{ work_map_visits(previous=this) }}

{% else %}

    {{ work_map_visits() }}

{% endif %}
