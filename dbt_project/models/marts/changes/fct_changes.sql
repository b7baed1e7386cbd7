{#- Incremental: each run rewrites the changes of deployments that finished within the
    lookback (days) before the newest change already loaded, keyed by change; a change
    re-attributed to an earlier deployment that arrived late is rewritten in place. The
    first-deployment rule itself is settled upstream over the whole history, so a full
    refresh and an incremental run give the same rows. -#}
{{
    config(
        materialized='incremental',
        unique_key='change_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

{%- set lookback_days = var('changes_lookback_days', 3) -%}

with

deployment_changes as (

    select * from {{ ref('int_deployment_changes') }}
    {% if is_incremental() %}
        -- An empty table (no production deployment loaded yet) reads everything.
        where
            not exists (select 1 from {{ this }})
            or deployed_at >= (
                select {{ dbt.dateadd('day', -lookback_days, 'max(deployed_at)') }}
                from {{ this }}
            )
    {% endif %}

),

-- A negative lead time (clock skew, rewritten history) and an unknown authored time are
-- excluded from the metric, never clamped: the rows stay, flagged, for the data-quality
-- report.
flagged as (

    select
        *,
        case
            when authored_at is null then 'unknown authored time'
            when lead_time_seconds < 0 then 'negative lead time'
        end as exclusion_reason
    from deployment_changes

),

final as (

    select
        change_key,
        sha,
        repository,
        service,
        value_stream_id,
        team_id,
        deployment_key,
        deployment_id,
        pull_request_number,
        authored_at,
        deployed_at,
        lead_time_seconds,
        exclusion_reason,
        'github' as source,
        exclusion_reason is not null as is_excluded
    from flagged

)

select * from final
