with

source as (

    select * from {{ source_if_exists('raw_config', 'jira_projects') }}

),

renamed as (

    select

        ----------  ids
        project_key,
        team_id,
        value_stream_id

    from source

)

select * from renamed
