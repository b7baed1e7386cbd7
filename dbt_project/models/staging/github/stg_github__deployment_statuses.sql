with

source as (

    select * from {{ source('raw_github', 'deployment_statuses') }}

),

renamed as (

    select

        ----------  ids
        id as deployment_status_id,
        deployment_id,
        repository,

        ---------- strings
        lower(state) as state,
        environment,
        description,
        creator_login,
        log_url,

        ---------- timestamps
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at

    from source

)

select * from renamed
