"""Issue 4 acceptance on the sandbox's `medium` tier (6 value streams, 28 repositories, some
deploying through a `Deploy <environment>` Actions workflow): one `vsm run` with the config
the sandbox writes for itself (`vsm sandbox config`) loads every entity the sandbox holds,
field values match the generated records, and the weekly production deployments of every
value stream equal the sandbox's truth (workflow deployments included)."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import duckdb
import pytest

from ingestion.sandbox.counts import github_counts, jira_counts, pagerduty_counts
from ingestion.sandbox.model import to_datetime
from tests.e2e.conftest import NOW, MediumHome

pytestmark = pytest.mark.e2e

CLOCK = int(NOW.timestamp())


def _rows(path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _table_counts(medium: MediumHome, schema: str) -> dict[str, int]:
    tables = _rows(
        medium.warehouse,
        "select table_name from information_schema.tables where table_schema = ? "
        "and table_type = 'BASE TABLE' and not starts_with(table_name, '_dlt')",
        [schema],
    )
    return {
        name: _rows(medium.warehouse, f'select count(*) from {schema}."{name}"')[0][0]
        for (name,) in tables
    }


@pytest.fixture(scope="module")
def medium(medium_home: MediumHome) -> MediumHome:
    assert medium_home.run.returncode == 0, medium_home.run.stderr[-4000:]
    return medium_home


def test_the_run_reads_deploy_workflows_of_the_repositories_that_have_them(medium) -> None:
    through_workflow = [r for r in medium.org.repositories if r.deploy_via == "workflow"]
    assert through_workflow  # the tier's point: some repositories deploy through Actions
    assert "refresh done" in medium.run.stderr
    asked = medium.requests["github"].get("/repos/{owner}/{repo}/actions/runs", 0)
    assert asked >= len(through_workflow)
    print(f"medium: one vsm run in {medium.seconds:.0f} s; requests per tool: "
          f"{ {tool: sum(n.values()) for tool, n in medium.requests.items()} }")  # fmt: skip


def test_every_entity_count_equals_the_sandbox(medium) -> None:
    expected = {
        "raw_github": github_counts(medium.org, CLOCK, medium.sandbox, medium.truth),
        "raw_jira": jira_counts(medium.sandbox, CLOCK),
        "raw_pagerduty": pagerduty_counts(medium.org, CLOCK),
    }
    for schema, counts in expected.items():
        loaded = _table_counts(medium, schema)
        assert loaded.get("quarantine", 0) == 0, schema
        assert {table: loaded.get(table) for table in counts} == counts, schema
    assert expected["raw_github"]["workflow_runs"] > 0
    assert expected["raw_github"]["check_runs"] > 0


def test_workflow_runs_and_their_ranges_match_the_generated_deployments(medium) -> None:
    org = medium.org
    repo = next(r for r in org.repositories if r.deploy_via == "workflow")
    deployments = [d for d in org.deployments[repo.full_name] if d.created_ts <= CLOCK]
    production = [
        d
        for d in deployments
        if d.environment == repo.production_environment
        and d.final_state == "success"
        and not d.transient_environment
    ]
    dep = production[len(production) // 2]
    row = _rows(
        medium.warehouse,
        "select name, environment, status, conclusion, head_sha, created_at, updated_at, url "
        "from raw_github.workflow_runs where id = ?",
        [dep.workflow_run_id],
    )
    web = _web_root(medium)
    assert row == [
        (
            f"Deploy {repo.production_environment}",
            repo.production_environment,
            "completed",
            "success",
            dep.sha,
            to_datetime(dep.created_ts),
            to_datetime(dep.finished_ts),
            f"{web}/{repo.full_name}/actions/runs/{dep.workflow_run_id}",
        )
    ]
    environments = Counter(
        dict(
            _rows(
                medium.warehouse,
                "select environment, count(*) from raw_github.workflow_runs "
                "where repository = ? group by all",
                [repo.full_name],
            )
        )
    )
    assert environments == Counter(
        "preview" if d.transient_environment else d.environment for d in deployments
    )

    # Its ranges are the truth's, keyed by the run ids, and join the unified deployments.
    by_run = {d.deployment_id: d.workflow_run_id for d in deployments}
    truth_ranges = sorted(
        (by_run[r["deployment_id"]], r["head_sha"], r["range_known"], r["commit_count"])
        for r in medium.truth.deployment_ranges
        if r["repository"] == repo.full_name
    )
    loaded = _rows(
        medium.warehouse,
        "select deployment_id, head_sha, range_known, commit_count "
        "from raw_github.deployment_ranges "
        "where repository = ? and deployment_source = 'workflow_run' order by all",
        [repo.full_name],
    )
    assert loaded == truth_ranges
    unjoined = _rows(
        medium.warehouse,
        "select count(*) from staging.stg_github__deployment_ranges as r "
        "left join intermediate.int_deployments_unified as d "
        "on r.deployment_key = d.deployment_key "
        "where d.deployment_key is null or not d.is_production_deployment",
    )
    assert unjoined == [(0,)]


def _web_root(medium: MediumHome) -> str:
    """Where the sandbox's GitHub links point (its web root, like https://github.com)."""
    parts = urlsplit(medium.sandbox.github_api_url)
    return f"{parts.scheme}://{parts.netloc}"


