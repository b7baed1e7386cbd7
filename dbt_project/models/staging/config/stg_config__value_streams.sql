with

source as (

    select * from {{ source('raw_config', 'value_streams') }}

),

renamed as (

    select

        ----------  ids
        value_stream_id,

        ---------- strings
        name as value_stream_name,
        timezone,
        production_pattern,
        -- JSON arrays of strings as the config source writes them, e.g. ["hotfix"]
        hotfix_labels,
        hotfix_branch_prefixes,

        ---------- numerics
        attribution_window_hours

    from source

)

select * from renamed
