{#- The Jira statuses no flow state maps (neither valuestream.yml's flow.status_states nor
    the defaults from the status category know them), one row per value stream and status:
    their visits are kept with a NULL flow state, neither active nor waiting, so they are
    listed here rather than dropped silently. -#}
with

intervals as (

    select * from {{ ref('fct_work_item_status_intervals') }}

),

final as (

    select
        value_stream_id,
        status_id,
        status_name,
        status_category_key,
        count(*) as visits,
        count(distinct work_item_key) as work_items,
        sum(case when is_last_visit then 1 else 0 end) as work_items_there_now,
        min(entered_at) as first_entered_at,
        max(entered_at) as last_entered_at
    from intervals
    where flow_state is null
    group by value_stream_id, status_id, status_name, status_category_key

)

select * from final
