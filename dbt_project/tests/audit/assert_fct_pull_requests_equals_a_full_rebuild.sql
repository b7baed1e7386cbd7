-- The incremental fct_pull_requests holds exactly the rows a full rebuild would: every
-- column of every pull request (the macro pull_request_facts over every pull request).
{%- set columns = [
    'pull_request_key', 'source_id', 'repository', 'service', 'value_stream_id', 'team_id',
    'pull_request_number', 'title', 'author_login', 'is_author_bot', 'head_ref', 'base_ref',
    'labels', 'url', 'state', 'is_draft', 'commit_count', 'review_count', 'is_approved',
    'is_changes_requested', 'deployment_key', 'deployment_id', 'first_commit_authored_at',
    'created_at', 'first_review_at', 'merged_at', 'deployed_at', 'is_shipped',
    'coding_seconds', 'pickup_seconds', 'review_seconds', 'deploy_seconds',
] %}
{{ full_rebuild_differences(
    ref('fct_pull_requests'),
    pull_request_facts(),
    columns,
) }}
