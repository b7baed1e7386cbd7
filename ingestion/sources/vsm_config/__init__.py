"""The value streams, teams, repositories, Jira projects and flow mappings of
`valuestream.yml`, as warehouse tables.

dbt joins these like any other source (schema `raw_config`), so the marts can slice every
metric by value stream, team and service without reading the YAML file themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import dlt
from dlt.extract import DltResource

from ingestion.config import VsmConfig


def _column(data_type: str, nullable: bool = False) -> dict[str, Any]:
    # A fresh dict per column: dlt writes the column name into the hint it is given.
    return {"data_type": data_type, "nullable": nullable}


VALUE_STREAM_COLUMNS: dict[str, Any] = {
    "value_stream_id": _column("text"),
    "name": _column("text"),
    "timezone": _column("text"),
    "production_pattern": _column("text"),
    "attribution_window_hours": _column("bigint"),
    # JSON arrays of strings, e.g. ["hotfix"]: the hotfix markers of the stream.
    "hotfix_labels": _column("text"),
    "hotfix_branch_prefixes": _column("text"),
}
TEAM_COLUMNS: dict[str, Any] = {
    "team_id": _column("text"),
    "name": _column("text"),
    "value_stream_id": _column("text"),
}
REPOSITORY_COLUMNS: dict[str, Any] = {
    "repository": _column("text"),
    "owner": _column("text"),
    "name": _column("text"),
    "value_stream_id": _column("text"),
    "team_id": _column("text", nullable=True),
    "service": _column("text"),
}
JIRA_PROJECT_COLUMNS: dict[str, Any] = {
    "project_key": _column("text"),
    "team_id": _column("text"),
    "value_stream_id": _column("text"),
}
FLOW_TYPE_RULE_COLUMNS: dict[str, Any] = {
    "value_stream_id": _column("text"),
    "rule_order": _column("bigint"),
    "flow_item_type": _column("text"),
    # lowercase, '-' and '_' as spaces
    "match_text": _column("text"),
}
FLOW_STATUS_STATE_COLUMNS: dict[str, Any] = {
    "value_stream_id": _column("text"),
    # lowercase
    "status_name": _column("text"),
    "flow_state": _column("text"),
}
FLOW_STAGE_COLUMNS: dict[str, Any] = {
    "value_stream_id": _column("text"),
    "stage_position": _column("bigint"),
    # lowercase
    "status_name": _column("text"),
}


@dlt.source(name="vsm_config", max_table_nesting=0)
def vsm_config_source(config: VsmConfig) -> Sequence[DltResource]:
    """Tables `value_streams`, `teams`, `repositories`, `jira_projects`, `flow_type_rules`,
    `flow_status_states` and `flow_stages`, replaced on every run."""

    @dlt.resource(
        write_disposition="replace",
        primary_key="value_stream_id",
        columns=VALUE_STREAM_COLUMNS,
        file_format="parquet",
    )
    def value_streams() -> Iterator[dict[str, Any]]:
        for stream in config.value_stream_settings():
            row = stream.model_dump()
            for key in ("hotfix_labels", "hotfix_branch_prefixes"):
                row[key] = json.dumps(list(row[key]))
            yield row

    @dlt.resource(
        write_disposition="replace",
        primary_key="team_id",
        columns=TEAM_COLUMNS,
        file_format="parquet",
    )
    def teams() -> Iterator[dict[str, Any]]:
        for team in config.teams():
            yield team.model_dump()

    @dlt.resource(
        write_disposition="replace",
        primary_key="repository",
        columns=REPOSITORY_COLUMNS,
        file_format="parquet",
    )
    def repositories() -> Iterator[dict[str, Any]]:
        for repo in config.repositories():
            yield {
                "repository": repo.repo,
                "owner": repo.owner,
                "name": repo.name,
                "value_stream_id": repo.value_stream_id,
                "team_id": repo.team_id,
                "service": repo.service,
            }

    @dlt.resource(
        write_disposition="replace",
        primary_key="project_key",
        columns=JIRA_PROJECT_COLUMNS,
        file_format="parquet",
    )
    def jira_projects() -> Iterator[dict[str, Any]]:
        for project in config.jira_projects():
            yield project.model_dump()

    @dlt.resource(
        write_disposition="replace",
        primary_key=["value_stream_id", "rule_order", "match_text"],
        columns=FLOW_TYPE_RULE_COLUMNS,
        file_format="parquet",
    )
    def flow_type_rules() -> Iterator[dict[str, Any]]:
        for rule in config.flow_type_rules():
            yield rule.model_dump()

    @dlt.resource(
        write_disposition="replace",
        primary_key=["value_stream_id", "status_name"],
        columns=FLOW_STATUS_STATE_COLUMNS,
        file_format="parquet",
    )
    def flow_status_states() -> Iterator[dict[str, Any]]:
        for row in config.flow_status_states():
            yield row.model_dump()

    @dlt.resource(
        write_disposition="replace",
        primary_key=["value_stream_id", "stage_position"],
        columns=FLOW_STAGE_COLUMNS,
        file_format="parquet",
    )
    def flow_stages() -> Iterator[dict[str, Any]]:
        for row in config.flow_stages():
            yield row.model_dump()

    return (
        value_streams,
        teams,
        repositories,
        jira_projects,
        flow_type_rules,
        flow_status_states,
        flow_stages,
    )
