{#- The product of the non-NULL values of `expression` (non-negative numbers), as an
    aggregate; NULL over no such value. -#}
{% macro product(expression) -%}
    {{ return(adapter.dispatch('product', 'valuestream')(expression)) }}
{%- endmacro %}

{#- The aggregates are computed whatever branch the case takes (PostgreSQL raises on ln(0)),
    so the logarithms are taken of the positive values only. -#}
{% macro default__product(expression) -%}
    case
        when count({{ expression }}) = 0 then null
        when min({{ expression }}) <= 0 then 0.0
        else exp(sum(ln(case when {{ expression }} > 0 then {{ expression }} end)))
    end
{%- endmacro %}

{% macro duckdb__product(expression) -%}
    product({{ expression }})
{%- endmacro %}
