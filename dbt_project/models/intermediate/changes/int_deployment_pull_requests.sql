{#- Incremental: each run rewrites the pull requests shipped by the production deployments
    that finished within the lookback (days) before the newest one already loaded, keyed
    by pull request (as fct_changes). A pull request ships with the first deployment whose
    range holds it, so one shipped before the lookback keeps its deployment and only the
    deployments of the lookback are read: a full refresh and an incremental run give the
    same rows (tests/audit/assert_int_deployment_pull_requests_equals_a_full_rebuild.sql). The
    query is the macro deployment_pull_requests. -#}
{{
    config(
        materialized='incremental',
        unique_key='pull_request_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

{%- set lookback_days = var('changes_lookback_days', 3) -%}

{% if is_incremental() %}

    with

    -- The start of the lookback: the newest pull request already loaded, less the lookback
    -- (NULL while the table is empty: everything is read).
    lookback as (

        select {{ dbt.dateadd('day', -lookback_days, 'max(deployed_at)') }} as starts_at
        from {{ this }}

    ),

    pull_requests_of_the_lookback as (

        {{ deployment_pull_requests(since='(select starts_at from lookback)') }}

    )

    -- A pull request shipped before the lookback stays with the deployment that shipped it.
    select * from pull_requests_of_the_lookback
    where not exists (
        select 1 from {{ this }} as loaded
        where
            loaded.pull_request_key = pull_requests_of_the_lookback.pull_request_key
            and loaded.deployed_at < (select starts_at from lookback)
    )

{% else %}

    {{ deployment_pull_requests() }}

{% endif %}
