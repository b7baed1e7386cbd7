"""dbt models, seeds and tests as Dagster assets and asset checks."""

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from pydantic import Field

from ingestion.config import load_config
from ingestion.pipelines import vsm_home
from orchestration.dbt_args import dbt_build_args
from orchestration.paths import DBT_PROJECT_DIR, config_path
from orchestration.translators import ModelTranslator

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

translator = ModelTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

PARTIAL_PARSE = "partial_parse.msgpack"
# dagster-dbt gives each run a target folder of its own (compiled SQL, the log, the
# artifacts: about 20 MB on the sandbox); the refresh keeps the newest few for a look after
# a failure, else an hourly schedule would fill the disk (some 170 GB a year).
RUN_TARGETS_KEPT = 5
# What the warehouse's incremental models were last built from (build_fingerprint), in
# VSM_HOME: a refresh that finds something else rebuilds them from the whole history.
BUILT_FROM = "dbt_built_from.sha256"
# The dbt project's files whose change can change what a model writes.
PROJECT_CODE = ("dbt_project.yml", "models", "macros", "seeds")


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
            "after a failed audit. A refresh does it by itself when the dbt project or the "
            "config changed since the last build."
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
    if written.exists():
        _replace_atomically(project_target / PARTIAL_PARSE, written.read_bytes())


def _replace_atomically(path: Path, content: bytes) -> None:
    """Write `path` whole or not at all: a concurrent reader sees the old file or the new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{os.getpid()}")
    staged.write_bytes(content)
    os.replace(staged, path)


def run_targets_kept() -> int:
    """How many dbt run folders to keep: ``VSM_DBT_RUNS_KEPT``, default 5."""
    raw = os.environ.get("VSM_DBT_RUNS_KEPT", "").strip() or str(RUN_TARGETS_KEPT)
    if not raw.isdigit():
        raise ValueError(
            f"VSM_DBT_RUNS_KEPT must be a whole number of runs to keep (0 or more), got {raw!r}"
        )
    return int(raw)


def prune_run_targets(project_target: Path, current: Path | None, keep: int) -> list[Path]:
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


def build_fingerprint(project_dir: Path, config_file: Path) -> str:
    """A digest of what the incremental models are built from: the dbt project's code
    (``PROJECT_CODE``: models, macros, seeds and dbt_project.yml) and the config the
    models read (every section of ``valuestream.yml`` but ``sources``, which only the
    connectors read).

    An incremental model rewrites only the rows its lookback reaches, so a new production
    pattern, attribution window, repository mapping or flow setting, or a new version of a
    model, would otherwise reach the older rows only at a full refresh.
    """
    digest = hashlib.sha256()
    for name in PROJECT_CODE:
        root = project_dir / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file():
                digest.update(path.relative_to(project_dir).as_posix().encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    settings = load_config(config_file).model_dump(mode="json", exclude={"sources"})
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def needs_full_refresh(built_from: Path, fingerprint: str) -> bool:
    """Whether the warehouse was last built from something other than ``fingerprint``
    (or the build was never recorded: a warehouse of an earlier version, a new one)."""
    try:
        return built_from.read_text(encoding="utf-8").strip() != fingerprint
    except FileNotFoundError:
        return True


def remember_build(built_from: Path, fingerprint: str) -> None:
    """Record what a successful build was built from."""
    _replace_atomically(built_from, (fingerprint + "\n").encode())


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    name="dbt_models",
)
def dbt_models(  # noqa: ANN201
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
):
    runs_kept = run_targets_kept()
    built_from = vsm_home() / BUILT_FROM
    fingerprint = build_fingerprint(dbt_project.project_dir, config_path())
    full_refresh = config.full_refresh or needs_full_refresh(built_from, fingerprint)
    if full_refresh and not config.full_refresh:
        context.log.info(
            "The dbt project or the config changed since the warehouse was last built (or "
            "it was never built by this version): the incremental models are rebuilt from "
            "the whole history."
        )
    invocation = dbt.cli(
        dbt_build_args(full_refresh=full_refresh, audit=config.audit), context=context
    )
    project_target = dbt_project.project_dir / dbt_project.target_path
    try:
        yield from invocation.stream()
        keep_parse_warm(invocation.target_path, project_target)
        remember_build(built_from, fingerprint)
    finally:
        prune_run_targets(project_target, invocation.target_path, runs_kept)
