with

source as (

    select * from {{ source('raw_config', 'teams') }}

),

renamed as (

    select

        ----------  ids
        team_id,
        value_stream_id,

        ---------- strings
        name as team_name

    from source

)

select * from renamed
