with

source as (

    select * from {{ source_if_exists('raw_files', 'deployments') }}

),

renamed as (

    select

        ----------  ids
        deployment_id,
        sha,
        repository,
        value_stream as value_stream_id,
        team as team_id,

        ---------- strings
        service,
        environment,
        lower(status) as status,
        url,
        source_file,

        ---------- numerics
        source_line,

        ---------- timestamps
        {{ to_utc_timestamp('started_at') }} as started_at,
        {{ to_utc_timestamp('finished_at') }} as finished_at

    from source

)

select * from renamed
