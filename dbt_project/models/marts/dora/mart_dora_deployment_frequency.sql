{#- Deployment frequency (metrics.md section 2): per period and slice, the production
    deployments, the days with one, and the trailing 12 weeks' deployments per week that the
    band reads.

    Incremental by partition (value stream, slice, slice value, grain), with the
    replace_from strategy: a run rewrites the periods
    int_production_deployments_aggregated_to_periods rewrote since the rows built, and
    those whose period is gone or whose stream's name or report year changed (macro
    period_mart_periods); periods_written_at is what it read. A full refresh and an
    incremental run give the same rows
    (tests/audit/assert_mart_dora_deployment_frequency_equals_a_full_rebuild.sql); a change
    of the bands' seed needs a full refresh. The query is the macro
    deployment_frequency_periods. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_from',
        replace_partition_by=['value_stream_id', 'slice', 'slice_value', 'grain'],
        replace_from_column='period_start',
        replace_marker='value_stream_name is null',
        on_schema_change='append_new_columns'
    )
}}

{% if is_incremental() %}

    {{ deployment_frequency_periods(previous=this) }}

{% else %}

    {{ deployment_frequency_periods() }}

{% endif %}
