"""`valuestream.yml` for a generated organisation: valid, complete, and for the small tier the
same organisation as the committed file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_scenarios import NOW

from ingestion.config import load_config
from ingestion.sandbox.config import DEPLOY_WORKFLOW_PATTERN, render_sandbox_config
from ingestion.sandbox.generator import generate_organisation
from ingestion.sandbox.model import Organisation

ROOT = Path(__file__).resolve().parents[3]
VSM = str(Path(sys.executable).with_name("vsm"))


@pytest.fixture(scope="module")
def medium_org() -> Organisation:
    return generate_organisation("medium", seed=7, now=NOW)


def _resolved(path: Path) -> dict[str, object]:
    config = load_config(path)
    return {
        "value_streams": config.value_stream_settings(),
        "teams": config.teams(),
        "repositories": config.repositories(),
        "enabled": config.sources.enabled(),
        "jira_projects": config.sources.jira.projects,
        "deploy_workflows": config.sources.github.deploy_workflows,
        "incident_label": config.sources.github.incident_label,
        "flow_stages": config.flow_stages(),
    }


def test_small_tier_config_describes_the_committed_organisation(
    small_org: Organisation, tmp_path: Path
) -> None:
    rendered = tmp_path / "valuestream.yml"
    rendered.write_text(render_sandbox_config(small_org))
    assert _resolved(rendered) == _resolved(ROOT / "valuestream.yml")


def test_medium_tier_config_names_every_stream_team_repository_and_deploy_workflow(
    medium_org: Organisation, tmp_path: Path
) -> None:
    path = tmp_path / "valuestream.yml"
    path.write_text(render_sandbox_config(medium_org))
    config = load_config(path)

    streams = {(s.value_stream_id, s.name, s.timezone) for s in config.value_stream_settings()}
    assert streams == {(s.value_stream_id, s.name, s.timezone) for s in medium_org.value_streams}
    teams = {(t.team_id, t.name, t.value_stream_id) for t in config.teams()}
    assert teams == {(t.team_id, t.name, t.value_stream_id) for t in medium_org.teams}
    repos = {(r.repo, r.team_id, r.service, r.value_stream_id) for r in config.repositories()}
    assert repos == {
        (r.full_name, r.team_id, r.name, r.value_stream_id) for r in medium_org.repositories
    }
    workflow_repos = {r.full_name for r in medium_org.repositories if r.deploy_via == "workflow"}
    assert workflow_repos  # the tier has some: the config must name them
    assert config.sources.github.deploy_workflows == dict.fromkeys(
        workflow_repos, DEPLOY_WORKFLOW_PATTERN
    )
    assert config.sources.enabled() == ["github", "jira", "pagerduty", "files"]
    assert config.sources.jira.projects == [p.key for p in medium_org.jira.projects]


def test_vsm_sandbox_config_writes_a_file_that_loads(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VSM_")}
    env["VSM_HOME"] = str(tmp_path)
    out = tmp_path / "medium.yml"
    result = subprocess.run(
        [VSM, "sandbox", "config", "--tier", "medium", "--seed", "7", "--now", NOW.isoformat(),
         "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "6 value streams" in result.stderr and "28 repositories" in result.stderr
    assert out.read_text() == render_sandbox_config(
        generate_organisation("medium", seed=7, now=NOW)
    )
    printed = subprocess.run(
        [VSM, "sandbox", "config", "--now", NOW.isoformat()],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("# valuestream.yml for the sandbox organisation Acme")
    assert "acme/search-service" in printed.stdout
