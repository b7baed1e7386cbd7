{#- The summary of a value stream map (metrics.md 4), from `stages` (a relation with grain,
    period_start, value_stream_id, stage, stage_order, lt_sum_s, pt_sum_s, lt_median_s,
    pt_median_s, wait_median_s and pct_complete_accurate, one row per stage with items in
    the period): one row per (grain, period_start, value_stream_id) with the stage count,
    total lead and process time (sums and sums of the stage medians), the activity ratio
    (sum PT / sum LT, NULL when no lead time), the rolled %C&A (product of the stages'
    %C&A, over the stages that have one; NULL when none has) and the bottleneck: the stage
    with the largest median wait (LT - PT), the earliest stage on a tie. -#}
{% macro value_stream_map_summary(stages) -%}
    with

    map_stages as (

        select * from {{ stages }}

    ),

    totals as (

        select
            grain,
            period_start,
            value_stream_id,
            count(*) as stages,
            sum(lt_sum_s) as total_lt_s,
            sum(pt_sum_s) as total_pt_s,
            sum(lt_median_s) as total_lt_median_s,
            sum(pt_median_s) as total_pt_median_s,
            {{ product('pct_complete_accurate') }} as rolled_pct_complete_accurate
        from map_stages
        group by grain, period_start, value_stream_id

    ),

    ranked_waits as (

        select
            grain,
            period_start,
            value_stream_id,
            stage_name,
            wait_median_s,
            row_number() over (
                partition by grain, period_start, value_stream_id
                order by wait_median_s desc, stage_order asc
            ) as wait_rank
        from map_stages

    )

    select
        totals.grain,
        totals.period_start,
        totals.value_stream_id,
        cast(totals.stages as integer) as stages,
        cast(totals.total_lt_s as double precision) as total_lt_s,
        cast(totals.total_pt_s as double precision) as total_pt_s,
        cast(totals.total_lt_median_s as double precision) as total_lt_median_s,
        cast(totals.total_pt_median_s as double precision) as total_pt_median_s,
        cast(
            case when totals.total_lt_s > 0 then totals.total_pt_s / totals.total_lt_s end
            as double precision
        ) as activity_ratio,
        cast(totals.rolled_pct_complete_accurate as double precision)
            as rolled_pct_complete_accurate,
        ranked_waits.stage_name as bottleneck,
        cast(ranked_waits.wait_median_s as double precision) as bottleneck_wait_median_s,
        case
            when totals.grain = 'week'
                then cast(extract(isoyear from totals.period_start) as integer)
        end as iso_year,
        case
            when totals.grain = 'week'
                then cast(extract(week from totals.period_start) as integer)
        end as iso_week
    from totals
    inner join ranked_waits
        on
            totals.grain = ranked_waits.grain
            and totals.period_start = ranked_waits.period_start
            and totals.value_stream_id = ranked_waits.value_stream_id
            and ranked_waits.wait_rank = 1
{%- endmacro %}

{#- A map stage's rows aggregated (inside a GROUP BY over rows with lead_time_s,
    process_time_s and wait_time_s): items, and the median and sum of the lead, process and
    wait times. -#}
{% macro value_stream_map_stage_times() -%}
    count(*) as items,
    {{ percentile_cont('lead_time_s', 0.5) }} as lt_median_s,
    sum(lead_time_s) as lt_sum_s,
    {{ percentile_cont('process_time_s', 0.5) }} as pt_median_s,
    sum(process_time_s) as pt_sum_s,
    {{ percentile_cont('wait_time_s', 0.5) }} as wait_median_s,
    sum(wait_time_s) as wait_sum_s
{%- endmacro %}
