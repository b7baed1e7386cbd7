{#- One row per value stream (and '' for issues of no stream): a fingerprint of everything
    the status intervals and the daily counts take from outside an issue's own changelog
    (the stream's flow-type rules, status-state overrides and timezone, the Jira statuses'
    names and categories), so the incremental fct_work_item_status_intervals rebuilds a
    stream's items, and fct_flow_daily its days, when any of it changes. -#}
with

value_streams as (

    select
        value_stream_id,
        timezone
    from {{ ref('stg_config__value_streams') }}
    union all
    select
        '' as value_stream_id,
        cast(null as {{ dbt.type_string() }}) as timezone

),

type_rules as (

    select * from {{ ref('stg_config__flow_type_rules') }}

),

status_overrides as (

    select * from {{ ref('stg_config__flow_status_states') }}

),

statuses as (

    select * from {{ ref('stg_jira__statuses') }}

),

stream_settings as (

    select
        value_stream_id,
        'type:' || cast(rule_order as {{ dbt.type_string() }}) || ':' || flow_item_type
        || ':' || match_text as setting
    from type_rules
    union all
    select
        value_stream_id,
        'state:' || status_name || ':' || flow_state as setting
    from status_overrides
    union all
    -- the timezone dates the daily counts (fct_flow_daily)
    select
        value_stream_id,
        'timezone:' || timezone as setting
    from value_streams
    where timezone is not null

),

stream_fingerprints as (

    select
        value_stream_id,
        {{ dbt.hash(dbt.listagg('setting', "'|'", "order by setting")) }} as fingerprint
    from stream_settings
    group by value_stream_id

),

status_fingerprint as (

    select
        {{ dbt.hash(dbt.listagg(
            "cast(status_id as " ~ dbt.type_string() ~ ") || ':' || coalesce(status_name, '')"
            ~ " || ':' || coalesce(status_category_key, '')",
            "'|'",
            "order by status_id"
        )) }} as fingerprint
    from statuses

),

final as (

    select
        value_streams.value_stream_id,
        {{ dbt.hash(
            "coalesce(stream_fingerprints.fingerprint, '') || '/'"
            ~ " || coalesce(status_fingerprint.fingerprint, '')"
        ) }} as mapping_fingerprint
    from value_streams
    left join stream_fingerprints
        on value_streams.value_stream_id = stream_fingerprints.value_stream_id
    cross join status_fingerprint

)

select * from final
