with

source as (

    select * from {{ source_if_exists('raw_files', 'environment_bookings') }}

),

renamed as (

    select

        ----------  ids
        booking_id,
        team as team_id,

        ---------- strings
        environment,
        release as release_name,
        requested_by,
        lower(status) as status,
        source_file,

        ---------- numerics
        source_line,

        ---------- timestamps
        {{ to_utc_timestamp('start_at') }} as start_at,
        {{ to_utc_timestamp('end_at') }} as end_at

    from source

)

select * from renamed
