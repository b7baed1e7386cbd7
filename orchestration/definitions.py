"""The one entry point Dagster loads: every asset, check, job, schedule and resource."""

from __future__ import annotations

import os

import dagster as dg
from dagster_dlt import DagsterDltResource

from ingestion.config import load_config
from orchestration.assets.forecast import FORECAST_KEY, mart_flow_forecast
from orchestration.assets.ingestion import WAREHOUSE_WRITE, build_ingestion_assets
from orchestration.assets.publish import build_publish_asset
from orchestration.assets.transform import AUDIT_RUN_CONFIG, dbt_models, dbt_resource
from orchestration.paths import config_path, disable_telemetry
from orchestration.translators import mart_keys

disable_telemetry()

# An invalid config stops here, before anything runs: load_config raises ConfigError
# naming the file, the key path and what was expected.
config = load_config(config_path())

ingestion_assets = build_ingestion_assets(config)
# The forecast writes its mart after dbt; the publish step waits for it too.
published_marts = build_publish_asset([*mart_keys(dbt_models.keys), FORECAST_KEY])

refresh_job = dg.define_asset_job(
    name="refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest every source, build and test the dbt models, publish the marts.",
    tags=WAREHOUSE_WRITE,
    # One process: DuckDB has a single writer, and the steps run one after another.
    executor_def=dg.in_process_executor,
)

hourly_refresh = dg.ScheduleDefinition(
    name="hourly_refresh",
    job=refresh_job,
    # Every hour but 03:00, when the nightly audit runs the same refresh.
    cron_schedule="0 0-2,4-23 * * *",
    execution_timezone="UTC",
    default_status=(
        dg.DefaultScheduleStatus.STOPPED
        if os.environ.get("VSM_SCHEDULE", "on") == "off"
        else dg.DefaultScheduleStatus.RUNNING
    ),
    description=(
        "Refresh every hour; the nightly audit takes 03:00 (set VSM_SCHEDULE=off to start "
        "it stopped)."
    ),
)

# Each night's 03:00 refresh also runs dbt's audit tests (tag:audit): every incremental
# model equals a rebuild of its whole history. They cost in proportion to the history, so
# the hourly refreshes leave them out; a failure fails the run and blocks publishing.
nightly_audit = dg.ScheduleDefinition(
    name="nightly_audit",
    job=refresh_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    run_config=AUDIT_RUN_CONFIG,
    default_status=hourly_refresh.default_status,
    description=(
        "The 03:00 refresh also checks that each incremental model equals a full rebuild."
    ),
)

defs = dg.Definitions(
    assets=[*ingestion_assets, dbt_models, mart_flow_forecast, published_marts],
    jobs=[refresh_job],
    schedules=[hourly_refresh, nightly_audit],
    resources={"dlt": DagsterDltResource(), "dbt": dbt_resource()},
)
