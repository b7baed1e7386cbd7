-- The delivery map (metrics.md 4): per period, value stream and stage, the pull requests
-- shipped to production in the period (by the deployment's finish, stream timezone).
with

stage_rows as (

    select * from {{ ref('int_delivery_map_stage_rows') }}

),

deployment_outcomes as (

    select * from {{ ref('int_deployment_outcomes_aggregated_to_periods') }}
    where slice = 'value_stream'

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

grains as (

    {{ dora_grains() }}

),

rows_by_period as (

    select
        stage_rows.*,
        grains.grain,
        {{ dora_period_start('grains.grain', 'stage_rows.deployed_at_local') }}
            as period_start
    from stage_rows
    cross join grains

),

stage_stats as (

    select
        grain,
        period_start,
        value_stream_id,
        stage_name,
        stage_order,
        {{ value_stream_map_stage_times() }},
        avg(
            case when is_complete_accurate then 1.0 when not is_complete_accurate then 0.0 end
        ) as review_pct_complete_accurate
    from rows_by_period
    group by grain, period_start, value_stream_id, stage_name, stage_order

),

-- %C&A: review, the share of reviewed pull requests approved without a "changes
-- requested" review; deploy, 1 - the change failure rate of the period's production
-- deployments; coding and pickup measure no rework and have none (NULL).
final as (

    select
        stage_stats.grain,
        stage_stats.period_start,
        stage_stats.value_stream_id,
        value_streams.value_stream_name,
        stage_stats.stage_name,
        cast(stage_stats.stage_order as integer) as stage_order,
        cast(stage_stats.items as integer) as items,
        cast(stage_stats.lt_median_s as double precision) as lt_median_s,
        cast(stage_stats.lt_sum_s as double precision) as lt_sum_s,
        cast(stage_stats.pt_median_s as double precision) as pt_median_s,
        cast(stage_stats.pt_sum_s as double precision) as pt_sum_s,
        cast(stage_stats.wait_median_s as double precision) as wait_median_s,
        cast(stage_stats.wait_sum_s as double precision) as wait_sum_s,
        cast(
            case stage_stats.stage_name
                when 'review' then stage_stats.review_pct_complete_accurate
                when 'deploy'
                    then 1.0 - cast(
                            deployment_outcomes.failed_deployments as double precision
                        ) / nullif(deployment_outcomes.deployments, 0)
            end as double precision
        ) as pct_complete_accurate,
        case
            when stage_stats.grain = 'week'
                then cast(extract(isoyear from stage_stats.period_start) as integer)
        end as iso_year,
        case
            when stage_stats.grain = 'week'
                then cast(extract(week from stage_stats.period_start) as integer)
        end as iso_week
    from stage_stats
    inner join value_streams
        on stage_stats.value_stream_id = value_streams.value_stream_id
    left join deployment_outcomes
        on
            stage_stats.value_stream_id = deployment_outcomes.value_stream_id
            and stage_stats.grain = deployment_outcomes.grain
            and stage_stats.period_start = deployment_outcomes.period_start

)

select * from final
