{#- The surrogate key of a deployment: md5 of '<source>:<source id>', where source is the
    tool ('github' for GitHub deployments, 'github_actions' for deploy-workflow runs,
    'files' for the files source) and the id the tool's own (cast to text). Every model
    that names a deployment computes its key with this macro, so they join on it. -#}
{% macro deployment_key(source_expression, id_expression) -%}
    {{ dbt.hash(dbt.concat([
        source_expression, "':'", dbt.cast(id_expression, api.Column.translate_type('string'))
    ])) }}
{%- endmacro %}

{#- The `source` of a GitHub production deployment range from the connector's
    `deployment_source` ('deployment' | 'workflow_run'; NULL in rows loaded before
    workflow runs counted, which were GitHub deployments). -#}
{% macro github_deployment_source(deployment_source_column) -%}
    case
        when {{ deployment_source_column }} = 'workflow_run' then 'github_actions'
        else 'github'
    end
{%- endmacro %}
