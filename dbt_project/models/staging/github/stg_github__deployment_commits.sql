with

source as (

    select * from {{ source('raw_github', 'deployment_commits') }}

),

renamed as (

    select

        ----------  ids
        deployment_id,
        repository,
        sha

    from source

)

select * from renamed
