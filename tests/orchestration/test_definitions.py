"""Loading every Dagster definition: assets, checks, the refresh job and its schedule."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import defs

ROOT = Path(__file__).resolve().parents[2]

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
    assert schedule.cron_schedule == "0 0-2,4-23 * * *"
    assert schedule.job_name == "refresh"
    selected = job.asset_layer.selected_asset_keys
    assert {key.to_user_string() for key in selected} >= RAW_TABLES | MODELS


def test_the_nightly_audit_takes_the_hour_the_hourly_refresh_skips() -> None:
    from datetime import UTC, datetime

    from dagster._utils.schedules import cron_string_iterator

    hourly = defs.resolve_schedule_def("hourly_refresh")
    nightly = defs.resolve_schedule_def("nightly_audit")
    assert nightly.job_name == "refresh"
    assert nightly.cron_schedule == "0 3 * * *"
    start = datetime(2026, 12, 1, tzinfo=UTC).timestamp()
    ticks = cron_string_iterator(start, hourly.cron_schedule, "UTC")
    day = [tick for tick in (next(ticks) for _ in range(30)) if tick.day == 1]
    assert [tick.hour for tick in day] == [h for h in range(24) if h != 3]

    with dg.build_schedule_context(scheduled_execution_time=datetime(2026, 12, 2, 3)) as context:
        request = nightly.evaluate_tick(context).run_requests[0]
    assert request.run_config == {
        "ops": {"dbt_models": {"config": {"audit": True, "full_refresh": False}}}
    }


def test_the_dbt_step_runs_the_audit_tests_only_when_told(monkeypatch) -> None:
    from orchestration.assets import transform

    calls: list[list[str]] = []

    class Invocation:
        target_path = None

        def stream(self):  # noqa: ANN202
            return iter(())

    def cli(args, context=None):  # noqa: ANN001, ANN202
        calls.append(list(args))
        return Invocation()

    monkeypatch.setattr(transform, "keep_parse_warm", lambda *a: None)
    monkeypatch.setattr(transform, "prune_run_targets", lambda *a: [])
    monkeypatch.setattr(transform, "build_fingerprint", lambda *a: "same")
    monkeypatch.setattr(transform, "needs_full_refresh", lambda *a: False)
    monkeypatch.setattr(transform, "remember_build", lambda *a: None)
    resource = type("Dbt", (), {"cli": staticmethod(cli)})()
    for settings in ({}, {"audit": True}, {"full_refresh": True}):
        context = dg.build_asset_context()
        list(
            transform.dbt_models.op.compute_fn.decorated_fn(
                context, resource, transform.DbtBuildConfig(**settings)
            )
        )
    assert "tag:audit" in calls[0][calls[0].index("--exclude") + 1]
    assert "--exclude" not in calls[1] and "--full-refresh" not in calls[1]
    assert "--full-refresh" in calls[2] and "--full-refresh" not in calls[0]
    assert transform.refresh_run_config() is None
    assert transform.refresh_run_config(full_refresh=True) == {
        "ops": {"dbt_models": {"config": {"audit": False, "full_refresh": True}}}
    }


def test_a_run_leaves_its_parse_for_the_next_one(tmp_path) -> None:
    from orchestration.assets.transform import keep_parse_warm

    run, project = tmp_path / "run", tmp_path / "target"
    run.mkdir()
    keep_parse_warm(run, project)  # a run that wrote no parse leaves nothing
    assert not project.exists()
    (run / "partial_parse.msgpack").write_bytes(b"parsed here")
    keep_parse_warm(run, project)
    assert (project / "partial_parse.msgpack").read_bytes() == b"parsed here"
    assert [p.name for p in project.iterdir()] == ["partial_parse.msgpack"]


def test_a_refresh_rebuilds_everything_when_the_project_or_the_config_changed(
    tmp_path, monkeypatch
) -> None:
    from orchestration.assets import transform

    project = tmp_path / "dbt_project"
    (project / "models" / "marts").mkdir(parents=True)
    (project / "macros").mkdir()
    (project / "dbt_project.yml").write_text("name: valuestream\n")
    model = project / "models" / "marts" / "fct_changes.sql"
    model.write_text("select 1 as change_key\n")
    config = tmp_path / "valuestream.yml"
    text = (ROOT / "valuestream.yml").read_text(encoding="utf-8")
    config.write_text(text, encoding="utf-8")

    first = transform.build_fingerprint(project, config)
    assert transform.build_fingerprint(project, config) == first
    model.write_text("select 2 as change_key\n")  # a new version of a model
    changed_model = transform.build_fingerprint(project, config)
    assert changed_model != first
    assert text.count("attribution_window_hours: 24") == 1
    wider = text.replace("attribution_window_hours: 24", "attribution_window_hours: 48")
    config.write_text(wider, encoding="utf-8")
    assert transform.build_fingerprint(project, config) != changed_model
    # The connectors' settings are not read by the models: no rebuild for them.
    marker = "    # GitHub Enterprise Server"
    assert text.count(marker) == 1
    config.write_text(text.replace(marker, "    incident_label: outage\n" + marker), "utf-8")
    assert transform.build_fingerprint(project, config) == changed_model

    built_from = tmp_path / "home" / transform.BUILT_FROM
    assert transform.needs_full_refresh(built_from, first)  # never recorded
    transform.remember_build(built_from, first)
    assert not transform.needs_full_refresh(built_from, first)
    assert transform.needs_full_refresh(built_from, changed_model)
    assert [p.name for p in built_from.parent.iterdir()] == [transform.BUILT_FROM]

    # The asset: a changed fingerprint makes the refresh a full one, and a successful build
    # records the new fingerprint (a failed one does not).
    calls: list[list[str]] = []

    class Invocation:
        target_path = None

        def __init__(self, fails: bool) -> None:
            self.fails = fails

        def stream(self):  # noqa: ANN202
            if self.fails:
                raise RuntimeError("dbt failed")
            return iter(())

    outcomes = iter([True, False, False])

    def cli(args, context=None):  # noqa: ANN001, ANN202
        calls.append(list(args))
        return Invocation(fails=next(outcomes))

    monkeypatch.setattr(transform, "keep_parse_warm", lambda *a: None)
    monkeypatch.setattr(transform, "prune_run_targets", lambda *a: [])
    monkeypatch.setattr(transform, "vsm_home", lambda: built_from.parent)
    monkeypatch.setattr(transform, "build_fingerprint", lambda *a: changed_model)
    resource = type("Dbt", (), {"cli": staticmethod(cli)})()

    def refresh() -> None:
        list(
            transform.dbt_models.op.compute_fn.decorated_fn(
                dg.build_asset_context(), resource, transform.DbtBuildConfig()
            )
        )

    with pytest.raises(RuntimeError):
        refresh()  # changed, and the build fails: nothing recorded
    assert not transform.needs_full_refresh(built_from, first)
    refresh()  # still changed: full again, and recorded
    refresh()  # unchanged: incremental
    assert ["--full-refresh" in args for args in calls] == [True, True, False]
    assert not transform.needs_full_refresh(built_from, changed_model)


def test_a_run_keeps_the_target_folders_of_the_newest_runs_only(tmp_path, monkeypatch) -> None:
    from orchestration.assets.transform import prune_run_targets

    project = tmp_path / "target"
    runs = [project / f"dbt_models-run{number}-abcdef0" for number in range(8)]
    for age, folder in enumerate(reversed(runs)):  # run7 is the newest
        (folder / "compiled").mkdir(parents=True)
        (folder / "dbt.log").write_text("log")
        os.utime(folder, (1_000_000 - age * 3600, 1_000_000 - age * 3600))
    (project / "partial_parse.msgpack").write_bytes(b"parsed")
    (project / "compiled").mkdir()
    current = runs[0]  # the oldest folder is this run's own: it is never removed
    removed = prune_run_targets(project, current, keep=3)
    assert sorted(p.name for p in removed) == sorted(r.name for r in runs[1:6])
    assert sorted(p.name for p in project.iterdir()) == sorted(
        ["compiled", "partial_parse.msgpack", runs[0].name, runs[6].name, runs[7].name]
    )
    # Without a current run the newest `keep` stay, by age; nothing else is touched.
    assert prune_run_targets(project, None, keep=1) == [runs[6], runs[0]]
    # How many: VSM_DBT_RUNS_KEPT, a whole number; anything else stops the step, named.
    from orchestration.assets.transform import run_targets_kept

    monkeypatch.delenv("VSM_DBT_RUNS_KEPT", raising=False)
    assert run_targets_kept() == 5
    monkeypatch.setenv("VSM_DBT_RUNS_KEPT", "12")
    assert run_targets_kept() == 12
    monkeypatch.setenv("VSM_DBT_RUNS_KEPT", "five")
    with pytest.raises(ValueError, match="VSM_DBT_RUNS_KEPT .* got 'five'"):
        run_targets_kept()
    assert sorted(p.name for p in project.iterdir()) == sorted(
        ["compiled", "partial_parse.msgpack", runs[7].name]
    )


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
