-- Filled from the pull requests each deployment shipped (int_deployment_pull_requests).
select
    cast(null as {{ dbt.type_string() }}) as deployment_key,
    false as is_hotfix
where 1 = 0
