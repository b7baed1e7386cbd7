with

source as (

    select * from {{ source('raw_github', 'deployment_commits') }}

),

renamed as (

    select

        ----------  ids
        {{ deployment_key(github_deployment_source('deployment_source'), 'deployment_id') }}
            as deployment_key,
        {{ github_deployment_source('deployment_source') }} as source,
        coalesce(deployment_source, 'deployment') as deployment_source,
        deployment_id,
        repository,
        sha

    from source

)

select * from renamed
