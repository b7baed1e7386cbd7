with

source as (

    select * from {{ source_if_exists('raw_github', 'pull_request_reviews') }}

),

renamed as (

    select

        ----------  ids
        id as review_id,
        repository,
        pull_request_number,

        ---------- strings
        lower(state) as state,
        author_login,

        ---------- booleans
        coalesce(author_is_bot, false) as is_author_bot,

        ---------- timestamps
        {{ to_utc_timestamp('submitted_at') }} as submitted_at

    from source

)

select * from renamed
