with

source as (

    select * from {{ source('raw_config', 'value_streams') }}

),

renamed as (

    select

        ----------  ids
        value_stream_id,

        ---------- strings
        name as value_stream_name,
        timezone,
        production_pattern,

        ---------- numerics
        attribution_window_hours

    from source

)

select * from renamed
