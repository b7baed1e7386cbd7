{%- set incident_columns = [
    'source', 'source_id', 'source_service_name', 'title', 'description', 'notes',
    'priority', 'severity', 'urgency', 'status', 'caused_by_deployment_id', 'url',
    'started_at', 'acknowledged_at', 'resolved_at'
] -%}

with

pagerduty_incidents as (

    select * from {{ ref('stg_pagerduty__incidents') }}

),

pagerduty_log_entries as (

    select * from {{ ref('stg_pagerduty__log_entries') }}

),

files_incidents as (

    select * from {{ ref('stg_files__incidents') }}

),

github_issues as (

    select * from {{ ref('stg_github__issues') }}

),

repositories as (

    select * from {{ ref('stg_config__repositories') }}

),

value_streams as (

    select * from {{ ref('stg_config__value_streams') }}

),

-- Everything people wrote on a PagerDuty incident's log (notes, the trigger's event
-- description, channel details), one text per line in time order: the explicit links
-- to deployments, shas and pull requests are searched in it later.
pagerduty_log_texts as (

    select
        incident_id,
        created_at,
        log_entry_id,
        note as log_text
    from pagerduty_log_entries
    where note is not null
    union all
    select
        incident_id,
        created_at,
        log_entry_id,
        event_description as log_text
    from pagerduty_log_entries
    where event_description is not null
    union all
    select
        incident_id,
        created_at,
        log_entry_id,
        channel_details as log_text
    from pagerduty_log_entries
    where channel_details is not null
    union all
    select
        incident_id,
        created_at,
        log_entry_id,
        channel_summary as log_text
    from pagerduty_log_entries
    where channel_summary is not null and channel_summary != coalesce(note, '')

),

pagerduty_notes as (

    -- Jinja turns the "\n" into a newline inside the SQL string literal: portable SQL.
    select
        incident_id,
        {{ dbt.listagg(
            'log_text', "'\n'", 'order by created_at, log_entry_id, log_text'
        ) }} as notes
    from pagerduty_log_texts
    group by incident_id

),

pagerduty_incidents_normalized as (

    select
        'pagerduty' as source,
        pagerduty_incidents.incident_id as source_id,
        pagerduty_incidents.service_name as source_service_name,
        pagerduty_incidents.title,
        pagerduty_incidents.description,
        pagerduty_notes.notes,
        pagerduty_incidents.priority_name as priority,
        cast(null as {{ dbt.type_string() }}) as severity,
        pagerduty_incidents.urgency,
        pagerduty_incidents.status,
        cast(null as {{ dbt.type_string() }}) as caused_by_deployment_id,
        pagerduty_incidents.html_url as url,
        pagerduty_incidents.triggered_at as started_at,
        pagerduty_incidents.acknowledged_at,
        pagerduty_incidents.resolved_at
    from pagerduty_incidents
    left join pagerduty_notes
        on pagerduty_incidents.incident_id = pagerduty_notes.incident_id

),

files_incidents_normalized as (

    select
        'files' as source,
        incident_id as source_id,
        service as source_service_name,
        title,
        cast(null as {{ dbt.type_string() }}) as description,
        cast(null as {{ dbt.type_string() }}) as notes,
        priority,
        severity,
        cast(null as {{ dbt.type_string() }}) as urgency,
        case when resolved_at is null then 'open' else 'resolved' end as status,
        caused_by_deployment_id,
        url,
        started_at,
        acknowledged_at,
        resolved_at
    from files_incidents

),

-- GitHub issues labelled as incidents: opened = started, closed = resolved; the issue's
-- repository names the service; its first `sev*` label is the severity.
github_incidents_normalized as (

    select
        'github' as source,
        {{ dbt.concat(['repository', "'#'", dbt.safe_cast('issue_number', dbt.type_string())]) }}
            as source_id,
        repository as source_service_name,
        title,
        body as description,
        cast(null as {{ dbt.type_string() }}) as notes,
        cast(null as {{ dbt.type_string() }}) as priority,
        {{ regex_extract('labels', "'\"(sev[^\"]*)\"'") }} as severity,
        cast(null as {{ dbt.type_string() }}) as urgency,
        case when closed_at is null then 'open' else 'resolved' end as status,
        cast(null as {{ dbt.type_string() }}) as caused_by_deployment_id,
        url,
        created_at as started_at,
        cast(null as {{ dbt.type_timestamp() }}) as acknowledged_at,
        closed_at as resolved_at
    from github_issues
    where is_incident

),

incidents_from_every_tool as (

    select {{ incident_columns | join(', ') }} from pagerduty_incidents_normalized
    union all
    select {{ incident_columns | join(', ') }} from files_incidents_normalized
    union all
    select {{ incident_columns | join(', ') }} from github_incidents_normalized

),

-- A tool names the service; the config says which repository (and so which value stream
-- and team) it is: the repository whose configured service has that name, else whose
-- repository name, else whose "owner/name" has it (ignoring case and surrounding spaces).
-- Of several repositories matching equally well (a service built from several
-- repositories), the first by name is taken, so an incident is never counted twice.
service_names as (

    select distinct source_service_name
    from incidents_from_every_tool
    where source_service_name is not null

),

service_candidates as (

    select
        service_names.source_service_name,
        repositories.repository,
        repositories.service,
        repositories.value_stream_id,
        repositories.team_id,
        case
            when lower(trim(service_names.source_service_name)) = lower(repositories.service)
                then 1
            when lower(trim(service_names.source_service_name))
                = lower(repositories.repository_name)
                then 2
            else 3
        end as match_rank
    from service_names
    inner join repositories
        on
            lower(trim(service_names.source_service_name)) = lower(repositories.service)
            or lower(trim(service_names.source_service_name))
            = lower(repositories.repository_name)
            or lower(trim(service_names.source_service_name)) = lower(repositories.repository)

),

service_matches as (

    select
        source_service_name,
        repository,
        service,
        value_stream_id,
        team_id,
        row_number() over (
            partition by source_service_name
            order by match_rank, repository
        ) as match_preference
    from service_candidates

),

unified as (

    select
        {{ dbt.hash(dbt.concat([
            'incidents_from_every_tool.source', "':'", 'incidents_from_every_tool.source_id'
        ])) }} as incident_key,
        incidents_from_every_tool.source,
        incidents_from_every_tool.source_id,
        coalesce(
            service_matches.service, incidents_from_every_tool.source_service_name
        ) as service,
        incidents_from_every_tool.source_service_name,
        service_matches.repository,
        service_matches.value_stream_id,
        service_matches.team_id,
        value_streams.timezone,
        incidents_from_every_tool.title,
        incidents_from_every_tool.description,
        incidents_from_every_tool.notes,
        incidents_from_every_tool.priority,
        incidents_from_every_tool.severity,
        incidents_from_every_tool.urgency,
        incidents_from_every_tool.status,
        incidents_from_every_tool.caused_by_deployment_id,
        incidents_from_every_tool.url,
        incidents_from_every_tool.started_at,
        incidents_from_every_tool.acknowledged_at,
        incidents_from_every_tool.resolved_at,
        incidents_from_every_tool.resolved_at is not null as is_resolved
    from incidents_from_every_tool
    left join service_matches
        on
            incidents_from_every_tool.source_service_name = service_matches.source_service_name
            and service_matches.match_preference = 1
    left join value_streams
        on service_matches.value_stream_id = value_streams.value_stream_id

)

select * from unified
