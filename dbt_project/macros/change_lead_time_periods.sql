{#- The change lead time mart (metrics.md 2) as a query: every period, or (since_date, a SQL
    expression of a date; NULL: every period) the periods of each grain from the one
    holding since_date on. -#}
{% macro change_lead_time_periods(since_date=none) -%}
{%- set recomputed -%}
    ({{ since_date }} is null or deployed_at >= {{ dbt.dateadd('day', -93, since_date) }})
{%- endset -%}
with

all_changes as (

    select * from {{ ref('fct_changes') }}
    where value_stream_id is not null

),

all_pull_requests as (

    select * from {{ ref('fct_pull_requests') }}
    where is_shipped and value_stream_id is not null

),

-- The rows that can fall in a recomputed period: every period of every grain that holds
-- since_date starts at most 92 days (a quarter) before it, a day more for the timezone.
changes as (

    select * from all_changes
    {%- if since_date is not none %}
    where {{ recomputed }}
    {%- endif %}

),

pull_requests as (

    select * from all_pull_requests
    {%- if since_date is not none %}
    where {{ recomputed }}
    {%- endif %}

),

value_streams as (

    select * from {{ ref('dim_value_streams') }}

),

localized_changes as (

    select
        changes.value_stream_id,
        changes.team_id,
        changes.service,
        changes.lead_time_seconds,
        changes.exclusion_reason,
        {{ utc_to_local_timestamp(
            'changes.deployed_at', "coalesce(value_streams.timezone, 'UTC')"
        ) }} as deployed_at_local
    from changes
    inner join value_streams
        on changes.value_stream_id = value_streams.value_stream_id

),

localized_pull_requests as (

    select
        pull_requests.value_stream_id,
        pull_requests.team_id,
        pull_requests.service,
        pull_requests.coding_seconds,
        pull_requests.pickup_seconds,
        pull_requests.review_seconds,
        pull_requests.deploy_seconds,
        {{ utc_to_local_timestamp(
            'pull_requests.deployed_at', "coalesce(value_streams.timezone, 'UTC')"
        ) }} as deployed_at_local
    from pull_requests
    inner join value_streams
        on pull_requests.value_stream_id = value_streams.value_stream_id

),

changes_by_period as (

    select * from ({{ dora_slices('localized_changes', 'deployed_at_local') }}) as sliced
    {%- if since_date is not none %}
    where {{ dora_period_recomputed('sliced', since_date) }}
    {%- endif %}

),

pull_requests_by_period as (

    select * from ({{ dora_slices('localized_pull_requests', 'deployed_at_local') }}) as sliced
    {%- if since_date is not none %}
    where {{ dora_period_recomputed('sliced', since_date) }}
    {%- endif %}

),

-- A slice is measured from the day of its first change shipped to production (excluded
-- ones included) or pull request shipped, through the as-of day in the stream's timezone:
-- found from the first of each (stream, team, service) over the whole history.
first_shipped as (

    select
        value_stream_id,
        team_id,
        service,
        min(deployed_at) as first_deployed_at
    from (
        select value_stream_id, team_id, service, deployed_at from all_changes
        union all
        select value_stream_id, team_id, service, deployed_at from all_pull_requests
    ) as shipped
    group by value_stream_id, team_id, service

),

localized_first_shipped as (

    select
        first_shipped.value_stream_id,
        first_shipped.team_id,
        first_shipped.service,
        {{ utc_to_local_timestamp(
            'first_shipped.first_deployed_at', "coalesce(value_streams.timezone, 'UTC')"
        ) }} as deployed_at_local,
        {{ dora_as_of_local_date("coalesce(value_streams.timezone, 'UTC')") }}
            as as_of_local_date
    from first_shipped
    inner join value_streams
        on first_shipped.value_stream_id = value_streams.value_stream_id

),

event_days as (

    {{ dora_slices('localized_first_shipped', 'deployed_at_local', grains=['day']) }}

),

bounds as (

    select
        value_stream_id,
        slice,
        slice_value,
        min(period_start) as first_local_date,
        min(as_of_local_date) as last_local_date
    from event_days
    group by value_stream_id, slice, slice_value

),

