{#- Seconds (double precision) from timestamp `start_expression` to `end_expression`;
    NULL when either is NULL. Cross-database (extract(epoch ...)). -#}
{% macro seconds_between(start_expression, end_expression) -%}
    (cast(extract(epoch from {{ end_expression }}) as double precision)
    - cast(extract(epoch from {{ start_expression }}) as double precision))
{%- endmacro %}
