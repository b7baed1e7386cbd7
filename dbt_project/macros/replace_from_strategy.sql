{% macro get_incremental_replace_from_sql(arg_dict) %}
{#- Incremental strategy replace_from: the new rows hold, per partition (config
    replace_partition_by: a column, or a list of columns), a marker row (config
    replace_marker, a predicate) on the first value of config replace_from_column they
    recompute. The target's rows of the partition from that value on are deleted, then the
    new rows but the markers inserted: rows that a recount no longer yields go too, and a
    partition with a marker alone is emptied from there. -#}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set partition_by = config.require('replace_partition_by') -%}
    {%- set partition_columns = [partition_by] if partition_by is string else partition_by -%}
    {%- set from_column = config.require('replace_from_column') -%}
    {%- set marker = config.require('replace_marker') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
delete from {{ target }}
using (
    select
        {%- for column in partition_columns %}
        {{ column }} as replaced_partition_{{ loop.index }},
        {%- endfor %}
        min({{ from_column }}) as replaced_from
    from {{ source }}
    where {{ marker }}
    group by {{ partition_columns | join(', ') }}
) as replaced
where
    {%- for column in partition_columns %}
    {{ target }}.{{ column }} = replaced.replaced_partition_{{ loop.index }}
    and
    {%- endfor %}
    {{ target }}.{{ from_column }} >= replaced.replaced_from;

insert into {{ target }} ({{ columns }})
select {{ columns }}
from {{ source }}
where not ({{ marker }})
{% endmacro %}


{#- Marker rows for the replace_from strategy, one per row of `relation` (that `where`
    keeps): `columns` in the model's order, each NULL but those `kept` maps to an
    expression (the partition's columns and the first value replaced). Union them after
    the model's rows, which give the columns their types. -#}
{% macro replace_from_markers(relation, columns, kept, where=none) -%}
    select
        {%- for column in columns %}
        {{ kept[column] if column in kept else 'null' }} as {{ column }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- if where is not none %}
    where {{ where }}
    {%- endif %}
{%- endmacro %}
