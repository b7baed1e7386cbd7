{#- Every match of the regular expression `pattern` (which must have no capture group) in
    `value`, one output row per match: a set-returning expression for a select list, so
    the row it is selected in is repeated once per match and left out when there is none. -#}
{% macro regex_extract_all(value, pattern) -%}
    {{ return(adapter.dispatch('regex_extract_all', 'valuestream')(value, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_extract_all(value, pattern) -%}
    unnest(regexp_extract_all({{ value }}, {{ pattern }}))
{%- endmacro %}

{% macro postgres__regex_extract_all(value, pattern) -%}
    (regexp_matches({{ value }}, {{ pattern }}, 'g'))[1]
{%- endmacro %}
