{#- A wall-clock `timestamp` of an IANA timezone (a literal or a column) as the UTC
    `timestamp` of that instant: the inverse of utc_to_local_timestamp. -#}
{% macro local_to_utc_timestamp(local_timestamp, timezone) -%}
    {{ return(adapter.dispatch('local_to_utc_timestamp', 'valuestream')(local_timestamp, timezone)) }}
{%- endmacro %}

{% macro duckdb__local_to_utc_timestamp(local_timestamp, timezone) -%}
    timezone('UTC', timezone({{ timezone }}, {{ local_timestamp }}))
{%- endmacro %}

{% macro postgres__local_to_utc_timestamp(local_timestamp, timezone) -%}
    ((({{ local_timestamp }}) at time zone {{ timezone }}) at time zone 'UTC')
{%- endmacro %}
