{% macro full_rebuild_differences(model, rebuilt, columns) %}
{#- The rows in which an incremental model and a full rebuild of it differ, on `columns`:
    each row once, labelled `only in <model>` or `missing from <model>`. -#}
    {%- set column_list = columns | join(',\n        ') %}
with

kept as (

    select
        {{ column_list }}
    from {{ model }}

),

rebuilt as (

    select
        {{ column_list }}
    from ({{ rebuilt }}) as full_rebuild

),

only_in_kept as (

    select * from kept
    except
    select * from rebuilt

),

only_in_rebuild as (

    select * from rebuilt
    except
    select * from kept

)

select
    'only in {{ model.identifier }}' as difference,
    *
from only_in_kept
union all
select
    'missing from {{ model.identifier }}' as difference,
    *
from only_in_rebuild
{% endmacro %}
