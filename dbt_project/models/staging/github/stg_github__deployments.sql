with

source as (

    select * from {{ source('raw_github', 'deployments') }}

),

renamed as (

    select

        ----------  ids
        id as deployment_id,
        repository,
        sha,
        ref,

        ---------- strings
        task,
        environment,
        original_environment,
        description,
        creator_login,

        ---------- booleans
        production_environment as is_production_environment_flag,
        transient_environment as is_transient_environment_flag,

        ---------- timestamps
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at

    from source

)

select * from renamed
