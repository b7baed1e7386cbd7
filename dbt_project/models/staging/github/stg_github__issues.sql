with

source as (

    select * from {{ source_if_exists('raw_github', 'issues') }}

),

renamed as (

    select

        ----------  ids
        repository,
        number as issue_number,
        id as issue_id,

        ---------- strings
        title,
        body,
        state,
        labels,
        url,

        ---------- booleans
        coalesce(is_incident, false) as is_incident,

        ---------- timestamps
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('closed_at') }} as closed_at

    from source

)

select * from renamed
