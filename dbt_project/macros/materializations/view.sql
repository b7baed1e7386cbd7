{#- Views on DuckDB, created again only when their SQL changed. A DuckDB view is its SQL
    text, bound when it is read (a raw table dlt recreated or widened needs no new view),
    so a view whose compiled SQL is the one it was created from is already what a new
    `create view` would make. Each view created here carries a fingerprint of its SQL as
    its comment; a run whose compiled SQL has the same fingerprint keeps the view and only
    reads the comment (one catalog query instead of the default materialization's create,
    renames, drop and commit: about half of an hourly refresh's view nodes' time).

    Created again: when the fingerprint differs (the model, a macro it calls, a var or the
    raw tables present changed its compiled SQL), when the relation is missing or a table,
    on --full-refresh, and always for a model with an enforced contract (its columns are
    checked when the view is created) or with persist_docs (whose comment replaces the
    fingerprint). Other adapters (PostgreSQL, whose views are bound to the tables when
    created) use dbt's own view materialization. -#}
{%- materialization view, adapter='duckdb' -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set sql_header = config.get('sql_header', none) -%}
    {%- set fingerprint = 'valuestream view 1 '
        ~ local_md5((sql_header or '') ~ '\n' ~ sql) -%}
    {%- set always_create = should_full_refresh()
        or (config.get('contract') and config.get('contract').enforced)
        or (config.get('persist_docs') or {}).get('relation', false) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- set kept = [] -%}
    {%- if existing_relation is not none and existing_relation.is_view
        and not always_create -%}
        {%- call statement('main', fetch_result=True) -%}
            select count(*) as kept
            from duckdb_views()
            where
                database_name = '{{ target_relation.database }}'
                and schema_name = '{{ target_relation.schema }}'
                and view_name = '{{ target_relation.identifier }}'
                and comment = '{{ fingerprint }}'
        {%- endcall -%}
        {%- if load_result('main')['data'][0][0] == 1 -%}
            {%- do kept.append(true) -%}
        {%- endif -%}
    {%- endif -%}

    {%- if kept -%}
        {{ log('View ' ~ target_relation ~ ' kept: its SQL is unchanged') }}
    {%- else -%}
        {%- if existing_relation is not none -%}
            {#- In the transaction that creates the view (not dbt's drop, which runs
                outside it): a create that fails leaves the relation as it was. -#}
            {%- call statement('drop_existing') -%}
                drop {{ existing_relation.type }} if exists {{ existing_relation }} cascade
            {%- endcall -%}
            {%- do adapter.cache_dropped(existing_relation) -%}
        {%- endif -%}
        {%- call statement('main') -%}
            {{ get_create_view_as_sql(target_relation, sql) }}
        {%- endcall -%}
        {%- call statement('fingerprint') -%}
            comment on view {{ target_relation }} is '{{ fingerprint }}'
        {%- endcall -%}
        {%- do apply_grants(
            target_relation,
            config.get('grants'),
            should_revoke=should_revoke(existing_relation, full_refresh_mode=True)
        ) -%}
        {%- do persist_docs(target_relation, model) -%}
    {%- endif -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization -%}
