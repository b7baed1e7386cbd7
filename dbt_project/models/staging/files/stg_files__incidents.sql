with

source as (

    select * from {{ source_if_exists('raw_files', 'incidents') }}

),

renamed as (

    select

        ----------  ids
        incident_id,
        caused_by_deployment_id,

        ---------- strings
        service,
        title,
        severity,
        priority,
        url,
        source_file,

        ---------- numerics
        source_line,

        ---------- timestamps
        {{ to_utc_timestamp('started_at') }} as started_at,
        {{ to_utc_timestamp('acknowledged_at') }} as acknowledged_at,
        {{ to_utc_timestamp('resolved_at') }} as resolved_at

    from source

)

select * from renamed
