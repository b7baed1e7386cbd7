"""dlt sources as Dagster assets: one multi-asset per tool, each table one asset."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import dagster as dg
import dlt
import requests
from dagster_dlt import DagsterDltResource, dlt_assets
from dlt.extract import DltSource

from ingestion.config import VsmConfig
from ingestion.pipelines import (
    config_pipeline,
    files_pipeline,
    github_pipeline,
    github_source_from_config,
    jira_pipeline,
    jira_source_from_config,
    pagerduty_pipeline,
    pagerduty_source_from_config,
    source_failure,
)
from ingestion.sources.files import files_source
from ingestion.sources.github import github_source
from ingestion.sources.jira import jira_source
from ingestion.sources.pagerduty import pagerduty_source
from ingestion.sources.vsm_config import vsm_config_source
from orchestration.paths import warehouse_path
from orchestration.translators import RawTableTranslator

WAREHOUSE_WRITE = {"vsm/warehouse": "write"}


@contextmanager
def source_errors() -> Iterator[None]:
    """Turn a source's failure into what a person needs.

    A source that said why it stopped (a bad token, an unknown repository) fails its
    asset with that one line and is not retried. dlt already retries single requests; a
    tool that stays unreachable gets the step retried by Dagster a little later.
    """
    try:
        yield
    except Exception as exc:
        reason = source_failure(exc)
        if reason is not None:
            raise dg.Failure(description=reason, allow_retries=False) from exc
        if _unreachable(exc):
            raise dg.RetryRequested(max_retries=2, seconds_to_wait=30) from exc
        raise


def _unreachable(exc: BaseException | None) -> bool:
    # dlt wraps the HTTP error in its own step exceptions: look down the chain.
    while exc is not None:
        if isinstance(exc, requests.ConnectionError | requests.Timeout):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _source_assets(
    name: str,
    dataset: str,
    spec_source: DltSource,
    pipeline: dlt.Pipeline,
    build_source: Callable[[], DltSource],
) -> dg.AssetsDefinition:
    """One multi-asset per source, each table an asset keyed ``[<dataset>, <table>]``.

    ``spec_source`` only names the tables; the source that runs is built at run time by
    ``build_source``, so credentials and folders are read then, not when definitions load.
    """

    @dlt_assets(
        dlt_source=spec_source,
        dlt_pipeline=pipeline,
        name=name,
        dagster_dlt_translator=RawTableTranslator(dataset, dataset),
        op_tags=WAREHOUSE_WRITE,
    )
    def source_tables(context: dg.AssetExecutionContext, dlt: DagsterDltResource):  # noqa: ANN202
        with source_errors():
            yield from dlt.run(context=context, dlt_source=build_source())

    return source_tables


def build_ingestion_assets(config: VsmConfig) -> list[dg.AssetsDefinition]:
    """The dlt assets for every enabled source of ``config``."""
    warehouse = warehouse_path()
    assets = [
        _source_assets(
            "vsm_config",
            "raw_config",
            vsm_config_source(config),
            config_pipeline(warehouse),
            lambda: vsm_config_source(config),
        )
    ]
    sources = config.sources
    if sources.github.enabled:
        assets.append(
            _source_assets(
                "github",
                "raw_github",
                github_source(repositories=config.repositories(), access_token="unused"),
                github_pipeline(warehouse),
                lambda: github_source_from_config(config),
            )
        )
    if sources.jira.enabled:
        assets.append(
            _source_assets(
                "jira",
                "raw_jira",
                jira_source(
                    projects=sources.jira.projects,
                    base_url=sources.jira.base_url or "https://your-domain.atlassian.net",
                    email="unused",
                    api_token="unused",
                ),
                jira_pipeline(warehouse),
                lambda: jira_source_from_config(config),
            )
        )
    if sources.pagerduty.enabled:
        assets.append(
            _source_assets(
                "pagerduty",
                "raw_pagerduty",
                pagerduty_source(api_token="unused"),
                pagerduty_pipeline(warehouse),
                lambda: pagerduty_source_from_config(config),
            )
        )
    if sources.files.enabled:
        assets.append(
            _source_assets(
                "files",
                "raw_files",
                files_source(folder=sources.files.folder),
                files_pipeline(warehouse),
                lambda: files_source(folder=sources.files.folder),
            )
        )
    return assets
