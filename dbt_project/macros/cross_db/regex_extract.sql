{#- The first match of the regular expression `pattern`'s first group in `value`, NULL when
    there is none. -#}
{% macro regex_extract(value, pattern) -%}
    {{ return(adapter.dispatch('regex_extract', 'valuestream')(value, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_extract(value, pattern) -%}
    nullif(regexp_extract({{ value }}, {{ pattern }}, 1), '')
{%- endmacro %}

{% macro postgres__regex_extract(value, pattern) -%}
    substring({{ value }} from {{ pattern }})
{%- endmacro %}
