{#- A UTC `timestamp` as the wall-clock `timestamp` of an IANA timezone (a literal or a
    column), for cutting days and weeks in a value stream's timezone. -#}
{% macro utc_to_local_timestamp(utc_timestamp, timezone) -%}
    {{ return(adapter.dispatch('utc_to_local_timestamp', 'valuestream')(utc_timestamp, timezone)) }}
{%- endmacro %}

{% macro duckdb__utc_to_local_timestamp(utc_timestamp, timezone) -%}
    timezone({{ timezone }}, timezone('UTC', {{ utc_timestamp }}))
{%- endmacro %}

{% macro postgres__utc_to_local_timestamp(utc_timestamp, timezone) -%}
    ((({{ utc_timestamp }}) at time zone 'UTC') at time zone {{ timezone }})
{%- endmacro %}
