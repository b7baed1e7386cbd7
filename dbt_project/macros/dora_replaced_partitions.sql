{#- Incremental period marts (the replace_from strategy, partitioned by value stream, slice,
    slice value and grain).

    A period mart's row depends only on whether its period lies in the slice's measured run
    (from the period of its first day through the period of its last, `bounds`), on
    columns fixed per partition (the stream's name, the report year), on the slice's
    row keys (e.g. its priorities) and on the statistics of the period (`period_stats`,
    one row per period with something to count). So a partition changes from the earliest
    of:
    - the first period whose statistics differ from the rows built (compared on the
      periods built with something counted, `built_counted`, which are few: every other
      period's row is fixed by the run);
    - the first or last period of the run, where either end moved (a new as-of day, an
      event older than the first; a run that no longer ends as far: the marker deletes the
      rest);
    - its first period, where a fixed column changed or the slice is in `rebuilt_slices`
      (a CTE of value_stream_id, slice, slice_value: e.g. a priority gained or lost);
    and a partition no longer measured is emptied from its first period. Any other
    partition is left as built. -#}


{#- CTEs (comma-separated, none after the last) ending with `replaced` (value_stream_id,
    slice, slice_value, grain, replaced_from: the first period replaced, NULL: left as
    built) and `spine` (the periods to write, as dora_period_spine): `bounds` and
    `period_stats` name CTEs as dora_period_spine and the mart's statistics take them,
    `previous` the rows built; `stats_columns` are compared with `is distinct from`, on
    the rows of `previous` that `built_counted` (a predicate) says have something counted
    and on the rows of `period_stats`; `row_keys` are the columns besides the partition
    and period_start that key a row; `fixed_columns` maps a column of the rows to its SQL
    expression now (when given, the mart's value_streams CTE is joined for it). A mart over a period table already complete
    (`periods`, a CTE with a row per period of every run) takes its runs from it instead of
    `bounds` (none), and `spine` is then its rows to write (every column). -#}
{% macro dora_replaced_partitions(
    bounds, period_stats, previous, stats_columns, built_counted,
    row_keys=[], rebuilt_slices=none, fixed_columns={}, periods=none
) -%}
{%- set partition_columns = ['value_stream_id', 'slice', 'slice_value', 'grain'] -%}
-- Each partition's run: its first and last period, where the slice is measured at all.
fresh_runs as (

    {%- if periods is not none %}

    select
        {{ partition_columns | join(', ') }},
        min(period_start) as first_period,
        max(period_start) as last_period
    from {{ periods }}
    group by {{ partition_columns | join(', ') }}

    {%- else %}

    select
        {{ bounds }}.value_stream_id,
        {{ bounds }}.slice,
        {{ bounds }}.slice_value,
        grains.grain,
        {{ dora_period_start('grains.grain', bounds ~ '.first_local_date') }} as first_period,
        {{ dora_period_start('grains.grain', bounds ~ '.last_local_date') }} as last_period
    from {{ bounds }}
    cross join ({{ dora_grains() }}) as grains
    where {{ bounds }}.first_local_date <= {{ bounds }}.last_local_date

    {%- endif %}

),

built_runs as (

    select
        {{ partition_columns | join(', ') }},
        {%- for column in fixed_columns %}
        min({{ column }}) as {{ column }},
        {%- endfor %}
        min(period_start) as first_period,
        max(period_start) as last_period
    from {{ previous }}
    group by {{ partition_columns | join(', ') }}

),

-- The periods built with something counted (every other row is fixed by its run).
built_stats as (

    select
        {{ (partition_columns + ['period_start'] + row_keys + stats_columns) | join(', ') }}
    from {{ previous }}
    where {{ built_counted }}

),

-- The statistics of the periods in each partition's run (an event before the slice's
-- first day or after the as-of day falls in no row).
measured_stats as (

    select {{ period_stats }}.*
    from {{ period_stats }}
    inner join fresh_runs
        on
            {%- for column in partition_columns %}
            {% if not loop.first %}and {% endif -%}
            {{ period_stats }}.{{ column }} = fresh_runs.{{ column }}
            {%- endfor %}
            and {{ period_stats }}.period_start >= fresh_runs.first_period
            and {{ period_stats }}.period_start <= fresh_runs.last_period

),

-- Per partition, the first period whose statistics are not those built.
restated as (

    select
        {%- for column in partition_columns %}
        coalesce(measured_stats.{{ column }}, built_stats.{{ column }}) as {{ column }},
        {%- endfor %}
        min(coalesce(measured_stats.period_start, built_stats.period_start)) as restated_from
    from measured_stats
    full outer join built_stats
        on
            {%- for column in partition_columns + ['period_start'] + row_keys %}
            {% if not loop.first %}and {% endif -%}
            measured_stats.{{ column }} = built_stats.{{ column }}
            {%- endfor %}
    where
        measured_stats.period_start is null
        or built_stats.period_start is null
        {%- for column in stats_columns %}
        or measured_stats.{{ column }} is distinct from built_stats.{{ column }}
        {%- endfor %}
    group by
        {%- for column in partition_columns %}
        coalesce(measured_stats.{{ column }}, built_stats.{{ column }})
        {%- if not loop.last %},{% endif %}
        {%- endfor %}

),

replaced as (

    select
        {%- for column in partition_columns %}
        coalesce(fresh_runs.{{ column }}, built_runs.{{ column }}) as {{ column }},
        {%- endfor %}
        case
            when fresh_runs.first_period is null then built_runs.first_period
            when built_runs.first_period is null then fresh_runs.first_period
            when
                fresh_runs.first_period <> built_runs.first_period
                {%- if rebuilt_slices is not none %}
                or {{ rebuilt_slices }}.slice is not null
                {%- endif %}
                {%- for column, expression in fixed_columns.items() %}
                or built_runs.{{ column }} is distinct from {{ expression }}
                {%- endfor %}
                then least(fresh_runs.first_period, built_runs.first_period)
            when fresh_runs.last_period <> built_runs.last_period
                then least(
                    coalesce(restated.restated_from, fresh_runs.last_period),
                    fresh_runs.last_period,
                    built_runs.last_period
                )
            else restated.restated_from
        end as replaced_from
    from fresh_runs
    full outer join built_runs
        on
            {%- for column in partition_columns %}
            {% if not loop.first %}and {% endif -%}
            fresh_runs.{{ column }} = built_runs.{{ column }}
            {%- endfor %}
    {%- if fixed_columns %}
    left join value_streams
        on coalesce(fresh_runs.value_stream_id, built_runs.value_stream_id)
        = value_streams.value_stream_id
    {%- endif %}
    {%- if rebuilt_slices is not none %}
    left join {{ rebuilt_slices }}
        on
            coalesce(fresh_runs.value_stream_id, built_runs.value_stream_id)
            = {{ rebuilt_slices }}.value_stream_id
            and coalesce(fresh_runs.slice, built_runs.slice) = {{ rebuilt_slices }}.slice
            and coalesce(fresh_runs.slice_value, built_runs.slice_value)
            = {{ rebuilt_slices }}.slice_value
    {%- endif %}
    left join restated
        on
            {%- for column in partition_columns %}
            {% if not loop.first %}and {% endif -%}
            coalesce(fresh_runs.{{ column }}, built_runs.{{ column }}) = restated.{{ column }}
            {%- endfor %}

),

{%- if periods is not none %}

spine as (

    select {{ periods }}.*
    from {{ periods }}
    inner join replaced
        on
            {%- for column in partition_columns %}
            {% if not loop.first %}and {% endif -%}
            {{ periods }}.{{ column }} = replaced.{{ column }}
            {%- endfor %}
            and {{ periods }}.period_start >= replaced.replaced_from

)

{%- else %}

-- The runs to rebuild, each from the earliest day its partitions are replaced from (not
-- before its first day).
rebuilt_bounds as (

    select
        {{ bounds }}.value_stream_id,
        {{ bounds }}.slice,
        {{ bounds }}.slice_value,
        greatest(min({{ bounds }}.first_local_date), min(replaced.replaced_from))
            as first_local_date,
        min({{ bounds }}.last_local_date) as last_local_date
    from {{ bounds }}
    inner join replaced
        on
            {{ bounds }}.value_stream_id = replaced.value_stream_id
            and {{ bounds }}.slice = replaced.slice
            and {{ bounds }}.slice_value = replaced.slice_value
    where replaced.replaced_from is not null
    group by {{ bounds }}.value_stream_id, {{ bounds }}.slice, {{ bounds }}.slice_value

),

spine as (

    select rebuilt_spine.*
    from ({{ dora_period_spine('rebuilt_bounds') }}) as rebuilt_spine
    inner join replaced
        on
            {%- for column in partition_columns %}
            {% if not loop.first %}and {% endif -%}
            rebuilt_spine.{{ column }} = replaced.{{ column }}
            {%- endfor %}
            and rebuilt_spine.period_start >= replaced.replaced_from

)

{%- endif %}
{%- endmacro %}


{#- The marker rows of the partitions `replaced` (see dora_replaced_partitions and the
    replace_from strategy): `columns`, the mart's columns in order, each NULL but the
    partition's and period_start (the first period replaced). -#}
{% macro dora_replace_markers(columns) -%}
    {%- set kept = {'period_start': 'replaced_from'} -%}
    {%- for column in ['value_stream_id', 'slice', 'slice_value', 'grain'] -%}
        {%- do kept.update({column: column}) -%}
    {%- endfor -%}
    {{ replace_from_markers('replaced', columns, kept, where='replaced_from is not null') }}
{%- endmacro %}
