with

source as (

    select * from {{ source_if_exists('raw_files', 'work_items') }}

),

renamed as (

    select

        ----------  ids
        work_item_id,
        parent_id,
        team as team_id,
        value_stream as value_stream_id,

        ---------- strings
        title,
        type as work_item_type,
        status,
        status_category,
        -- ';'-separated
        labels,
        source_file,

        ---------- numerics
        source_line,

        ---------- booleans
        coalesce(canceled, false) as is_canceled,

        ---------- timestamps
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('started_at') }} as started_at,
        {{ to_utc_timestamp('completed_at') }} as completed_at

    from source

)

select * from renamed
