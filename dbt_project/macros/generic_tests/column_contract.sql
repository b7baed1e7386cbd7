{#- A model's column contract in one test: no NULL in any of `not_null`; no value held by
    two rows in any of `unique` (NULLs aside); no two rows sharing the values of any
    combination in `unique_combinations` (NULLs included, as a group); no value outside
    `accepted_values[column]` (NULLs pass; numbers are compared as numbers, anything else
    as text); no value below zero in any of `non_negative`, none outside [0, 1] in any of
    `between_zero_and_one` (NULLs pass); no value of a relationship's `column` missing from
    its parent (`to`, a ref) as `field` (NULLs pass).

    The checks are those of dbt's not_null, unique, accepted_values and relationships and
    of a test per range or compound key, but a test costs a dbt node, which on an hourly
    refresh weighs more than its query: one node per model instead of one per column and
    check. Fails with one row per broken check: what it checks, the column (or the
    combination, comma-separated) and how many rows break it (for `unique` and
    `unique_combinations`, how many values or combinations are held by more than one
    row). -#}
{% test column_contract(
    model,
    not_null=[],
    unique=[],
    unique_combinations=[],
    accepted_values={},
    non_negative=[],
    between_zero_and_one=[],
    relationships=[]
) %}
{%- set scanned = [] -%}
{%- for column in not_null -%}
    {%- do scanned.append(('not_null', column, 'count(*) - count(' ~ column ~ ')')) -%}
{%- endfor -%}
{%- for column in unique -%}
    {%- do scanned.append(
        ('unique', column, 'count(' ~ column ~ ') - count(distinct ' ~ column ~ ')')
    ) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set listed = [] -%}
    {%- for value in values -%}
        {%- do listed.append(
            value if value is number else "'" ~ (value | replace("'", "''")) ~ "'"
        ) -%}
    {%- endfor -%}
    {%- do scanned.append((
        'accepted_values',
        column,
        'sum(case when ' ~ column ~ ' not in (' ~ listed | join(', ') ~ ') then 1 else 0 end)'
    )) -%}
{%- endfor -%}
{%- for column in non_negative -%}
    {%- do scanned.append(
        ('non_negative', column, 'sum(case when ' ~ column ~ ' < 0 then 1 else 0 end)')
    ) -%}
{%- endfor -%}
{%- for column in between_zero_and_one -%}
    {%- do scanned.append((
        'between_zero_and_one',
        column,
        'sum(case when ' ~ column ~ ' < 0 or ' ~ column ~ ' > 1 then 1 else 0 end)'
    )) -%}
{%- endfor -%}
{%- if not (scanned or unique_combinations or relationships) -%}
    {{ exceptions.raise_compiler_error(
        'column_contract of ' ~ model ~ ' names no check: give it at least one column'
    ) }}
{%- endif -%}
{%- set checks = [] -%}
with

{% if scanned -%}
scanned as (

    select
        {%- for check, column, counted in scanned %}
        {{ counted }} as {{ adapter.quote('broken_' ~ loop.index) }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}

),

{% for check, column, counted in scanned -%}
    {%- do checks.append((check, column, 'scanned', 'broken_' ~ loop.index)) -%}
{%- endfor -%}
{%- endif -%}

{%- for combination in unique_combinations %}
{%- set name = 'combination_' ~ loop.index %}
{{ name }} as (

    select count(*) as {{ adapter.quote('broken') }}
    from (
        select 1 as held
        from {{ model }}
        group by {{ combination | join(', ') }}
        having count(*) > 1
    ) as shared

),

{% do checks.append(('unique_combination', combination | join(', '), name, 'broken')) -%}
{%- endfor %}

{%- for relationship in relationships %}
{%- set name = 'relationship_' ~ loop.index %}
{{ name }} as (

    select count(*) as {{ adapter.quote('broken') }}
    from {{ model }} as child
    where
        child.{{ relationship.column }} is not null
        and not exists (
            select 1
            from {{ relationship.to }} as parent
            where parent.{{ relationship.field }} = child.{{ relationship.column }}
        )

),

{% do checks.append(('relationships', relationship.column, name, 'broken')) -%}
{%- endfor %}

checked as (

    {% for check, column, relation, counted in checks -%}
    select
        '{{ check }}' as check_name,
        '{{ column }}' as column_name,
        {{ adapter.quote(counted) }} as broken_rows
    from {{ relation }}
    {{ 'union all' if not loop.last }}
    {% endfor -%}

)

select * from checked
where broken_rows > 0
{% endtest %}
