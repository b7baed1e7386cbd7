"""dbt models, seeds and tests as Dagster assets and asset checks."""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.dbt_args import dbt_build_args
from orchestration.paths import DBT_PROJECT_DIR
from orchestration.translators import ModelTranslator

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

translator = ModelTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_resource() -> DbtCliResource:
    """The dbt CLI of this environment (``DbtCliResource`` needs the executable by path)."""
    executable = Path(sys.executable).with_name("dbt")
    return DbtCliResource(project_dir=dbt_project, dbt_executable=str(executable))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    name="dbt_models",
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):  # noqa: ANN201
    yield from dbt.cli(dbt_build_args(), context=context).stream()
