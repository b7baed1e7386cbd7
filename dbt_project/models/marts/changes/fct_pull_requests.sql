{#- Incremental, keyed by pull request: a run rewrites the pull requests that may have
    changed since the rows already built, and no others:
    - updated at or after the start of the lookback (GitHub moves updated_at with every
      review, push, readiness, merge and close), or reviewed since then;
    - shipped by a deployment that int_deployment_pull_requests may have rewritten: one
      finished within the same lookback before the newest shipped here;
    - whose service, value stream or team is no longer the one built (the config moved).
    The start of the lookback is the newest opening, first review or merge already built
    (no later than the last load) less var('changes_lookback_days'). A full refresh and an
    incremental run give the same rows
    (tests/audit/assert_fct_pull_requests_equals_a_full_rebuild.sql). -#}
{{
    config(
        materialized='incremental',
        unique_key='pull_request_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

{% if is_incremental() %}

    {{ pull_request_facts(previous=this) }}

{% else %}

    {{ pull_request_facts() }}

{% endif %}
