with

source as (

    select * from {{ source_if_exists('raw_config', 'flow_stages') }}

),

renamed as (

    select

        ----------  ids
        value_stream_id,

        ---------- numerics
        cast(stage_position as integer) as stage_position,

        ---------- strings
        -- lowercase
        lower(status_name) as status_name

    from source

)

select * from renamed
