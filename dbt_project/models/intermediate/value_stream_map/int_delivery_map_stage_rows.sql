-- One row per pull request shipped to production and stage of the delivery map that
-- applies to it (metrics.md 4): coding (first commit -> opened), pickup (opened -> first
-- review), review (first review -> merge), deploy (merge -> production deployment). Coding
-- and review are process time; pickup and deploy are waiting. An unreviewed pull request
-- has no pickup nor review row, and a negative stage time (a commit authored after the
-- pull request was opened: clock skew or rewritten history, as for the change lead time)
-- has no row: it would subtract time from the map.
--
-- A view, unlike the other intermediate models: it only unpivots fct_pull_requests (four
-- rows per pull request), which costs far less than writing its rows again every hour
-- (measured on the `large` tier's hourly refresh, benchmarks/bench_dbt.py), and one mart
-- and one data test read it.
{{ config(materialized='view') }}

with

pull_requests as (

    select * from {{ ref('fct_pull_requests') }}
    where is_shipped and value_stream_id is not null

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

localized as (

    select
        pull_requests.pull_request_key,
        pull_requests.value_stream_id,
        pull_requests.coding_seconds,
        pull_requests.pickup_seconds,
        pull_requests.review_seconds,
        pull_requests.deploy_seconds,
        pull_requests.is_approved and not pull_requests.is_changes_requested
            as is_approved_first_time,
        {{ utc_to_local_timestamp(
            'pull_requests.deployed_at', "coalesce(value_streams.timezone, 'UTC')"
        ) }} as deployed_at_local
    from pull_requests
    inner join value_streams
        on pull_requests.value_stream_id = value_streams.value_stream_id

),

stages as (

    select
        pull_request_key,
        value_stream_id,
        deployed_at_local,
        'coding' as stage_name,
        0 as stage_order,
        coding_seconds as lead_time_s,
        coding_seconds as process_time_s,
        cast(null as boolean) as is_complete_accurate
    from localized
    where coding_seconds >= 0
    union all
    select
        pull_request_key,
        value_stream_id,
        deployed_at_local,
        'pickup' as stage_name,
        1 as stage_order,
        pickup_seconds as lead_time_s,
        0.0 as process_time_s,
        cast(null as boolean) as is_complete_accurate
    from localized
    where pickup_seconds >= 0
    union all
    select
        pull_request_key,
        value_stream_id,
        deployed_at_local,
        'review' as stage_name,
        2 as stage_order,
        review_seconds as lead_time_s,
        review_seconds as process_time_s,
        is_approved_first_time as is_complete_accurate
    from localized
    where review_seconds >= 0
    union all
    select
        pull_request_key,
        value_stream_id,
        deployed_at_local,
        'deploy' as stage_name,
        3 as stage_order,
        deploy_seconds as lead_time_s,
        0.0 as process_time_s,
        cast(null as boolean) as is_complete_accurate
    from localized
    where deploy_seconds >= 0

),

final as (

    select
        pull_request_key,
        value_stream_id,
        stage_name,
        stage_order,
        deployed_at_local,
        cast(lead_time_s as double precision) as lead_time_s,
        cast(process_time_s as double precision) as process_time_s,
        cast(lead_time_s - process_time_s as double precision) as wait_time_s,
        is_complete_accurate
    from stages

)

select * from final
