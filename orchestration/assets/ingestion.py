"""dlt sources as Dagster assets: one multi-asset per tool, each table one asset."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import requests
from dagster_dlt import DagsterDltResource, dlt_assets

from ingestion.config import VsmConfig
from ingestion.pipelines import (
    config_pipeline,
    github_pipeline,
    github_source_from_config,
    source_failure,
)
from ingestion.sources.github import github_source
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


def build_ingestion_assets(config: VsmConfig) -> list[dg.AssetsDefinition]:
    """The dlt assets for every enabled source of ``config``."""
    assets: list[dg.AssetsDefinition] = []

    @dlt_assets(
        dlt_source=vsm_config_source(config),
        dlt_pipeline=config_pipeline(warehouse_path()),
        name="vsm_config",
        dagster_dlt_translator=RawTableTranslator("raw_config", "raw_config"),
        op_tags=WAREHOUSE_WRITE,
    )
    def config_tables(context: dg.AssetExecutionContext, dlt: DagsterDltResource):  # noqa: ANN202
        yield from dlt.run(context=context, dlt_source=vsm_config_source(config))

    assets.append(config_tables)

    if config.sources.github.enabled:
        repositories = config.repositories()

        @dlt_assets(
            # The source is built again at run time so that credentials are read then,
            # not when the definitions load.
            dlt_source=github_source(repositories=repositories, access_token="unused"),
            dlt_pipeline=github_pipeline(warehouse_path()),
            name="github",
            dagster_dlt_translator=RawTableTranslator("raw_github", "raw_github"),
            op_tags=WAREHOUSE_WRITE,
        )
        def github_tables(context: dg.AssetExecutionContext, dlt: DagsterDltResource):  # noqa: ANN202
            with source_errors():
                source = github_source_from_config(config)
                yield from dlt.run(context=context, dlt_source=source)

        assets.append(github_tables)
    return assets
