{#- The regular expressions of the references an incident's texts may hold. None has a
    capture group (regex_extract_all returns whole matches). -#}
{#- A word: letters and digits, with the one character before it (if any), so that a
    number written as a pull request (#123) or in a URL path (/123) can be told apart. -#}
{%- set word_pattern = "'[^0-9A-Za-z]?[0-9A-Za-z]+'" -%}
{#- An id token: letters, digits and inner '.', '_' or '-' (deployment ids such as D-7). -#}
{%- set id_pattern = "'[^0-9A-Za-z_.-]?[0-9A-Za-z_.-]*[0-9A-Za-z]'" -%}
{#- A pull request written as #123 or owner/repo#123 (with what is glued to it). -#}
{%- set pull_pattern = "'[0-9A-Za-z_./-]*#[0-9]+[0-9A-Za-z_]*'" -%}
{%- set url_pattern = "'https?://[^[:space:]]+'" -%}
{#- A pull request's URL: its repository, then its number. -#}
{%- set url_repository = "'^https?://[^/]+/([^/]+/[^/]+)/pull/[0-9]+(?:[^0-9].*)?$'" -%}
{%- set url_number = "'^https?://[^/]+/[^/]+/[^/]+/pull/([0-9]+)(?:[^0-9].*)?$'" -%}

with

incidents as (

    select * from {{ ref('int_incidents_unified') }}

),

-- Everything written on the incident, one text: title, description and notes.
incident_texts as (

    select
        incident_key,
        repository,
        {{ dbt.concat([
            "coalesce(title, '')", "' '",
            "coalesce(description, '')", "' '",
            "coalesce(notes, '')"
        ]) }} as incident_text
    from incidents

),

words as (

    select
        incident_key,
        {{ regex_extract_all('incident_text', word_pattern) }} as token
    from incident_texts

),

id_tokens as (

    select
        incident_key,
        {{ regex_extract_all('incident_text', id_pattern) }} as token
    from incident_texts

),

pull_tokens as (

    select
        incident_key,
        repository,
        {{ regex_extract_all('incident_text', pull_pattern) }} as token
    from incident_texts

),

url_tokens as (

    select
        incident_key,
        {{ regex_extract_all('incident_text', url_pattern) }} as token
    from incident_texts

),

-- A sha written in full or by a prefix of at least 7 hexadecimal characters (any case).
sha_references as (

    select distinct
        incident_key,
        'sha' as reference_kind,
        lower({{ regex_extract('token', "'([0-9A-Fa-f]{7,40})$'") }}) as reference,
        cast(null as {{ dbt.type_string() }}) as pull_request_repository,
        cast(null as {{ dbt.type_int() }}) as pull_request_number
    from words
    where {{ regex_matches_ci('token', "'^[^0-9a-z]?[0-9a-f]{7,40}$'") }}

),

-- A deployment id as a token of its own holding a digit, not written as a pull request
-- (#id) nor inside a URL or path (/id).
deployment_id_references as (

    select distinct
        incident_key,
        'deployment_id' as reference_kind,
        {{ regex_extract('token', "'([0-9A-Za-z_.-]+)$'") }} as reference,
        cast(null as {{ dbt.type_string() }}) as pull_request_repository,
        cast(null as {{ dbt.type_int() }}) as pull_request_number
    from id_tokens
    where
        substring(token, 1, 1) not in ('#', '/')
        and {{ regex_matches_ci('token', "'[0-9]'") }}

),

-- #123 names a pull request of the incident's own repository; owner/repo#123 names the
-- repository. Anything else glued to the '#' (PR#12, v1#2) or to the number (#12a) is
-- no pull request reference.
pull_references as (

    select
        incident_key,
        case
            when {{ regex_matches_ci('token', "'^#[0-9]+$'") }} then lower(repository)
            when {{ regex_matches_ci('token', "'^[0-9a-z][0-9a-z-]*/[0-9a-z_.-]+#[0-9]+$'") }}
                then lower({{ regex_extract('token', "'^([^#]+)#'") }})
        end as pull_request_repository,
        {{ regex_extract('token', "'#([0-9]+)$'") }} as pull_request_number_text
    from pull_tokens

),

-- https://HOST/owner/repo/pull/123 (any host: GitHub Enterprise too), followed by
-- nothing, or by a path, query, fragment or punctuation that is no digit.
url_references as (

    select
        incident_key,
        lower({{ regex_extract('token', url_repository) }}) as pull_request_repository,
        {{ regex_extract('token', url_number) }} as pull_request_number_text
    from url_tokens

),

pull_request_references as (

    select distinct
        incident_key,
        'pull_request' as reference_kind,
        {{ dbt.concat(['pull_request_repository', "'#'", 'pull_request_number_text']) }}
            as reference,
        pull_request_repository,
        cast(pull_request_number_text as {{ dbt.type_int() }}) as pull_request_number
    from (
        select * from pull_references
        union all
        select * from url_references
    ) as written_pull_requests
    where pull_request_repository is not null and pull_request_number_text is not null

),

final as (

    select * from sha_references
    union all
    select * from deployment_id_references
    union all
    select * from pull_request_references

)

select * from final
