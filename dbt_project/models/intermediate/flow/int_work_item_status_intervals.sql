{#- The status visits of every Jira issue rebuilt from its whole changelog: the macro
    work_item_status_intervals (the rules are there). A view: the incremental
    fct_work_item_status_intervals rebuilds only the issues that changed with the same
    macro, and its audit test compares it with all of this. -#}
{{ config(materialized='view') }}

{{ work_item_status_intervals() }}
