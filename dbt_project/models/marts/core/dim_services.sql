with

repositories as (

    select * from {{ ref('stg_config__repositories') }}

),

final as (

    select
        service,
        repository,
        repository_owner,
        repository_name,
        team_id,
        value_stream_id
    from repositories

)

select * from final
