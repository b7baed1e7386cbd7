{#- A timezone-aware timestamp (timestamptz) as a plain UTC `timestamp`, independent of the
    session's TimeZone setting (a bare cast would convert to the session's zone). -#}
{% macro to_utc_timestamp(column_name) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'valuestream')(column_name)) }}
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(column_name) -%}
    timezone('UTC', {{ column_name }})
{%- endmacro %}

{% macro postgres__to_utc_timestamp(column_name) -%}
    (({{ column_name }}) at time zone 'UTC')
{%- endmacro %}
