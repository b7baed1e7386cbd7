with

source as (

    select * from {{ source_if_exists('raw_jira', 'versions') }}

),

renamed as (

    select

        ----------  ids
        id as version_id,
        project_id,
        project_key,

        ---------- strings
        name as version_name,
        description,

        ---------- booleans
        released as is_released,
        archived as is_archived,
        overdue as is_overdue,

        ---------- dates
        start_date,
        release_date

    from source

)

select * from renamed
