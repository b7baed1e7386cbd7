-- The incremental fct_changes holds exactly the changes a full rebuild would: every change
-- of int_deployment_changes, with the same deployment and lead time, and nothing else.
{{ full_rebuild_differences(
    ref('fct_changes'),
    'select * from ' ~ ref('int_deployment_changes'),
    ['change_key', 'deployment_key', 'sha', 'authored_at', 'deployed_at', 'lead_time_seconds'],
) }}
