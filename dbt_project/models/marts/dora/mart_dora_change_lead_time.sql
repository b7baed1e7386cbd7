{#- Incremental by period: a run recomputes, for every grain, the period holding the start
    of the changes' lookback and every later one, and replaces those rows. The start of the
    lookback is the last day with a change or pull request shipped in the rows already
    built, less var('changes_lookback_days') and two days for the timezones: fct_changes
    and int_deployment_pull_requests rewrite nothing older (they count their lookback from
    their own newest row, which is no older than this mart's). An empty table is built
    whole. A full refresh and an incremental run give the same rows
    (tests/audit/assert_mart_dora_change_lead_time_equals_a_full_rebuild.sql); a change of
    the value streams' timezones or names needs a full refresh. The query is the macro
    change_lead_time_periods. -#}
{{
    config(
        materialized='incremental',
        unique_key=['grain', 'period_start', 'slice', 'value_stream_id', 'slice_value'],
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

{%- set lookback_days = var('changes_lookback_days', 3) + 2 -%}

{% if is_incremental() %}

    {%- set since_date -%}
        (
            select cast({{ dbt.dateadd('day', -lookback_days, 'max(period_start)') }} as date)
            from {{ this }}
            where changes + excluded + pull_requests_shipped > 0
        )
    {%- endset %}

    {{ change_lead_time_periods(since_date=since_date) }}

{% else %}

    {{ change_lead_time_periods() }}

{% endif %}
