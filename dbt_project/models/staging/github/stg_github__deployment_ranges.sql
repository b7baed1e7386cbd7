with

source as (

    select * from {{ source('raw_github', 'deployment_ranges') }}

),

renamed as (

    select

        ----------  ids
        deployment_id,
        repository,
        head_sha,
        base_deployment_id,
        base_sha,

        ---------- numerics
        commit_count,

        ---------- booleans
        range_known as is_range_known

    from source

)

select * from renamed
