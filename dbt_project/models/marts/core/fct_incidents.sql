with

incidents as (

    select * from {{ ref('int_incidents_unified') }}

),

incidents_attributed as (

    select * from {{ ref('int_incidents_attributed') }}

),

timed as (

    select
        *,
        coalesce(priority, severity, 'unspecified') as priority_slice,
        case
            when is_resolved
                then
                    cast({{ dbt.date_trunc(
                        'week',
                        utc_to_local_timestamp('resolved_at', "coalesce(timezone, 'UTC')")
                    ) }} as date)
        end as resolved_week,
        cast({{ dbt.date_trunc(
            'week', utc_to_local_timestamp('started_at', "coalesce(timezone, 'UTC')")
        ) }} as date) as started_week,
        cast(extract(epoch from resolved_at) as double precision)
        - cast(extract(epoch from started_at) as double precision) as time_to_restore_seconds
    from incidents

),

attributed as (

    select
        timed.*,
        incidents_attributed.deployment_key,
        incidents_attributed.attribution,
        incidents_attributed.matched_by as attribution_matched_by
    from timed
    left join incidents_attributed
        on timed.incident_key = incidents_attributed.incident_key

),

final as (

    select
        incident_key,
        source,
        source_id,
        service,
        source_service_name,
        repository,
        value_stream_id,
        team_id,
        title,
        description,
        notes,
        priority,
        severity,
        priority_slice,
        urgency,
        status,
        caused_by_deployment_id,
        url,
        started_at,
        acknowledged_at,
        resolved_at,
        is_resolved,
        time_to_restore_seconds,
        started_week,
        resolved_week,
        -- The production deployment the incident is linked to (metrics.md 2.3).
        deployment_key,
        attribution,
        attribution_matched_by
    from attributed

)

select * from final
