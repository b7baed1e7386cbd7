{#- A JSON string inside a JSON array of strings, quotes included. -#}
{%- set json_string_pattern = "'\"(?:[^\"\\\\]|\\\\.)*\"'" -%}

with

shipped_pull_requests as (

    select * from {{ ref('int_deployment_pull_requests') }}

),

value_streams as (

    select * from {{ ref('stg_config__value_streams') }}

),

-- The stream's hotfix labels, each as its JSON string (quotes kept), lowercase: compared
-- with the pull requests' labels in the same form.
label_markers as (

    select
        value_stream_id,
        lower({{ regex_extract_all('hotfix_labels', json_string_pattern) }}) as marker
    from value_streams

),

-- The stream's hotfix branch prefixes, lowercase, without their quotes.
prefix_markers as (

    select
        value_stream_id,
        lower({{ regex_extract_all('hotfix_branch_prefixes', json_string_pattern) }})
            as quoted_marker
    from value_streams

),

pull_request_labels as (

    select
        deployment_key,
        value_stream_id,
        lower({{ regex_extract_all('labels', json_string_pattern) }}) as pull_request_label
    from shipped_pull_requests

),

labelled_hotfixes as (

    select distinct pull_request_labels.deployment_key
    from pull_request_labels
    inner join label_markers
        on
            pull_request_labels.value_stream_id = label_markers.value_stream_id
            and pull_request_labels.pull_request_label = label_markers.marker

),

branch_hotfixes as (

    select distinct shipped_pull_requests.deployment_key
    from shipped_pull_requests
    inner join prefix_markers
        on shipped_pull_requests.value_stream_id = prefix_markers.value_stream_id
    where
        {{ dbt.length('prefix_markers.quoted_marker') }} > 2
        and substring(
            lower(shipped_pull_requests.head_ref),
            1,
            {{ dbt.length('prefix_markers.quoted_marker') }} - 2
        )
        = substring(
            prefix_markers.quoted_marker, 2, {{ dbt.length('prefix_markers.quoted_marker') }} - 2
        )

),

hotfixes as (

    select deployment_key from labelled_hotfixes
    union
    select deployment_key from branch_hotfixes

),

final as (

    select distinct
        shipped_pull_requests.deployment_key,
        hotfixes.deployment_key is not null as is_hotfix
    from shipped_pull_requests
    left join hotfixes
        on shipped_pull_requests.deployment_key = hotfixes.deployment_key

)

select * from final
