"""Loading every Dagster definition: assets, checks, the refresh job and its schedule."""

from __future__ import annotations

import dagster as dg

from orchestration.definitions import defs

RAW_TABLES = {
    "raw_github/deployments",
    "raw_github/deployment_statuses",
    "raw_github/deployment_ranges",
    "raw_github/deployment_commits",
    "raw_github/commits",
    "raw_github/pull_requests",
    "raw_github/pull_request_reviews",
    "raw_github/pull_request_commits",
    "raw_github/check_runs",
    "raw_github/releases",
    "raw_github/issues",
    "raw_github/workflow_runs",
    "raw_config/value_streams",
    "raw_config/teams",
    "raw_config/repositories",
    "raw_jira/issues",
    "raw_jira/changelog_items",
    "raw_jira/statuses",
    "raw_jira/versions",
    "raw_pagerduty/incidents",
    "raw_pagerduty/log_entries",
    "raw_pagerduty/services",
    "raw_files/environment_bookings",
}
MODELS = {
    "staging/stg_github__deployments",
    "staging/stg_github__deployment_statuses",
    "intermediate/int_deployments_unified",
    "marts/fct_deployments",
    "marts/dim_value_streams",
    "marts/mart_dora_deployment_frequency",
    "seeds/dora_benchmarks",
}


def _keys() -> set[str]:
    return {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}


def test_every_expected_asset_is_defined() -> None:
    keys = _keys()
    assert keys >= RAW_TABLES
    assert keys >= MODELS
    assert "vsm/published_marts" in keys


def test_lineage_runs_from_raw_tables_to_the_published_marts() -> None:
    graph = defs.resolve_asset_graph()
    staging = graph.get(dg.AssetKey(["staging", "stg_github__deployments"]))
    assert dg.AssetKey(["raw_github", "deployments"]) in staging.parent_keys
    published = graph.get(dg.AssetKey(["vsm", "published_marts"]))
    assert dg.AssetKey(["marts", "mart_dora_deployment_frequency"]) in published.parent_keys
    assert all(key.path[0] == "marts" for key in published.parent_keys)


def test_dbt_tests_are_asset_checks() -> None:
    checks = defs.resolve_asset_graph().asset_check_keys
    checked = {check.asset_key.to_user_string() for check in checks}
    assert "marts/fct_deployments" in checked


def test_refresh_job_covers_everything_and_runs_hourly() -> None:
    job = defs.resolve_job_def("refresh")
    assert job.tags["vsm/warehouse"] == "write"
    schedule = defs.resolve_schedule_def("hourly_refresh")
    assert schedule.cron_schedule == "0 * * * *"
    assert schedule.job_name == "refresh"
    selected = job.asset_layer.selected_asset_keys
    assert {key.to_user_string() for key in selected} >= RAW_TABLES | MODELS


def test_every_source_joins_when_enabled_and_folders_come_from_the_config(
    tmp_path, monkeypatch
) -> None:
    from pathlib import Path

    from ingestion.config import load_config
    from orchestration.assets.ingestion import build_ingestion_assets

    root = Path(__file__).resolve().parents[2]
    text = (root / "valuestream.yml").read_text()
    text = text.replace("  files:\n", "  files:\n    folder: " + str(tmp_path / "drop") + "\n", 1)
    config_file = tmp_path / "valuestream.yml"
    config_file.write_text(text)
    monkeypatch.setenv("VSM_HOME", str(tmp_path / "home"))

    config = load_config(config_file)
    assert config.sources.enabled() == ["github", "jira", "pagerduty", "files"]
    keys = {
        key.to_user_string() for assets in build_ingestion_assets(config) for key in assets.keys
    }
    assert keys >= {
        "raw_jira/issues",
        "raw_jira/changelog_items",
        "raw_pagerduty/incidents",
        "raw_pagerduty/log_entries",
        "raw_files/deployments",
        "raw_files/incidents",
        "raw_files/work_items",
        "raw_files/environment_bookings",
    }


def test_forecast_runs_after_dbt_and_before_publishing() -> None:
    graph = defs.resolve_asset_graph()
    forecast = dg.AssetKey(["marts", "mart_flow_forecast"])
    assert dg.AssetKey(["marts", "fct_work_items"]) in graph.get(forecast).parent_keys
    assert forecast in graph.get(dg.AssetKey(["vsm", "published_marts"])).parent_keys
    assert forecast in defs.resolve_job_def("refresh").asset_layer.executable_asset_keys
