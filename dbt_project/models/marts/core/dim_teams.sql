with

teams as (

    select * from {{ ref('stg_config__teams') }}

),

value_streams as (

    select * from {{ ref('stg_config__value_streams') }}

),

final as (

    select
        teams.team_id,
        teams.team_name,
        teams.value_stream_id,
        value_streams.value_stream_name
    from teams
    inner join value_streams
        on teams.value_stream_id = value_streams.value_stream_id

)

select * from final
