with

source as (

    select * from {{ source('raw_config', 'repositories') }}

),

renamed as (

    select

        ----------  ids
        repository,
        value_stream_id,
        team_id,

        ---------- strings
        owner as repository_owner,
        name as repository_name,
        coalesce(service, name) as service

    from source

)

select * from renamed
