"""The `vsm` command: config errors are clear and stop the pipeline before it starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VSM = str(Path(sys.executable).with_name("vsm"))

BROKEN = """\
organisation: Acme
value_streams:
  - id: payments
    name: Payments
    teams: [{id: checkout, name: Checkout}]
    repositories: [acme/payments-api]
  - id: storefront
    name: Storefront
    teams: [{id: catalog, name: Catalog}]
    repositories: [foo]
"""


def _vsm(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VSM_")}
    env["VSM_HOME"] = str(home)
    return subprocess.run(
        [VSM, *args], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_config_check_summarises_a_valid_config(tmp_path: Path) -> None:
    result = _vsm("config", "check", "--config", str(ROOT / "valuestream.yml"), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 value streams" in result.stdout
    assert "6 repositories" in result.stdout


def test_config_check_names_file_key_path_and_expectation(tmp_path: Path) -> None:
    broken = tmp_path / "valuestream.yml"
    broken.write_text(BROKEN)
    result = _vsm("config", "check", "--config", str(broken), home=tmp_path)
    assert result.returncode != 0
    assert (
        'valuestream.yml: value_streams[1].repositories[0]: expected "owner/name", got "foo"'
        in result.stderr
    )


def test_run_refuses_to_start_on_an_invalid_config(tmp_path: Path) -> None:
    broken = tmp_path / "valuestream.yml"
    broken.write_text(BROKEN)
    home = tmp_path / "home"
    result = _vsm("run", "--config", str(broken), home=home)
    assert result.returncode == 2
    assert "value_streams[1].repositories[0]" in result.stderr
    assert "the pipeline will not start" in result.stderr
    assert not (home / "warehouse.duckdb").exists()


def test_sandbox_truth_prints_every_metric_family_as_json(tmp_path: Path) -> None:
    import json

    result = _vsm("sandbox", "truth", "--now", "2026-11-23", "--format", "json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    truth = json.loads(result.stdout)
    assert truth["as_of"] == "2026-11-23T00:00:00+00:00"
    for family in (
        "deployment_frequency",
        "change_lead_time",
        "change_failure_rate",
        "failed_deployment_recovery_time",
        "time_to_restore",
        "deployment_rework_rate",
    ):
        assert truth[family], family
    assert truth["flow"]["flow_weekly"] and truth["flow"]["work_map"]
    streams = {row["value_stream_id"] for row in truth["deployment_frequency"]}
    assert streams == {"payments", "storefront"}


def test_sandbox_export_writes_jsonl(tmp_path: Path) -> None:
    import json

    folder = tmp_path / "raw"
    result = _vsm("sandbox", "export", str(folder), "--now", "2026-11-23", home=tmp_path)
    assert result.returncode == 0, result.stderr
    from datetime import UTC, datetime

    from ingestion.sandbox import generate_organisation

    org = generate_organisation(tier="small", seed=7, now=datetime(2026, 11, 23, tzinfo=UTC))
    rows = [json.loads(line) for line in (folder / "deployments.jsonl").read_text().splitlines()]
    assert sorted(row["deployment_id"] for row in rows) == sorted(
        d.deployment_id for d in org.all_deployments()
    )
    assert f"{len(rows):>10}  {folder / 'deployments.jsonl'}" in result.stdout