def test_spot_checks_of_deployments_pull_requests_incidents_and_issues(medium) -> None:
    org = medium.org
    repo = next(r for r in org.repositories if r.deploy_via == "deployments")
    dep = next(
        d
        for d in reversed(org.deployments[repo.full_name])
        if d.finished_ts is not None and d.finished_ts < CLOCK - 86_400
    )
    assert _rows(
        medium.warehouse,
        "select environment, sha, created_at from raw_github.deployments where id = ?",
        [dep.deployment_id],
    ) == [(dep.environment, dep.sha, to_datetime(dep.created_ts))]
    statuses = _rows(
        medium.warehouse,
        "select state, created_at from raw_github.deployment_statuses where deployment_id = ? "
        "order by created_at, id",
        [dep.deployment_id],
    )
    assert statuses == [
        (s.state, to_datetime(s.created_ts)) for s in dep.statuses if s.created_ts <= CLOCK
    ]

    pr = next(p for p in org.pull_requests[repo.full_name] if p.reviews and p.merged_ts)
    assert _rows(
        medium.warehouse,
        "select state, author_login, created_at, merged_at, merge_commit_sha, url "
        "from raw_github.pull_requests where repository = ? and number = ?",
        [repo.full_name, pr.number],
    ) == [
        (
            "merged",
            pr.author_login,
            to_datetime(pr.created_ts),
            to_datetime(pr.merged_ts),
            pr.merge_commit_sha,
            f"{_web_root(medium)}/{repo.full_name}/pull/{pr.number}",
        )
    ]

    incident = next(i for i in org.pagerduty.incidents if i.resolved_ts and i.resolved_ts < CLOCK)
    loaded = _rows(
        medium.warehouse,
        "select status, created_at, resolved_at, html_url from raw_pagerduty.incidents "
        "where id = ?",
        [incident.incident_id],
    )
    assert loaded[0][:3] == (
        "resolved",
        to_datetime(incident.triggered_ts),
        to_datetime(incident.resolved_ts),
    )
    assert loaded[0][3].endswith(f"/incidents/{incident.incident_id}")

    issue = next(i for i in org.jira.issues if i.resolved_ts and i.resolved_ts < CLOCK)
    assert _rows(
        medium.warehouse,
        "select key, project_key, created, resolutiondate from raw_jira.issues where key = ?",
        [issue.key],
    ) == [
        (issue.key, issue.project_key, to_datetime(issue.created_ts),
         to_datetime(issue.resolved_ts))
    ]  # fmt: skip


def test_weekly_production_deployments_equal_the_truth_for_every_stream(medium) -> None:
    columns = {
        name
        for (name,) in _rows(
            medium.marts,
            "select column_name from information_schema.columns "
            "where table_name = 'mart_dora_deployment_frequency'",
        )
    }
    if "grain" in columns:  # the sliced marts: one row per grain, period and slice
        sql = (
            "select value_stream_id, period_start, deployments from mart_dora_deployment_frequency"
            " where grain = 'week' and slice = 'value_stream'"
        )
    else:
        sql = "select value_stream_id, week_start, deployments from mart_dora_deployment_frequency"
    mart = {(vs, week): n for vs, week, n in _rows(medium.marts, sql)}
    truth = {
        (row["value_stream_id"], row["week_start"]): row["deployments"]
        for row in medium.truth.deployment_frequency
    }
    assert {vs for vs, _ in truth} == {s.value_stream_id for s in medium.org.value_streams}
    assert mart == truth

    # Workflow deployments are counted: the production deployments of the marts are the
    # truth's, GitHub deployments by id and workflow runs by run id.
    through_workflow = {r.full_name for r in medium.org.repositories if r.deploy_via == "workflow"}
    by_id = {d.deployment_id: d for d in medium.org.all_deployments()}
    expected = Counter(
        ("github_actions", str(by_id[row["deployment_id"]].workflow_run_id))
        if row["repository"] in through_workflow
        else ("github", str(row["deployment_id"]))
        for row in medium.truth.production_deployments
    )
    loaded = Counter(
        _rows(
            medium.marts,
            "select source, source_id from fct_deployments where is_production_deployment",
        )
    )
    assert sum(1 for source, _ in expected if source == "github_actions") > 0
    assert loaded == expected
