-- The incremental int_deployment_pull_requests holds exactly the pull requests a full
-- rebuild would (the macro deployment_pull_requests over every production deployment): the
-- same rows, every column, and nothing else.
{{ full_rebuild_differences(
    ref('int_deployment_pull_requests'),
    deployment_pull_requests(),
    [
        'pull_request_key', 'deployment_key', 'deployment_id', 'repository', 'service',
        'value_stream_id', 'team_id', 'timezone', 'pull_request_number', 'author_login',
        'is_author_bot', 'title', 'head_ref', 'base_ref', 'labels', 'url', 'created_at',
        'merged_at', 'merge_commit_sha', 'deployed_at',
    ],
) }}
