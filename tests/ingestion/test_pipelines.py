"""Pipelines: where they write, telemetry, and the config tables they load."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

from ingestion.config import load_config
from ingestion.pipelines import config_pipeline, github_pipeline
from ingestion.sources.vsm_config import vsm_config_source

ROOT = Path(__file__).resolve().parents[2]


def test_pipelines_use_vsm_home_and_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("VSM_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VSM_WAREHOUSE", raising=False)
    github = github_pipeline()
    config = config_pipeline(tmp_path / "elsewhere.duckdb")

    assert (github.pipeline_name, github.dataset_name) == ("vsm_github", "raw_github")
    assert (config.pipeline_name, config.dataset_name) == ("vsm_config", "raw_config")
    assert Path(github.pipelines_dir) == tmp_path / "home" / "dlt"
    assert github.destination.destination_name == "duckdb"
    assert Path(github.destination_client().config.credentials.database) == (
        tmp_path / "home" / "warehouse.duckdb"
    )
    assert Path(config.destination_client().config.credentials.database) == (
        tmp_path / "elsewhere.duckdb"
    )
    assert os.environ["RUNTIME__DLTHUB_TELEMETRY"] == "false"


def test_config_tables_are_loaded_and_replaced(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    pipeline = config_pipeline(warehouse, tmp_path / "dlt")
    pipeline.run(vsm_config_source(load_config(ROOT / "valuestream.yml")))

    with duckdb.connect(str(warehouse), read_only=True) as con:
        streams = con.sql(
            "select value_stream_id, name, timezone, production_pattern, attribution_window_hours,"
            " hotfix_labels, hotfix_branch_prefixes from raw_config.value_streams order by 1"
        ).fetchall()
        teams = con.sql("select team_id, name, value_stream_id from raw_config.teams order by 1")
        teams = teams.fetchall()
        repos = con.sql(
            "select repository, owner, name, value_stream_id, team_id, service"
            " from raw_config.repositories order by 1"
        ).fetchall()
        projects = con.sql(
            "select project_key, team_id, value_stream_id from raw_config.jira_projects order by 1"
        ).fetchall()
        rules = con.sql(
            "select rule_order, flow_item_type, match_text from raw_config.flow_type_rules"
            " where value_stream_id = 'storefront' order by 1, 3"
        ).fetchall()
    assert projects == [
        ("BIL", "billing", "payments"),
        ("CAT", "catalog", "storefront"),
        ("CHK", "checkout", "payments"),
        ("SRC", "search", "storefront"),
    ]
    assert rules == [
        (1, "feature", "feature"),
        (1, "feature", "improvement"),
        (1, "feature", "requirement"),
        (1, "feature", "story"),
        (2, "defect", "bug"),
        (2, "defect", "defect"),
        (2, "defect", "problem"),
        (3, "risk", "compliance"),
        (3, "risk", "security"),
        (3, "risk", "vulnerability"),
        (4, "debt", "chore"),
        (4, "debt", "refactor"),
        (4, "debt", "tech debt"),
    ]
    assert streams == [
        ("payments", "Payments", "UTC", "^prod(uction)?$", 24, '["hotfix"]', '["hotfix/"]'),
        (
            "storefront",
            "Storefront",
            "Europe/Berlin",
            "^prod(uction)?$",
            24,
            '["hotfix"]',
            '["hotfix/"]',
        ),
    ]
    assert teams == [
        ("billing", "Billing", "payments"),
        ("catalog", "Catalog", "storefront"),
        ("checkout", "Checkout", "payments"),
        ("search", "Search", "storefront"),
    ]
    assert repos[0] == (
        "acme/billing-service",
        "acme",
        "billing-service",
        "payments",
        "billing",
        "billing-service",
    )
    assert len(repos) == 6

    smaller = tmp_path / "smaller.yml"
    smaller.write_text(
        textwrap.dedent(
            """\
            value_streams:
              - id: solo
                name: Solo
                repositories: [acme/one]
            """
        )
    )
    pipeline.run(vsm_config_source(load_config(smaller)))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.sql("select value_stream_id from raw_config.value_streams").fetchall() == [
            ("solo",)
        ]
        assert con.sql("select repository, team_id from raw_config.repositories").fetchall() == [
            ("acme/one", None)
        ]
        assert con.sql("select count(*) from raw_config.teams").fetchall() == [(0,)]


def test_nothing_is_written_to_the_home_directory(tmp_path):
    home, vsm = tmp_path / "home", tmp_path / "vsm"
    home.mkdir()
    script = textwrap.dedent(
        f"""
        from ingestion.config import load_config
        from ingestion.pipelines import config_pipeline
        from ingestion.sources.vsm_config import vsm_config_source
        config_pipeline().run(vsm_config_source(load_config({str(ROOT / "valuestream.yml")!r})))
        """
    )
    env = {
        **os.environ,
        "HOME": str(home),
        "VSM_HOME": str(vsm),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("VSM_WAREHOUSE", None)
    env.pop("RUNTIME__DLTHUB_TELEMETRY", None)
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, check=True)
    assert list(home.iterdir()) == []
    assert (vsm / "dlt" / "vsm_config").is_dir()
    assert (vsm / "warehouse.duckdb").is_file()
