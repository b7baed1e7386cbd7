-- The DORA bands the marts use (the report year of var('dora_report_year')), published
-- so that the dashboards explain a band with the same thresholds.
with

benchmarks as (

    select * from {{ ref('dora_benchmarks') }}

),

final as (

    select
        report_year,
        metric,
        band,
        band_rank,
        lower_bound,
        upper_bound,
        unit
    from benchmarks
    where report_year = {{ var('dora_report_year') }}

)

select * from final
