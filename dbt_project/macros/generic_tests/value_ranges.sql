{#- Durations, counts, rates and shares in range: no non-NULL value below zero in any of
    `non_negative`, none outside [0, 1] in any of `between_zero_and_one`. One scan of the
    model for all of them (a test per column costs a dbt node each, which on a refresh
    weighs more than the scan). Fails with one row per column out of range, naming it, the
    range and how many rows break it. -#}
{% test value_ranges(model, non_negative=[], between_zero_and_one=[]) %}
{%- set checks = [] -%}
{%- for column in non_negative -%}
    {%- do checks.append((column, 'non_negative', column ~ ' < 0')) -%}
{%- endfor -%}
{%- for column in between_zero_and_one -%}
    {%- do checks.append((column, 'between_zero_and_one', column ~ ' < 0 or ' ~ column ~ ' > 1')) -%}
{%- endfor %}
with

out_of_range as (

    select
        {%- for column, range_name, condition in checks %}
        sum(case when {{ condition }} then 1 else 0 end) as {{ adapter.quote('rows_' ~ loop.index) }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}

)

{% for column, range_name, condition in checks %}
select
    '{{ column }}' as column_name,
    '{{ range_name }}' as expected_range,
    {{ adapter.quote('rows_' ~ loop.index) }} as out_of_range_rows
from out_of_range
where {{ adapter.quote('rows_' ~ loop.index) }} > 0
{{ 'union all' if not loop.last }}
{% endfor %}
{% endtest %}
