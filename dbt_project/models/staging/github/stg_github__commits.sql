with

source as (

    select * from {{ source('raw_github', 'commits') }}

),

renamed as (

    select

        ----------  ids
        repository,
        sha,

        ---------- strings
        message,
        author_name,
        author_email,
        author_login,
        committer_login,
        parent_shas,

        ---------- numerics
        parent_count,

        ---------- booleans
        coalesce(parent_count, 0) > 1 as is_merge_commit,

        ---------- timestamps
        {{ to_utc_timestamp('authored_at') }} as authored_at,
        {{ to_utc_timestamp('committed_at') }} as committed_at

    from source

)

select * from renamed
