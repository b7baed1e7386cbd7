{#- `column` when `relation` has it, else a typed NULL: an incremental model reading its own
    bookkeeping column from a table built before the column existed (on_schema_change
    append_new_columns adds it after the query ran). A relation that does not exist (a first
    build) or is not a relation (a unit test's fixture, which `this` names as text) is taken
    to have it. -#}
{% macro column_or_null(relation, column, data_type) -%}
    {%- set existing = [] -%}
    {%- if execute and relation is not string -%}
        {%- for existing_column in adapter.get_columns_in_relation(relation) -%}
            {%- do existing.append(existing_column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if existing and column | lower not in existing -%}
        cast(null as {{ data_type }})
    {%- else -%}
        {{ column }}
    {%- endif -%}
{%- endmacro %}
