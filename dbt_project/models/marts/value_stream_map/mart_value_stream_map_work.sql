{#- The work map (metrics.md 4): per period, value stream and stage (a non-terminal status),
    the visits of flow items that ended in the period (stream timezone). The query is the
    macro work_map_periods, which says what each column holds.

    Incremental: a run rewrites only the periods whose visits changed (a visit rewritten
    since the last run, or a stage holding another number of visits than built) and every
    period of a stream whose stage map or name changed; each such period's rows are
    replaced whole (the replace_from strategy, partitioned by stream, grain and period,
    from a marker at stage order -1). A change of var('dora_grains') is followed too: a
    grain no longer configured holds no visits any more. tests/audit/
    assert_mart_value_stream_map_work_equals_a_full_rebuild checks it. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_from',
        replace_partition_by=['value_stream_id', 'grain', 'period_start'],
        replace_from_column='stage_order',
        replace_marker='status_id is null',
        on_schema_change='append_new_columns'
    )
}}

{% if is_incremental() %}

    {{ work_map_periods(previous=this) }}

{% else %}

    {{ work_map_periods() }}

{% endif %}
