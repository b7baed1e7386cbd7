{#- Incremental: each run rewrites the intervals of the items whose Jira issue changed since
    it was loaded (a newer updated time: every changelog entry updates it), of new items,
    and of every item of a value stream whose mapping changed (flow-type rules, status
    overrides, status names or categories: see int_flow_mapping_fingerprints). Keyed by
    item, so an item's visits are replaced together. -#}
{{
    config(
        materialized='incremental',
        unique_key='work_item_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with

fingerprints as (

    select * from {{ ref('int_flow_mapping_fingerprints') }}

),

items as (

    select
        items.work_item_key,
        items.value_stream_id,
        items.team_id,
        items.flow_item_type,
        items.updated_at,
        fingerprints.mapping_fingerprint
    from {{ ref('int_work_items_typed') }} as items
    left join fingerprints
        on coalesce(items.value_stream_id, '') = fingerprints.value_stream_id

),

{% if is_incremental() %}

loaded as (

    select
        work_item_key,
        max(item_updated_at) as item_updated_at,
        max(mapping_fingerprint) as mapping_fingerprint,
        max(value_stream_id) as value_stream_id,
        max(team_id) as team_id,
        max(flow_item_type) as flow_item_type
    from {{ this }}
    group by work_item_key

),

changed_items as (

    select items.work_item_key
    from items
    left join loaded
        on items.work_item_key = loaded.work_item_key
    where
        loaded.work_item_key is null
        or items.updated_at is distinct from loaded.item_updated_at
        or items.mapping_fingerprint is distinct from loaded.mapping_fingerprint
        or items.value_stream_id is distinct from loaded.value_stream_id
        or items.team_id is distinct from loaded.team_id
        or items.flow_item_type is distinct from loaded.flow_item_type

),

{% endif %}

intervals as (

    select * from {{ ref('int_work_item_status_intervals') }}
    {% if is_incremental() %}
        where work_item_key in (select changed_items.work_item_key from changed_items)
    {% endif %}

),

final as (

    select
        intervals.work_item_interval_key,
        intervals.work_item_key,
        intervals.issue_id,
        intervals.project_key,
        intervals.value_stream_id,
        intervals.team_id,
        intervals.flow_item_type,
        intervals.is_flow_item,
        intervals.is_canceled,
        intervals.visit_number,
        intervals.is_last_visit,
        intervals.status_id,
        intervals.status_name,
        intervals.status_category_key,
        intervals.resolution,
        intervals.flow_state,
        intervals.is_configured_state,
        intervals.entered_at,
        intervals.exited_at,
        intervals.duration_s,
        intervals.flagged_s,
        intervals.active_s,
        intervals.item_updated_at,
        items.mapping_fingerprint
    from intervals
    inner join items
        on intervals.work_item_key = items.work_item_key

)

select * from final
