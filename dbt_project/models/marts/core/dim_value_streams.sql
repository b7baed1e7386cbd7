with

value_streams as (

    select * from {{ ref('stg_config__value_streams') }}

),

final as (

    select
        value_stream_id,
        value_stream_name,
        coalesce(timezone, 'UTC') as timezone
    from value_streams

)

select * from final
