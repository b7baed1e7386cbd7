-- The incremental int_deployment_changes holds exactly the changes a full rebuild would
-- (the macro deployment_changes over every production deployment): the same rows, every
-- column, and nothing else.
{{ full_rebuild_differences(
    ref('int_deployment_changes'),
    deployment_changes(),
    [
        'change_key', 'deployment_key', 'deployment_id', 'repository', 'service',
        'value_stream_id', 'team_id', 'timezone', 'sha', 'pull_request_number',
        'authored_at', 'deployed_at', 'lead_time_seconds',
    ],
) }}
