with

source as (

    select * from {{ source_if_exists('raw_config', 'flow_type_rules') }}

),

renamed as (

    select

        ----------  ids
        value_stream_id,

        ---------- strings
        flow_item_type,
        -- lowercase, '-' and '_' written as spaces
        match_text,

        ---------- numerics
        cast(rule_order as integer) as rule_order

    from source

)

select * from renamed
