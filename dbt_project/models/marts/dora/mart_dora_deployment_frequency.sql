{#- Deployment frequency (metrics.md section 2): per period and slice, the production
    deployments, the days with one, and the trailing 12 weeks' deployments per week that the
    band reads.

    Incremental by period (macro period_mart_periods, docs/dora.md); a full refresh and an
    incremental run give the same rows
    (tests/audit/assert_mart_dora_deployment_frequency_equals_a_full_rebuild.sql). A change of the
    bands' seed needs a full refresh. -#}
{{ config(**period_mart_config()) }}

{{ deployment_frequency_periods(previous=this if is_incremental() else none) }}
