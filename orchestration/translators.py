"""Asset keys shared by the dlt and dbt assets, so lineage runs from raw tables to marts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator
from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData


class RawTableTranslator(DagsterDltTranslator):
    """Names each dlt resource ``[<dataset>, <table>]``, the key dbt sources point at."""

    def __init__(self, dataset_name: str, group_name: str) -> None:
        self.dataset_name = dataset_name
        self.group_name = group_name

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(
            key=dg.AssetKey([self.dataset_name, data.resource.table_name or data.resource.name]),
            deps=[],
            group_name=self.group_name,
        )


class ModelTranslator(DagsterDbtTranslator):
    """Keys dbt models by ``[<schema>, <model>]`` and groups them by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in {"model", "seed", "snapshot"}:
            schema = dbt_resource_props.get("config", {}).get("schema") or "main"
            return dg.AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        schema = dbt_resource_props.get("config", {}).get("schema")
        return schema or super().get_group_name(dbt_resource_props)


def mart_keys(keys: Iterable[dg.AssetKey]) -> list[dg.AssetKey]:
    """The dbt assets that land in the published ``marts`` schema."""
    return sorted((key for key in keys if key.path[0] == "marts"), key=lambda k: k.path)
