{%- set number_text = dbt.cast('number', api.Column.translate_type('string')) -%}
{%- set source_id = dbt.concat(["repository", "'#'", number_text]) -%}

with

source as (

    select * from {{ source_if_exists('raw_github', 'pull_requests') }}

),

renamed as (

    select

        ----------  ids
        {{ dbt.hash(dbt.concat(["'github:'", source_id])) }} as pull_request_key,
        {{ source_id }} as source_id,
        repository,
        number as pull_request_number,
        id as pull_request_id,
        head_ref,
        head_sha,
        base_ref,
        base_sha,
        merge_commit_sha,

        ---------- strings
        title,
        body,
        lower(state) as state,
        author_login,
        labels,
        url,

        ---------- booleans
        coalesce(is_draft, false) as is_draft,
        coalesce(author_is_bot, false) as is_author_bot,
        merged_at is not null as is_merged,

        ---------- timestamps
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ to_utc_timestamp('merged_at') }} as merged_at,
        {{ to_utc_timestamp('closed_at') }} as closed_at

    from source

)

select * from renamed
