with

source as (

    select * from {{ source_if_exists('raw_jira', 'changelog_items') }}

),

renamed as (

    select

        ----------  ids
        history_id,
        item_index,
        issue_id,
        issue_key,
        author_account_id,
        field_id,

        ---------- strings
        field,
        field_type,
        from_value,
        from_string,
        to_value,
        to_string,

        ---------- timestamps
        {{ to_utc_timestamp('created') }} as created_at

    from source

)

select * from renamed
