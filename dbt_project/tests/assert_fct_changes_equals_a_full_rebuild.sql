-- The incremental fct_changes holds exactly the changes a full rebuild would: every change
-- of int_deployment_changes, with the same deployment and lead time, and nothing else.
with

changes as (

    select
        change_key,
        deployment_key,
        sha,
        authored_at,
        deployed_at,
        lead_time_seconds
    from {{ ref('fct_changes') }}

),

rebuilt as (

    select
        change_key,
        deployment_key,
        sha,
        authored_at,
        deployed_at,
        lead_time_seconds
    from {{ ref('int_deployment_changes') }}

),

only_in_changes as (

    select * from changes
    except
    select * from rebuilt

),

only_in_rebuild as (

    select * from rebuilt
    except
    select * from changes

)

select
    'only in fct_changes' as difference,
    change_key,
    deployment_key,
    sha,
    authored_at,
    deployed_at,
    lead_time_seconds
from only_in_changes
union all
select
    'missing from fct_changes' as difference,
    change_key,
    deployment_key,
    sha,
    authored_at,
    deployed_at,
    lead_time_seconds
from only_in_rebuild
