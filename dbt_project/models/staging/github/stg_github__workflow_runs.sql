with

source as (

    select * from {{ source_if_exists('raw_github', 'workflow_runs') }}

),

renamed as (

    select

        ----------  ids
        id as workflow_run_id,
        repository,
        workflow_id,
        head_sha,
        head_branch,

        ---------- strings
        name as workflow_name,
        path as workflow_path,
        environment,
        event,
        status,
        conclusion,
        display_title,
        actor_login,
        url,

        ---------- numerics
        run_number,
        run_attempt,

        ---------- timestamps
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ to_utc_timestamp('run_started_at') }} as run_started_at

    from source

)

select * from renamed
