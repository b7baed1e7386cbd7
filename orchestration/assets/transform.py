"""dbt models, seeds and tests as Dagster assets and asset checks."""

import os
import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from pydantic import Field

from orchestration.dbt_args import dbt_build_args
from orchestration.paths import DBT_PROJECT_DIR
from orchestration.translators import ModelTranslator

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

translator = ModelTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

PARTIAL_PARSE = "partial_parse.msgpack"
# dagster-dbt gives each run a target folder of its own (compiled SQL, the debug log, the
# artifacts: about 20 MB on the sandbox); the refresh keeps the newest few for a look after
# a failure, else an hourly schedule would fill the disk (some 170 GB a year).
RUN_TARGETS_KEPT = int(os.environ.get("VSM_DBT_RUNS_KEPT", "5"))


class DbtBuildConfig(dg.Config):
    """How the refresh runs dbt."""

    audit: bool = Field(
        default=False,
        description=(
            "Also run the audit tests (tag:audit): each incremental model equals a rebuild "
            "of its whole history. The nightly audit sets it; the hourly refresh does not."
        ),
    )
    full_refresh: bool = Field(
        default=False,
        description=(
            "Rebuild the incremental models from the whole history (dbt --full-refresh): "
            "after a change of a value stream's timezone or name, or a failed audit."
        ),
    )


def refresh_run_config(audit: bool = False, full_refresh: bool = False) -> dict | None:
    """The refresh job's run config for these dbt settings (None: the defaults)."""
    if not (audit or full_refresh):
        return None
    return {"ops": {"dbt_models": {"config": {"audit": audit, "full_refresh": full_refresh}}}}


# The refresh job's run config that runs the audit tests too (the nightly audit's).
AUDIT_RUN_CONFIG = refresh_run_config(audit=True)


def dbt_resource() -> DbtCliResource:
    """The dbt CLI of this environment (``DbtCliResource`` needs the executable by path)."""
    executable = Path(sys.executable).with_name("dbt")
    return DbtCliResource(project_dir=dbt_project, dbt_executable=str(executable))


def keep_parse_warm(run_target: Path, project_target: Path) -> None:
    """Make the parse this run wrote the one the next run starts from.

    dagster-dbt seeds each run's target folder with the project's ``partial_parse.msgpack``;
    dbt throws it away and parses everything again (8-9 s) when the profile differs from the
    one it was parsed with, as it does whenever the warehouse path (VSM_HOME) differs from
    ``make setup``'s. The run's own file matches this environment, so it replaces the
    project's (atomically: a concurrent run reads the old file or the new one).
    """
    written = run_target / PARTIAL_PARSE
    if not written.exists():
        return
    project_target.mkdir(parents=True, exist_ok=True)
    staged = project_target / f".{PARTIAL_PARSE}.{os.getpid()}"
    shutil.copyfile(written, staged)
    os.replace(staged, project_target / PARTIAL_PARSE)


def prune_run_targets(
    project_target: Path, current: Path | None, keep: int = RUN_TARGETS_KEPT
) -> list[Path]:
    """Remove the target folders of dbt runs but the newest ``keep`` (the current run's
    folder, ``current``, counts as one and is never removed); the removed folders.

    Only folders named as dagster-dbt names a run's (``<op>-<run id>-<id>``, all the
    ``dbt_models-*`` of this asset) are considered: the project's own target files stay.
    """
    runs = sorted(
        (
            folder
            for folder in project_target.glob("dbt_models-*")
            if folder.is_dir() and (current is None or folder.resolve() != current.resolve())
        ),
        key=lambda folder: folder.stat().st_mtime,
        reverse=True,
    )
    removed = runs[max(keep - (current is not None), 0) :]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    name="dbt_models",
)
def dbt_models(  # noqa: ANN201
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
):
    invocation = dbt.cli(
        dbt_build_args(full_refresh=config.full_refresh, audit=config.audit), context=context
    )
    project_target = dbt_project.project_dir / dbt_project.target_path
    try:
        yield from invocation.stream()
        keep_parse_warm(invocation.target_path, project_target)
    finally:
        prune_run_targets(project_target, invocation.target_path)
