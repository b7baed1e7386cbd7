with

source as (

    select * from {{ source_if_exists('raw_github', 'pull_request_commits') }}

),

renamed as (

    select

        ----------  ids
        repository,
        pull_request_number,
        sha,

        ---------- strings
        author_name,
        author_email,
        author_login,
        message_headline,

        ---------- numerics
        position as commit_position,

        ---------- timestamps
        {{ to_utc_timestamp('authored_at') }} as authored_at,
        {{ to_utc_timestamp('committed_at') }} as committed_at

    from source

)

select * from renamed
