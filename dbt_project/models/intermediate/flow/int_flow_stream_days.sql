{#- One row per value stream and local day from the day its first flow item was created
    through the last whole day before the as-of instant (in the stream's timezone), with
    the instant the day's flow counts are taken at: its last second, in UTC. -#}
with

items as (

    select * from {{ ref('fct_work_items') }}

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

bounds as (

    select
        value_streams.value_stream_id,
        value_streams.timezone,
        min(cast(
            {{ utc_to_local_timestamp('items.created_at', 'value_streams.timezone') }} as date
        )) as first_day,
        -- the last day that has ended by the as-of instant
        cast({{ dbt.dateadd('day', -1, dora_as_of_local_date('value_streams.timezone')) }} as date)
            as last_day
    from items
    inner join value_streams
        on items.value_stream_id = value_streams.value_stream_id
    where items.is_flow_item
    group by value_streams.value_stream_id, value_streams.timezone

),

day_numbers as (

    {{ dbt.generate_series(var('day_spine_max_days')) }}

),

numbered_days as (

    select
        bounds.value_stream_id,
        bounds.timezone,
        bounds.last_day,
        {{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'bounds.first_day') }}
            as day_start
    from bounds
    cross join day_numbers

),

days as (

    select
        value_stream_id,
        timezone,
        cast(day_start as date) as flow_date
    from numbered_days
    where cast(day_start as date) <= last_day

),

final as (

    select
        value_stream_id,
        flow_date,
        {{ dbt.dateadd(
            'second',
            -1,
            local_to_utc_timestamp(
                'cast(' ~ dbt.dateadd('day', 1, 'flow_date') ~ ' as timestamp)', 'timezone'
            )
        ) }} as counted_at
    from days

)

select * from final
