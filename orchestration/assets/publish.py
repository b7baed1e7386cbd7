"""The last step of a refresh: publish the marts for the dashboards."""

from collections.abc import Sequence

import dagster as dg

from orchestration.paths import marts_path, warehouse_path
from orchestration.publish import publish_marts


def build_publish_asset(mart_asset_keys: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """``publish_marts`` runs after every mart has been built and tested."""

    @dg.asset(
        name="published_marts",
        key_prefix=["vsm"],
        deps=list(mart_asset_keys),
        group_name="publish",
        kinds={"duckdb"},
        description=(
            "A read-only copy of the marts for the dashboards, swapped in atomically "
            "(marts.duckdb.tmp, then os.replace)."
        ),
    )
    def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        result = publish_marts(warehouse_path(), marts_path())
        context.log.info(f"published {len(result.tables)} tables to {result.path}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.path)),
                "tables": dg.MetadataValue.json(result.tables),
                "published_at": dg.MetadataValue.text(result.published_at.isoformat()),
            }
        )

    return published_marts
