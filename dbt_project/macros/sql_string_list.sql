{#- A list of strings as a parenthesised SQL list of lowercase literals, e.g.
    ('backlog', 'won''t do'), for `lower(column) in ...`. -#}
{% macro sql_string_list(values) -%}
    ({%- for value in values -%}
        '{{ value | lower | replace("'", "''") }}'{{ ", " if not loop.last }}
    {%- endfor -%})
{%- endmacro %}
