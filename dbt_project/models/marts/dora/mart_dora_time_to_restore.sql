{#- Incremental by partition (value stream, slice, slice value, grain): a run compares the
    periods' statistics and runs with the rows already built and replaces each partition
    that changed from its first changed period on (the replace_from strategy; the macro
    time_to_restore_periods says what changes a partition). An hourly refresh thus writes
    the new as-of day and the periods of the incidents resolved or restated since, not the
    whole history. An empty table is built whole; a full refresh and an incremental run
    give the same rows (tests/audit/assert_mart_dora_time_to_restore_equals_a_full_rebuild.sql).
    A timezone change restates the periods it moves, so it needs no full refresh. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_from',
        replace_partition_by=['value_stream_id', 'slice', 'slice_value', 'grain'],
        replace_from_column='period_start',
        replace_marker='priority is null',
        on_schema_change='fail'
    )
}}

{% if is_incremental() %}

    {{ time_to_restore_periods(previous=this) }}

{% else %}

    {{ time_to_restore_periods() }}

{% endif %}
