with

source as (

    select * from {{ source_if_exists('raw_jira', 'issues') }}

),

renamed as (

    select

        ----------  ids
        id as issue_id,
        key as issue_key,
        project_id,
        project_key,
        issue_type_id,
        status_id,
        resolution_id,
        priority_id,
        parent_id,
        parent_key,
        epic_key,
        assignee_account_id,
        reporter_account_id,

        ---------- strings
        issue_type,
        status_name,
        status_category as status_category_key,
        status_category_name,
        resolution,
        priority,
        summary,
        -- JSON arrays as text
        labels,
        fix_version_ids,

        ---------- numerics
        issue_type_hierarchy_level,
        changelog_total,

        ---------- booleans
        is_subtask,
        flagged as is_flagged,

        ---------- timestamps
        {{ to_utc_timestamp('created') }} as created_at,
        {{ to_utc_timestamp('updated') }} as updated_at,
        {{ to_utc_timestamp('resolutiondate') }} as resolved_at,
        {{ to_utc_timestamp('status_category_changed') }} as status_category_changed_at

    from source

)

select * from renamed
