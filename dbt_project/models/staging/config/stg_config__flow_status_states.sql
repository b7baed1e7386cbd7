with

source as (

    select * from {{ source_if_exists('raw_config', 'flow_status_states') }}

),

renamed as (

    select

        ----------  ids
        value_stream_id,

        ---------- strings
        flow_state,
        -- lowercase
        lower(status_name) as status_name

    from source

)

select * from renamed
