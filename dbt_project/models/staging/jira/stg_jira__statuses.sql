with

source as (

    select * from {{ source_if_exists('raw_jira', 'statuses') }}

),

renamed as (

    select

        ----------  ids
        id as status_id,
        status_category_id,
        scope_project_id,

        ---------- strings
        name as status_name,
        description,
        status_category_key,
        status_category_name,
        scope_type

    from source

)

select * from renamed
