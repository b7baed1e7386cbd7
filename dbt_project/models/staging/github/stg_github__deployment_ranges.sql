with

source as (

    select * from {{ source('raw_github', 'deployment_ranges') }}

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
        head_sha,
        case
            when base_deployment_id is not null
                then {{ deployment_key(
                    github_deployment_source('base_deployment_source'), 'base_deployment_id'
                ) }}
        end as base_deployment_key,
        case
            when base_deployment_id is not null
                then coalesce(base_deployment_source, 'deployment')
        end as base_deployment_source,
        base_deployment_id,
        base_sha,

        ---------- numerics
        commit_count,

        ---------- booleans
        range_known as is_range_known

    from source

)

select * from renamed
