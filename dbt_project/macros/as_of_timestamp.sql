{#- The "now" of the calendar spines, as a UTC `timestamp` literal: VSM_AS_OF (an ISO
    timestamp; without an offset it is read as UTC) or the wall-clock time of the run.
    Rendered as a literal rather than current_timestamp so that one run sees one instant
    on every model and unit tests can override it. -#}
{% macro as_of_timestamp() -%}
    {%- set raw_as_of = env_var('VSM_AS_OF', '') | trim -%}
    {%- if raw_as_of -%}
        {%- set iso_pattern = '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$' -%}
        {%- if not modules.re.match(iso_pattern, raw_as_of) -%}
            {{ exceptions.raise_compiler_error(
                "VSM_AS_OF must be an ISO timestamp such as 2026-01-14T12:00:00Z, got '"
                ~ raw_as_of ~ "'"
            ) }}
        {%- endif -%}
        {%- set iso_text = raw_as_of[:-1] ~ '+00:00' if raw_as_of.endswith('Z') else raw_as_of -%}
        {%- set parsed = modules.datetime.datetime.fromisoformat(iso_text) -%}
        {%- if parsed.tzinfo is not none -%}
            {%- set parsed = parsed.astimezone(modules.pytz.utc).replace(tzinfo=none) -%}
        {%- endif -%}
    {%- else -%}
        {%- set parsed = modules.datetime.datetime.now(modules.pytz.utc).replace(tzinfo=none) -%}
    {%- endif -%}
    cast('{{ parsed.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}

{#- The start of this dbt invocation, as a UTC `timestamp` literal: the same instant on
    every model of one run, later on each run (the incremental models' rewrite marks). -#}
{% macro run_started_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
