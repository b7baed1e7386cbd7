with

weeks as (

    select * from {{ ref('int_production_deployments_aggregated_to_weeks') }}

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

benchmarks as (

    select * from {{ ref('dora_benchmarks') }}
    where
        report_year = {{ var('dora_report_year') }}
        and metric = 'deployment_frequency'

),

-- A week takes the best-ranked band whose [lower_bound, upper_bound) interval holds its
-- trailing average (NULL bounds are open).
banded as (

    select
        weeks.value_stream_id,
        weeks.week_start,
        benchmarks.band,
        row_number() over (
            partition by weeks.value_stream_id, weeks.week_start
            order by benchmarks.band_rank
        ) as band_preference
    from weeks
    inner join benchmarks
        on
            (
                benchmarks.lower_bound is null
                or weeks.trailing_12w_deployments_per_week >= benchmarks.lower_bound
            )
            and (
                benchmarks.upper_bound is null
                or weeks.trailing_12w_deployments_per_week < benchmarks.upper_bound
            )

),

final as (

    select
        weeks.value_stream_id,
        value_streams.value_stream_name,
        weeks.week_start,
        cast(extract(isoyear from weeks.week_start) as integer) as iso_year,
        cast(extract(week from weeks.week_start) as integer) as iso_week,
        weeks.deployments,
        weeks.deployment_days,
        cast(weeks.deployments as double precision) / 7 as deployments_per_day,
        weeks.trailing_12w_deployments_per_week,
        banded.band,
        cast({{ var('dora_report_year') }} as integer) as report_year
    from weeks
    inner join value_streams
        on weeks.value_stream_id = value_streams.value_stream_id
    left join banded
        on
            weeks.value_stream_id = banded.value_stream_id
            and weeks.week_start = banded.week_start
            and banded.band_preference = 1

)

select * from final
