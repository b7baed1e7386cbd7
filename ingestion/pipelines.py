"""The dlt pipelines Valuestream runs, built the same way everywhere (CLI, Dagster, tests).

Every pipeline writes into one DuckDB warehouse file, keeps its working state under
`$VSM_HOME/dlt` (never `~/.dlt`) and runs with dlt's telemetry switched off.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dlt
from dlt.extract import DltSource

from ingestion.config import VsmConfig

GITHUB_PIPELINE = "vsm_github"
GITHUB_DATASET = "raw_github"
CONFIG_PIPELINE = "vsm_config"
CONFIG_DATASET = "raw_config"

# dlt 1.31 reads telemetry from `runtime.dlthub_telemetry`; it is decided once per process,
# when the first pipeline is created, so it is set as soon as this module is imported.
os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
# Merges go through `<dataset>_staging` tables; emptied after each load, they hold no
# second copy of the raw data in the warehouse.
os.environ.setdefault("LOAD__TRUNCATE_STAGING_DATASET", "true")


def vsm_home() -> Path:
    """The data folder: `$VSM_HOME`, default `./.vsm`."""
    return Path(os.environ.get("VSM_HOME") or ".vsm")


def warehouse_path() -> Path:
    """The DuckDB warehouse: `$VSM_WAREHOUSE`, default `$VSM_HOME/warehouse.duckdb`."""
    override = os.environ.get("VSM_WAREHOUSE")
    return Path(override) if override else vsm_home() / "warehouse.duckdb"


def pipelines_dir() -> Path:
    """Where dlt keeps pipeline state and load packages: `$VSM_HOME/dlt`."""
    return vsm_home() / "dlt"


def _pipeline(
    name: str, dataset: str, warehouse: str | Path | None, working_dir: str | Path | None
) -> dlt.Pipeline:
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    warehouse = Path(warehouse) if warehouse is not None else warehouse_path()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    working_dir = Path(working_dir) if working_dir is not None else pipelines_dir()
    working_dir.mkdir(parents=True, exist_ok=True)
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(credentials=str(warehouse)),
        dataset_name=dataset,
        pipelines_dir=str(working_dir),
    )


def github_pipeline(
    warehouse: str | Path | None = None, working_dir: str | Path | None = None
) -> dlt.Pipeline:
    """Pipeline `vsm_github` loading the GitHub source into schema `raw_github`."""
    return _pipeline(GITHUB_PIPELINE, GITHUB_DATASET, warehouse, working_dir)


def config_pipeline(
    warehouse: str | Path | None = None, working_dir: str | Path | None = None
) -> dlt.Pipeline:
    """Pipeline `vsm_config` loading `valuestream.yml` into schema `raw_config`."""
    return _pipeline(CONFIG_PIPELINE, CONFIG_DATASET, warehouse, working_dir)


def github_source_from_config(config: VsmConfig, **kwargs: Any) -> DltSource:
    """The GitHub source for every configured repository.

    The API URL comes from `SOURCES__GITHUB__API_URL` when set, else from `valuestream.yml`;
    the token is resolved by dlt (`SOURCES__GITHUB__ACCESS_TOKEN` or `.dlt/secrets.toml`).
    """
    from ingestion.sources.github import github_source

    kwargs.setdefault(
        "api_url", os.environ.get("SOURCES__GITHUB__API_URL") or config.sources.github.api_url
    )
    return github_source(config.repositories(), **kwargs)


def source_failure(exc: BaseException) -> str | None:
    """The one-line reason a source stopped (bad token, unknown repository...), found in
    the chain of exceptions dlt wraps around it; None when a source did not say."""
    from ingestion.sources.github import GitHubSourceError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, GitHubSourceError):
            return str(current)
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def config_source_from_config(config: VsmConfig) -> DltSource:
    """The source that loads `valuestream.yml` itself into `raw_config`."""
    from ingestion.sources.vsm_config import vsm_config_source

    return vsm_config_source(config)
