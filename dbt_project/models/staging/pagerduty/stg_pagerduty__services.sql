with

source as (

    select * from {{ source_if_exists('raw_pagerduty', 'services') }}

),

renamed as (

    select

        ----------  ids
        id as service_id,
        escalation_policy_id,
        team_ids,

        ---------- strings
        name as service_name,
        description,
        lower(status) as status,
        html_url,

        ---------- timestamps
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ to_utc_timestamp('last_incident_at') }} as last_incident_at

    from source

)

select * from renamed
