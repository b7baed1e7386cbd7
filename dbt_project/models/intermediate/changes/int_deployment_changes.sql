{#- Incremental: each run rewrites the changes of the production deployments that finished
    within the lookback (days) before the newest change already loaded, keyed by change
    (as fct_changes). A commit is a change of the first deployment that shipped it, so a
    change shipped before the lookback keeps its deployment and only the deployments of
    the lookback are read: a full refresh and an incremental run give the same rows
    (tests/audit/assert_int_deployment_changes_equals_a_full_rebuild.sql). The query is the
    macro deployment_changes. -#}
{{
    config(
        materialized='incremental',
        unique_key='change_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

{%- set lookback_days = var('changes_lookback_days', 3) -%}

{% if is_incremental() %}

    with

    -- The start of the lookback: the newest change already loaded, less the lookback (NULL
    -- while the table is empty: everything is read).
    lookback as (

        select {{ dbt.dateadd('day', -lookback_days, 'max(deployed_at)') }} as starts_at
        from {{ this }}

    ),

    changes_of_the_lookback as (

        {{ deployment_changes(since='(select starts_at from lookback)') }}

    )

    -- A change shipped before the lookback stays with the deployment that shipped it.
    select * from changes_of_the_lookback
    where not exists (
        select 1 from {{ this }} as loaded
        where
            loaded.change_key = changes_of_the_lookback.change_key
            and loaded.deployed_at < (select starts_at from lookback)
    )

{% else %}

    {{ deployment_changes() }}

{% endif %}
