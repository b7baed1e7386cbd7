"""The Monte Carlo forecast of flow, a Python step after dbt (metrics.md 3)."""

import os

import dagster as dg

from orchestration.assets.ingestion import WAREHOUSE_WRITE
from orchestration.forecast import (
    FORECAST_SCHEMA,
    FORECAST_TABLE,
    ForecastSettings,
    as_of_instant,
    write_forecast,
)
from orchestration.paths import warehouse_path

DEFAULTS = ForecastSettings()
FORECAST_KEY = dg.AssetKey([FORECAST_SCHEMA, FORECAST_TABLE])
INPUT_KEYS = [
    dg.AssetKey([FORECAST_SCHEMA, "fct_work_items"]),
    dg.AssetKey([FORECAST_SCHEMA, "dim_value_streams"]),
]


class ForecastConfig(dg.Config):
    """What the forecast simulates; every field has the default of metrics.md 3."""

    history_weeks: int = DEFAULTS.history_weeks
    trials: int = DEFAULTS.trials
    seed: int = DEFAULTS.seed
    confidences: list[float] = list(DEFAULTS.confidences)
    horizon_weeks: int = DEFAULTS.horizon_weeks
    item_targets: list[int] = list(DEFAULTS.item_targets)

    def settings(self) -> ForecastSettings:
        return ForecastSettings(
            history_weeks=self.history_weeks,
            trials=self.trials,
            seed=self.seed,
            confidences=tuple(self.confidences),
            horizon_weeks=self.horizon_weeks,
            item_targets=tuple(self.item_targets),
        )


@dg.asset(
    key=FORECAST_KEY,
    deps=INPUT_KEYS,
    group_name=FORECAST_SCHEMA,
    kinds={"python", "duckdb"},
    op_tags=WAREHOUSE_WRITE,
    description=(
        "Monte Carlo forecast per value stream over the daily throughput of the last weeks "
        "of completed flow items: items done by each coming week's end and the date N "
        "items are done (the current WIP and fixed counts), at 50/85/95% confidence."
    ),
)
def mart_flow_forecast(
    context: dg.AssetExecutionContext, config: ForecastConfig
) -> dg.MaterializeResult:
    settings = config.settings()
    as_of = as_of_instant(os.environ.get("VSM_AS_OF"))
    written = write_forecast(warehouse_path(), settings, as_of)
    context.log.info(f"forecast {len(written)} value streams as of {as_of.isoformat()}")
    return dg.MaterializeResult(
        metadata={
            "rows_per_value_stream": dg.MetadataValue.json(written),
            "as_of": dg.MetadataValue.text(as_of.isoformat()),
            "trials": settings.trials,
            "seed": settings.seed,
            "history_weeks": settings.history_weeks,
        }
    )
