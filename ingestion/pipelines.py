"""The dlt pipelines Valuestream runs, built the same way everywhere (CLI, Dagster, tests).

Every pipeline writes into one DuckDB warehouse file, keeps its working state under
`$VSM_HOME/dlt` (never `~/.dlt`) and runs with dlt's telemetry switched off.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dlt
from dlt.extract import DltSource

from ingestion.config import VsmConfig

GITHUB_PIPELINE = "vsm_github"
GITHUB_DATASET = "raw_github"
CONFIG_PIPELINE = "vsm_config"
CONFIG_DATASET = "raw_config"
FILES_PIPELINE = "vsm_files"
FILES_DATASET = "raw_files"
PAGERDUTY_PIPELINE = "vsm_pagerduty"
PAGERDUTY_DATASET = "raw_pagerduty"
JIRA_PIPELINE = "vsm_jira"
JIRA_DATASET = "raw_jira"

# dlt 1.31 reads telemetry from `runtime.dlthub_telemetry`; it is decided once per process,
# when the first pipeline is created, so it is set as soon as this module is imported.
os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
# Merges go through `<dataset>_staging` tables; emptied after each load, they hold no
# second copy of the raw data in the warehouse.
os.environ.setdefault("LOAD__TRUNCATE_STAGING_DATASET", "true")
# The extract and normalize steps write their files for the local load uncompressed: they
# live minutes in the pipeline's working folder, and gzip was an eighth of the extraction's
# CPU time on a large first load.
os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")


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


def files_pipeline(
    warehouse: str | Path | None = None, working_dir: str | Path | None = None
) -> dlt.Pipeline:
    """Pipeline `vsm_files` loading the drop folder's files into schema `raw_files`."""
    return _pipeline(FILES_PIPELINE, FILES_DATASET, warehouse, working_dir)


def pagerduty_pipeline(
    warehouse: str | Path | None = None, working_dir: str | Path | None = None
) -> dlt.Pipeline:
    """Pipeline `vsm_pagerduty` loading the PagerDuty source into schema `raw_pagerduty`."""
    return _pipeline(PAGERDUTY_PIPELINE, PAGERDUTY_DATASET, warehouse, working_dir)


def jira_pipeline(
    warehouse: str | Path | None = None, working_dir: str | Path | None = None
) -> dlt.Pipeline:
    """Pipeline `vsm_jira` loading the Jira source into schema `raw_jira`."""
    return _pipeline(JIRA_PIPELINE, JIRA_DATASET, warehouse, working_dir)


def github_source_from_config(config: VsmConfig, **kwargs: Any) -> DltSource:
    """The GitHub source for every configured repository.

    The API URL comes from `SOURCES__GITHUB__API_URL` when set, else from `valuestream.yml`,
    as do the incident label and the deploy workflows (`sources.github`); the token is
    resolved by dlt (`SOURCES__GITHUB__ACCESS_TOKEN` or `.dlt/secrets.toml`).
    """
    from ingestion.sources.github import github_source

    section = config.sources.github
    kwargs.setdefault("api_url", os.environ.get("SOURCES__GITHUB__API_URL") or section.api_url)
    kwargs.setdefault("incident_label", section.incident_label)
    kwargs.setdefault("deploy_workflow_patterns", dict(section.deploy_workflows))
    return github_source(config.repositories(), **kwargs)


def pagerduty_source_from_config(
    config: VsmConfig,
    api_url: str | None = None,
    service_ids: Sequence[str] | None = None,
    **kwargs: Any,
) -> DltSource:
    """The PagerDuty source of the configured services (every service when none are named).

    The API URL comes from `api_url`, else `SOURCES__PAGERDUTY__API_URL`, else the config's
    `sources.pagerduty.api_url` (when that section exists), else PagerDuty's; the service
    ids from `service_ids`, else `sources.pagerduty.service_ids`. The token is resolved by dlt
    (`SOURCES__PAGERDUTY__API_TOKEN` or `.dlt/secrets.toml`).
    """
    from ingestion.sources.pagerduty import pagerduty_source
    from ingestion.sources.pagerduty.settings import DEFAULT_API_URL

    section = getattr(config.sources, "pagerduty", None)
    api_url = (
        api_url
        or os.environ.get("SOURCES__PAGERDUTY__API_URL")
        or getattr(section, "api_url", None)
        or DEFAULT_API_URL
    )
    if service_ids is None:
        service_ids = getattr(section, "service_ids", None)
    return pagerduty_source(service_ids=service_ids, api_url=api_url, **kwargs)


def jira_source_from_config(
    config: VsmConfig,
    base_url: str | None = None,
    projects: Sequence[str] | None = None,
    **kwargs: Any,
) -> DltSource:
    """The Jira source of the configured projects.

    The base URL comes from `base_url`, else `SOURCES__JIRA__BASE_URL`, else the config's
    `sources.jira.base_url` (when that section exists); the project keys from `projects`,
    else `sources.jira.projects`. The e-mail and API token are resolved by dlt
    (`SOURCES__JIRA__EMAIL`, `SOURCES__JIRA__API_TOKEN` or `.dlt/secrets.toml`).
    """
    from ingestion.sources.jira import jira_source

    section = getattr(config.sources, "jira", None)
    base_url = (
        base_url or os.environ.get("SOURCES__JIRA__BASE_URL") or getattr(section, "base_url", None)
    )
    if projects is None:
        projects = getattr(section, "projects", None) or []
    if base_url is not None:
        kwargs.setdefault("base_url", base_url)
    return jira_source(list(projects), **kwargs)


def source_failure(exc: BaseException) -> str | None:
    """The one-line reason a source stopped (bad token, unknown repository...), found in
    the chain of exceptions dlt wraps around it; None when a source did not say."""
    from ingestion.sources.github import GitHubSourceError
    from ingestion.sources.jira import JiraSourceError
    from ingestion.sources.pagerduty import PagerDutySourceError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, GitHubSourceError | JiraSourceError | PagerDutySourceError):
            return str(current)
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def config_source_from_config(config: VsmConfig) -> DltSource:
    """The source that loads `valuestream.yml` itself into `raw_config`."""
    from ingestion.sources.vsm_config import vsm_config_source

    return vsm_config_source(config)
