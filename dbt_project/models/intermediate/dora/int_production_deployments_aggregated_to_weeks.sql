with

deployments as (

    select * from {{ ref('int_deployments_unified') }}

),

value_streams as (

    select * from {{ ref('stg_config__value_streams') }}

),

production_deployments as (

    select
        value_stream_id,
        finished_week,
        finished_local_date
    from deployments
    where is_production_deployment and value_stream_id is not null

),

-- The last week of the spine is the week containing the as-of instant in each stream's
-- own timezone.
as_of_weeks as (

    select
        value_stream_id,
        cast(
            {{ dbt.date_trunc(
                'week',
                utc_to_local_timestamp(as_of_timestamp(), "coalesce(timezone, 'UTC')")
            ) }} as date
        ) as as_of_week
    from value_streams

),

week_bounds as (

    select
        production_deployments.value_stream_id,
        min(production_deployments.finished_week) as first_week_start,
        min(as_of_weeks.as_of_week) as last_week_start
    from production_deployments
    inner join as_of_weeks
        on production_deployments.value_stream_id = as_of_weeks.value_stream_id
    group by production_deployments.value_stream_id

),

week_spine as (

    {{ value_stream_week_spine('week_bounds') }}

),

weekly_counts as (

    select
        value_stream_id,
        finished_week as week_start,
        count(*) as deployments,
        count(distinct finished_local_date) as deployment_days
    from production_deployments
    group by value_stream_id, finished_week

),

weeks as (

    select
        week_spine.value_stream_id,
        week_spine.week_start,
        cast(coalesce(weekly_counts.deployments, 0) as integer) as deployments,
        cast(coalesce(weekly_counts.deployment_days, 0) as integer) as deployment_days
    from week_spine
    left join weekly_counts
        on
            week_spine.value_stream_id = weekly_counts.value_stream_id
            and week_spine.week_start = weekly_counts.week_start

),

-- The trailing window is this week and the 11 before it, counting weeks without
-- deployments as 0; in a stream's first 11 weeks it holds the weeks measured so far.
with_trailing_means as (

    select
        value_stream_id,
        week_start,
        deployments,
        deployment_days,
        cast(count(*) over (
            partition by value_stream_id
            order by week_start
            rows between 11 preceding and current row
        ) as integer) as trailing_window_weeks,
        avg(cast(deployments as double precision)) over (
            partition by value_stream_id
            order by week_start
            rows between 11 preceding and current row
        ) as trailing_12w_deployments_per_week
    from weeks

)

select * from with_trailing_means
