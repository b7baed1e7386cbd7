{#- The rows of mart_flow_distribution (see the model): of every period, or, given
    `previous` (the rows already built), of the periods to replace, with their markers
    (macro period_mart_periods). -#}
{% macro flow_distribution(previous=none) -%}
{%- set flow_types = ['feature', 'defect', 'risk', 'debt', 'unclassified'] -%}

with

{{ period_mart_periods('int_flow_aggregated_to_periods', previous) }}

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

by_type as (

    {%- for flow_type in flow_types %}
        select
            grain,
            period_start,
            slice,
            value_stream_id,
            slice_value,
            '{{ flow_type }}' as flow_item_type,
            items_completed as all_completed,
            completed_{{ flow_type }} as items_completed,
            in_flight_at_period_end as all_in_flight,
            in_flight_{{ flow_type }} as items_in_flight,
            periods_written_at
        from periods
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select
        by_type.grain,
        by_type.period_start,
        by_type.slice,
        by_type.value_stream_id,
        value_streams.value_stream_name,
        by_type.slice_value,
        by_type.flow_item_type,
        by_type.items_completed,
        by_type.items_in_flight,
        case
            when by_type.grain = 'week'
                then cast(extract(isoyear from by_type.period_start) as integer)
        end as iso_year,
        case
            when by_type.grain = 'week'
                then cast(extract(week from by_type.period_start) as integer)
        end as iso_week,
        case
            when by_type.all_completed > 0
                then cast(by_type.items_completed as double precision) / by_type.all_completed
        end as share_completed,
        case
            when by_type.all_in_flight > 0
                then cast(by_type.items_in_flight as double precision) / by_type.all_in_flight
        end as share_in_flight,
        by_type.periods_written_at
    from by_type
    inner join value_streams
        on by_type.value_stream_id = value_streams.value_stream_id

)

select * from final
{%- if previous is not none %}
union all
{{ dora_replace_markers([
    'grain', 'period_start', 'slice', 'value_stream_id', 'value_stream_name',
    'slice_value', 'flow_item_type', 'items_completed', 'items_in_flight', 'iso_year',
    'iso_week', 'share_completed', 'share_in_flight', 'periods_written_at',
]) }}
{%- endif %}
{%- endmacro %}
