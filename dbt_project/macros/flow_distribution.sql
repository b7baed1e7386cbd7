{#- The columns of mart_flow_distribution after its period and slice: (expression over
    `periods` and `flow_types`, its flow item type, column) pairs. Each type's items
    completed in the period and in flight at the end of its last measured day, with their
    share of all of them (NULL over none). -#}
{% macro flow_distribution_columns() -%}
    {%- set by_type = {} -%}
    {%- for measure in ['completed', 'in_flight'] -%}
        {%- set cases = [] -%}
        {%- for flow_type in flow_distribution_types() -%}
            {%- do cases.append(
                "when '" ~ flow_type ~ "' then periods." ~ measure ~ '_' ~ flow_type
            ) -%}
        {%- endfor -%}
        {%- do by_type.update({
            measure: 'case flow_types.flow_item_type ' ~ cases | join(' ') ~ ' end'
        }) -%}
    {%- endfor -%}
    {%- do return(
        [
            ('flow_types.flow_item_type', 'flow_item_type'),
            (by_type['completed'], 'items_completed'),
            (by_type['in_flight'], 'items_in_flight'),
        ]
        + period_mart_iso_week_columns()
        + [
            (
                'case when periods.items_completed > 0 then cast('
                ~ by_type['completed'] ~ ' as double precision) / periods.items_completed end',
                'share_completed',
            ),
            (
                'case when periods.in_flight_at_period_end > 0 then cast('
                ~ by_type['in_flight'] ~ ' as double precision)'
                ~ ' / periods.in_flight_at_period_end end',
                'share_in_flight',
            ),
        ]
    ) -%}
{%- endmacro %}


{#- The flow item types of the distribution, in order. -#}
{% macro flow_distribution_types() -%}
    {%- do return(['feature', 'defect', 'risk', 'debt', 'unclassified']) -%}
{%- endmacro %}


{#- The rows of mart_flow_distribution (see the model): each row of
    int_flow_aggregated_to_periods once per flow item type (macro period_mart); of every
    period, or, given `previous` (the rows already built), of the periods to replace with
    their markers. -#}
{% macro flow_distribution(previous=none) -%}
    {%- set types = [] -%}
    {%- for flow_type in flow_distribution_types() -%}
        {%- do types.append("('" ~ flow_type ~ "')") -%}
    {%- endfor -%}
    {{ period_mart(
        'int_flow_aggregated_to_periods',
        flow_distribution_columns(),
        previous,
        joined='(values ' ~ types | join(', ') ~ ') as flow_types (flow_item_type)',
    ) }}
{%- endmacro %}
