{#- Incremental: each run rewrites the intervals of the items whose Jira issue changed since
    it was loaded (a newer updated time: every changelog entry updates it), of new items,
    and of every item of a value stream whose mapping changed (flow-type rules, status
    overrides, status names or categories: see int_flow_mapping_fingerprints). Keyed by
    item, so an item's visits are replaced together.

    Each rewritten item says what changed, for the incremental models that count items per
    day or period (fct_flow_daily): rewritten_at (the run), replaced_rewritten_at and
    replaced_value_stream_id (the version it replaced: NULL for a new item or a full build)
    and changed_from, the first instant at which its history may differ from the replaced
    version's. That is its creation for a new item or one whose stream, team, type, mapping,
    cancellation or flow-item kind changed (those apply to its whole history), else the
    first changelog entry after the replaced version's updated time (Jira's changelog only
    grows, and every entry moves the issue's updated time on), else the run itself (nothing in the history changed). A full build leaves
    changed_from NULL: anything may have changed. -#}

{{
    config(
        materialized='incremental',
        unique_key='work_item_key',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

with

fingerprints as (

    select * from {{ ref('int_flow_mapping_fingerprints') }}

),

items as (

    select
        items.work_item_key,
        items.issue_id,
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
        max(flow_item_type) as flow_item_type,
        {{ dbt.bool_or('is_canceled') }} as is_canceled,
        {{ dbt.bool_or('is_flow_item') }} as is_flow_item,
        min(entered_at) as first_entered_at,
        max({{ column_or_null(this, 'rewritten_at', dbt.type_timestamp()) }}) as rewritten_at
    from {{ this }}
    group by work_item_key

),

compared as (

    select
        items.work_item_key,
        items.issue_id,
        loaded.work_item_key is null as is_new,
        items.updated_at is distinct from loaded.item_updated_at as is_updated,
        -- a change applying to the item's whole history
        (
            items.mapping_fingerprint is distinct from loaded.mapping_fingerprint
            or items.value_stream_id is distinct from loaded.value_stream_id
            or items.team_id is distinct from loaded.team_id
            or items.flow_item_type is distinct from loaded.flow_item_type
        ) as is_reclassified,
        -- rows written before the rewrite marks existed
        loaded.rewritten_at is null as is_unmarked
    from items
    left join loaded
        on items.work_item_key = loaded.work_item_key

),

changed_items as (

    select
        work_item_key,
        issue_id,
        is_new,
        is_reclassified
    from compared
    where is_new or is_updated or is_reclassified or is_unmarked

),

{% endif %}

-- the changed items rebuilt from their whole changelog (the macro of
-- int_work_item_status_intervals), reading only their changelog
intervals as (

    select * from (
        {% if is_incremental() %}
            {{ work_item_status_intervals(
                issue_ids='select changed_items.issue_id from changed_items',
                other_first_visits='select project_key, status_id from ' ~ this
                ~ ' where visit_number = 1 and work_item_key not in'
                ~ ' (select changed_items.work_item_key from changed_items)',
            ) }}
        {% else %}
            {{ work_item_status_intervals() }}
        {% endif %}
    ) as rebuilt

),

rewritten_items as (

    select
        intervals.work_item_key,
        min(intervals.entered_at) as first_entered_at,
        {{ dbt.bool_or('intervals.is_canceled') }} as is_canceled,
        {{ dbt.bool_or('intervals.is_flow_item') }} as is_flow_item
    from intervals
    group by intervals.work_item_key

),

{% if is_incremental() %}

-- the first changelog entry of each rewritten item after the version it replaces
history_changes as (

    select
        changed_items.work_item_key,
        min(changelog.created_at) as changed_at
    from changed_items
    inner join loaded
        on changed_items.work_item_key = loaded.work_item_key
    inner join {{ ref('stg_jira__changelog_items') }} as changelog
        on
            changed_items.issue_id = changelog.issue_id
            and changelog.created_at > loaded.item_updated_at
    group by changed_items.work_item_key

),

{% endif %}

lineage as (

    select
        rewritten_items.work_item_key,
        {%- if is_incremental() %}
            loaded.rewritten_at as replaced_rewritten_at,
            loaded.value_stream_id as replaced_value_stream_id,
            case
                when changed_items.is_new then rewritten_items.first_entered_at
                when
                    changed_items.is_reclassified
                    or loaded.item_updated_at is null
                    or rewritten_items.is_canceled is distinct from loaded.is_canceled
                    or rewritten_items.is_flow_item is distinct from loaded.is_flow_item
                    then
                        case
                            when loaded.first_entered_at < rewritten_items.first_entered_at
                                then loaded.first_entered_at
                            else rewritten_items.first_entered_at
                        end
                else coalesce(history_changes.changed_at, {{ run_started_timestamp() }})
            end as changed_from
        {%- else %}
            cast(null as {{ dbt.type_timestamp() }}) as replaced_rewritten_at,
            cast(null as {{ dbt.type_string() }}) as replaced_value_stream_id,
            cast(null as {{ dbt.type_timestamp() }}) as changed_from
        {%- endif %}
    from rewritten_items
    {%- if is_incremental() %}
        inner join changed_items
            on rewritten_items.work_item_key = changed_items.work_item_key
        left join loaded
            on rewritten_items.work_item_key = loaded.work_item_key
        left join history_changes
            on rewritten_items.work_item_key = history_changes.work_item_key
    {%- endif %}

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
        items.mapping_fingerprint,
        {{ run_started_timestamp() }} as rewritten_at,
        lineage.replaced_rewritten_at,
        lineage.replaced_value_stream_id,
        lineage.changed_from
    from intervals
    inner join items
        on intervals.work_item_key = items.work_item_key
    inner join lineage
        on intervals.work_item_key = lineage.work_item_key

)

select * from final
