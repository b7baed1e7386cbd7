{#- True when `value` matches the regular expression `pattern` (a literal or a column),
    ignoring case; NULL when either side is NULL. -#}
{% macro regex_matches_ci(value, pattern) -%}
    {{ return(adapter.dispatch('regex_matches_ci', 'valuestream')(value, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_matches_ci(value, pattern) -%}
    regexp_matches({{ value }}, {{ pattern }}, 'i')
{%- endmacro %}

{% macro postgres__regex_matches_ci(value, pattern) -%}
    ({{ value }} ~* {{ pattern }})
{%- endmacro %}