spine as (

    select * from ({{ dora_period_spine('bounds') }}) as periods
    {%- if since_date is not none %}
    where {{ dora_period_recomputed('periods', since_date) }}
    {%- endif %}

),

-- A change counts in the period of its deployment's finish; a negative lead time is
-- excluded from the statistics and counted.
{%- set valid_lead_time = 'case when exclusion_reason is null then lead_time_seconds end' %}

change_stats as (

    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start,
        sum(case when exclusion_reason is null then 1 else 0 end) as changes,
        sum(
            case when exclusion_reason = 'negative lead time' then 1 else 0 end
        ) as negative_excluded,
        sum(case when exclusion_reason is not null then 1 else 0 end) as excluded,
        {{ percentile_cont(valid_lead_time, 0.5, computed_with=[0.5, 0.75, 0.95]) }} as median_seconds,
        {{ percentile_cont(valid_lead_time, 0.75, computed_with=[0.5, 0.75, 0.95]) }} as p75_seconds,
        {{ percentile_cont(valid_lead_time, 0.95, computed_with=[0.5, 0.75, 0.95]) }} as p95_seconds
    from changes_by_period
    group by value_stream_id, slice, slice_value, grain, period_start

),

-- The breakdown covers the pull requests shipped in the period (by the deployment's
-- finish); a stage that does not apply (pickup and review of an unreviewed pull request)
-- is left out of its median.
pull_request_stats as (

    select
        value_stream_id,
        slice,
        slice_value,
        grain,
        period_start,
        count(*) as pull_requests_shipped,
        {{ percentile_cont('coding_seconds', 0.5) }} as median_coding_seconds,
        {{ percentile_cont('pickup_seconds', 0.5) }} as median_pickup_seconds,
        {{ percentile_cont('review_seconds', 0.5) }} as median_review_seconds,
        {{ percentile_cont('deploy_seconds', 0.5) }} as median_deploy_seconds
    from pull_requests_by_period
    group by value_stream_id, slice, slice_value, grain, period_start

),

joined as (

    select
        spine.grain,
        spine.period_start,
        spine.slice,
        spine.value_stream_id,
        value_streams.value_stream_name,
        spine.slice_value,
        cast(coalesce(change_stats.changes, 0) as integer) as changes,
        cast(change_stats.median_seconds as double precision) as median_seconds,
        cast(change_stats.p75_seconds as double precision) as p75_seconds,
        cast(change_stats.p95_seconds as double precision) as p95_seconds,
        cast(coalesce(change_stats.negative_excluded, 0) as integer) as negative_excluded,
        cast(coalesce(change_stats.excluded, 0) as integer) as excluded,
        cast(
            coalesce(pull_request_stats.pull_requests_shipped, 0) as integer
        ) as pull_requests_shipped,
        cast(
            pull_request_stats.median_coding_seconds as double precision
        ) as median_coding_seconds,
        cast(
            pull_request_stats.median_pickup_seconds as double precision
        ) as median_pickup_seconds,
        cast(
            pull_request_stats.median_review_seconds as double precision
        ) as median_review_seconds,
        cast(
            pull_request_stats.median_deploy_seconds as double precision
        ) as median_deploy_seconds,
        case
            when spine.grain = 'week'
                then cast(extract(isoyear from spine.period_start) as integer)
        end as iso_year,
        case
            when spine.grain = 'week'
                then cast(extract(week from spine.period_start) as integer)
        end as iso_week
    from spine
    inner join value_streams
        on spine.value_stream_id = value_streams.value_stream_id
    left join change_stats
        on
            spine.value_stream_id = change_stats.value_stream_id
            and spine.slice = change_stats.slice
            and spine.slice_value = change_stats.slice_value
            and spine.grain = change_stats.grain
            and spine.period_start = change_stats.period_start
    left join pull_request_stats
        on
            spine.value_stream_id = pull_request_stats.value_stream_id
            and spine.slice = pull_request_stats.slice
            and spine.slice_value = pull_request_stats.slice_value
            and spine.grain = pull_request_stats.grain
            and spine.period_start = pull_request_stats.period_start

),

final as (

    select
        *,
        {{ dora_band('change_lead_time', 'joined.median_seconds') }} as band,
        cast({{ var('dora_report_year') }} as integer) as report_year
    from joined

)

select * from final
{%- endmacro %}
