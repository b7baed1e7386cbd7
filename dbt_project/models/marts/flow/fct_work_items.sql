{#- One row per Jira issue: its flow type, current state, work start (first entry into
    active or waiting), completion (last entry into done, when done now), flow, active and
    wait time of completed items, per-item flow efficiency and reopen count.

    Incremental: a run rewrites the items whose status intervals were rewritten since the
    newest rewrite it had read (intervals_rewritten_at); every column comes from the item
    and its intervals, and a change of either rewrites its intervals. The query is the macro
    work_items; tests/audit/assert_fct_work_items_equals_a_full_rebuild checks it. -#}
{{
    config(
        materialized='incremental',
        unique_key='work_item_key',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

{% if is_incremental() %}

    {{ work_items(
        rewritten_since="select coalesce(max("
        ~ column_or_null(this, 'intervals_rewritten_at', dbt.type_timestamp())
        ~ "), cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")) from " ~ this
    ) }}

{% else %}

    {{ work_items() }}

{% endif %}
