with

source as (

    select * from {{ source_if_exists('raw_pagerduty', 'incidents') }}

),

renamed as (

    select

        ----------  ids
        id as incident_id,
        incident_number,
        service_id,
        priority_id,
        escalation_policy_id,
        team_ids,
        -- PagerDuty's de-duplication key of the alerts, not our surrogate key
        incident_key as dedup_key,

        ---------- strings
        title,
        summary,
        description,
        lower(status) as status,
        lower(urgency) as urgency,
        priority_name,
        service_name,
        html_url,

        ---------- timestamps
        {{ to_utc_timestamp('created_at') }} as triggered_at,
        {{ to_utc_timestamp('acknowledged_at') }} as acknowledged_at,
        {{ to_utc_timestamp('resolved_at') }} as resolved_at,
        {{ to_utc_timestamp('last_status_change_at') }} as last_status_change_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at

    from source

)

select * from renamed
