{#- No NULL in any of `columns`: one scan of the model for all of them (a not_null test per
    column costs a dbt node each, which on a refresh weighs more than the scan). Fails with
    one row per column holding NULLs, naming it and counting them. -#}
{% test not_null_columns(model, columns) %}
with

null_counts as (

    select
        {%- for column in columns %}
        count(*) - count({{ column }}) as {{ adapter.quote('nulls_' ~ loop.index) }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}

)

{% for column in columns %}
select
    '{{ column }}' as column_name,
    {{ adapter.quote('nulls_' ~ loop.index) }} as null_rows
from null_counts
where {{ adapter.quote('nulls_' ~ loop.index) }} > 0
{{ 'union all' if not loop.last }}
{% endfor %}
{% endtest %}
