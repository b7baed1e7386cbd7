with

source as (

    select * from {{ source_if_exists('raw_pagerduty', 'log_entries') }}

),

renamed as (

    select

        ----------  ids
        id as log_entry_id,
        incident_id,
        service_id,
        agent_id,

        ---------- strings
        type as log_entry_type,
        summary,
        agent_type,
        agent_name,
        channel_type,
        channel_summary,
        channel_details,
        note,
        event_description,
        html_url,

        ---------- timestamps
        {{ to_utc_timestamp('created_at') }} as created_at

    from source

)

select * from renamed
