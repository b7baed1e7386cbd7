"""dbt build against a hand-built raw warehouse, then the marts checked value by value.

The raw tables mirror what the dlt sources write (TIMESTAMPTZ columns, `_dlt_` columns).
The dataset, with VSM_AS_OF = Wednesday 2026-01-14 12:00 UTC:

payments (UTC), repository acme/payments-api, pattern ^prod(uction)?$
  1  production     created Sun 2025-12-28 23:40Z, success Mon 2025-12-29 00:05Z, later inactive
  2  staging        success 2025-12-29                         -> not production
  3  production     failure 2025-12-30 10:00Z                  -> failed attempt
  4  production     success 2025-12-30 11:00Z (written +01:00)
  5  preview-1      success 2025-12-30                         -> not production
  8  production     success 2025-12-30 15:00Z
  6  PROD           success 2026-01-12 09:00Z
  7  production     in progress since 2026-01-13               -> not finished
  weeks: 2025-12-29 -> 3 deployments on 2 days, 2026-01-05 -> 0, 2026-01-12 -> 1

storefront (Europe/Berlin), acme/catalog-api and acme/search-service (environment `prod`)
  11 production     success Sun 2025-12-28 23:30Z = Mon 00:30 Berlin -> week 2025-12-29
  12 prod           success 2026-01-06 08:00Z                   -> week 2026-01-05
  13 stage          success                                     -> not production
  14 production-eu  success                                     -> not production
  weeks: 2025-12-29 -> 1, 2026-01-05 -> 1, 2026-01-12 -> 0

Incidents (raw_pagerduty, and raw_files.incidents; raw_jira and the other raw_files tables are
absent, as when those sources are disabled: their staging views build empty)
  pagerduty Q1  payments-api   P1  2025-12-29 10:00Z -> 11:00Z             3600 s
  pagerduty Q2  payments-api   P3  2025-12-30 09:00Z -> 2025-12-31 09:00+01:00  82800 s
  pagerduty Q3  payments-api   P1  2026-01-13, acknowledged, open         -> left out
  pagerduty Q4  catalog-api    P2  Sun 2026-01-04 22:00Z -> 23:30Z = Mon 00:30 Berlin  5400 s
  pagerduty Q5  legacy-batch   P4  no configured repository                -> no stream
  files     Q1  search-service SEV2 2026-01-06 09:00+01:00 -> 11:00+01:00  7200 s
  files     INC-2 payments-api P1  2026-01-13 open                        -> left out
  time to restore, all priorities:
    payments   2025-12-29 n 2 (3600, 82800), 2026-01-05 n 0, 2026-01-12 n 0
    storefront (first incident Sun 23:00 Berlin: week 2025-12-29) n 0, 2026-01-05 n 2
      (5400, 7200), 2026-01-12 n 0
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.dbt_project.postgres import fetch, postgres_server, run_sql

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
AS_OF = "2026-01-14T12:00:00Z"

RAW_SQL = """
create schema raw_github;
create schema raw_config;
create schema raw_pagerduty;
create schema raw_files;

create table raw_config.value_streams (
    value_stream_id varchar, name varchar, timezone varchar, production_pattern varchar,
    attribution_window_hours bigint, hotfix_labels varchar, hotfix_branch_prefixes varchar,
    _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_config.value_streams values
    ('payments', 'Payments', 'UTC', '^prod(uction)?$', 24, '["hotfix"]', '["hotfix/"]', '1', 'v1'),
    ('storefront', 'Storefront', 'Europe/Berlin', '^prod(uction)?$', 24, '["hotfix"]',
        '["hotfix/"]', '1', 'v2');

create table raw_config.teams (
    team_id varchar, name varchar, value_stream_id varchar, _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_config.teams values
    ('checkout', 'Checkout', 'payments', '1', 't1'),
    ('catalog', 'Catalog', 'storefront', '1', 't2'),
    ('search', 'Search', 'storefront', '1', 't3');

create table raw_config.repositories (
    repository varchar, owner varchar, name varchar, value_stream_id varchar,
    team_id varchar, service varchar, _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_config.repositories values
    ('acme/payments-api', 'acme', 'payments-api', 'payments', 'checkout', 'payments-api', '1', 'x'),
    ('acme/catalog-api', 'acme', 'catalog-api', 'storefront', 'catalog', 'catalog-api', '1', 'y'),
    ('acme/search-service', 'acme', 'search-service', 'storefront', 'search', null, '1', 'z');

create table raw_github.deployments (
    id bigint, repository varchar, sha varchar, ref varchar, task varchar,
    environment varchar, original_environment varchar, description varchar,
    creator_login varchar, created_at timestamptz, updated_at timestamptz,
    production_environment boolean, transient_environment boolean,
    _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_github.deployments
select
    id, repository, sha, 'main', 'deploy', environment, environment, null, 'ci-bot',
    created_at::timestamptz, created_at::timestamptz, null, null, '1', 'd' || id
from (values
    (1, 'acme/payments-api', 'a1', 'production', '2025-12-28 23:40:00+00'),
    (2, 'acme/payments-api', 'a1', 'staging', '2025-12-29 08:00:00+00'),
    (3, 'acme/payments-api', 'a2', 'production', '2025-12-30 09:50:00+00'),
    (4, 'acme/payments-api', 'a3', 'production', '2025-12-30 10:50:00+00'),
    (5, 'acme/payments-api', 'a3', 'preview-1', '2025-12-30 12:00:00+00'),
    (8, 'acme/payments-api', 'a5', 'production', '2025-12-30 14:50:00+00'),
    (6, 'acme/payments-api', 'a5', 'PROD', '2026-01-12 08:50:00+00'),
    (7, 'acme/payments-api', 'a6', 'production', '2026-01-13 10:00:00+00'),
    (11, 'acme/catalog-api', 'b1', 'production', '2025-12-28 23:20:00+00'),
    (12, 'acme/search-service', 's1', 'prod', '2026-01-06 07:50:00+00'),
    (13, 'acme/search-service', 's1', 'stage', '2026-01-06 07:00:00+00'),
    (14, 'acme/catalog-api', 'b1', 'production-eu', '2026-01-06 07:00:00+00')
) as d(id, repository, sha, environment, created_at);

create table raw_github.deployment_statuses (
    id bigint, deployment_id bigint, repository varchar, state varchar,
    environment varchar, description varchar, creator_login varchar,
    created_at timestamptz, updated_at timestamptz, log_url varchar,
    _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_github.deployment_statuses
select
    id, deployment_id, 'acme/x', state, null, null, 'ci-bot',
    created_at::timestamptz, created_at::timestamptz, null, '1', 's' || id
from (values
    (101, 1, 'in_progress', '2025-12-28 23:45:00+00'),
    (102, 1, 'success', '2025-12-29 00:05:00+00'),
    (103, 1, 'inactive', '2025-12-30 11:00:00+00'),
    (201, 2, 'success', '2025-12-29 08:10:00+00'),
    (301, 3, 'failure', '2025-12-30 10:00:00+00'),
    (401, 4, 'in_progress', '2025-12-30 11:55:00+01'),
    (402, 4, 'success', '2025-12-30 12:00:00+01'),
    (501, 5, 'success', '2025-12-30 12:10:00+00'),
    (801, 8, 'success', '2025-12-30 15:00:00+00'),
    (601, 6, 'success', '2026-01-12 09:00:00+00'),
    (701, 7, 'queued', '2026-01-13 10:01:00+00'),
    (702, 7, 'in_progress', '2026-01-13 10:02:00+00'),
    (1101, 11, 'success', '2025-12-28 23:30:00+00'),
    (1201, 12, 'success', '2026-01-06 09:00:00+01'),
    (1301, 13, 'success', '2026-01-06 07:10:00+00'),
    (1401, 14, 'success', '2026-01-06 07:10:00+00')
) as s(id, deployment_id, state, created_at);

create table raw_github.deployment_ranges (
    deployment_id bigint, repository varchar, head_sha varchar, base_deployment_id bigint,
    base_sha varchar, range_known boolean, commit_count bigint,
    _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_github.deployment_ranges values
    (1, 'acme/payments-api', 'a1', null, null, false, null, '1', 'g1'),
    (4, 'acme/payments-api', 'a3', 1, 'a1', true, 2, '1', 'g4'),
    (8, 'acme/payments-api', 'a5', 4, 'a3', true, 2, '1', 'g8'),
    (6, 'acme/payments-api', 'a5', 8, 'a5', true, 0, '1', 'g6'),
    (11, 'acme/catalog-api', 'b1', null, null, false, null, '1', 'g11'),
    (12, 'acme/search-service', 's1', null, null, false, null, '1', 'g12');

create table raw_github.deployment_commits (
    deployment_id bigint, repository varchar, sha varchar, _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_github.deployment_commits values
    (4, 'acme/payments-api', 'a2', '1', 'c1'),
    (4, 'acme/payments-api', 'a3', '1', 'c2'),
    (8, 'acme/payments-api', 'a4', '1', 'c3'),
    (8, 'acme/payments-api', 'a5', '1', 'c4');
-- Every range above is a GitHub deployment's (the connector's deployment_source).
alter table raw_github.deployment_ranges add column deployment_source varchar default 'deployment';
alter table raw_github.deployment_ranges add column base_deployment_source varchar;
update raw_github.deployment_ranges set base_deployment_source = 'deployment'
where base_deployment_id is not null;
alter table raw_github.deployment_commits add column deployment_source varchar default 'deployment';

create table raw_github.commits (
    repository varchar, sha varchar, message varchar, author_name varchar,
    author_email varchar, author_login varchar, authored_at timestamptz,
    committer_login varchar, committed_at timestamptz, parent_shas varchar,
    parent_count bigint, _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_github.commits
select
    'acme/payments-api', sha, 'change ' || sha, 'Dev', 'dev@example.com', 'dev',
    authored_at::timestamptz, 'dev', authored_at::timestamptz, parents,
    array_length(string_to_array(parents, ' '), 1), '1', 'k' || sha
from (values
    ('a1', '2025-12-28 20:00:00+00', 'a0'),
    ('a2', '2025-12-29 20:00:00+00', 'a1'),
    ('a3', '2025-12-30 09:00:00+00', 'a1 a2'),
    ('a4', '2025-12-30 13:00:00+00', 'a3'),
    ('a5', '2025-12-30 14:00:00+00', 'a4')
) as c(sha, authored_at, parents);

create table raw_pagerduty.services (
    id varchar, name varchar, description varchar, status varchar, html_url varchar,
    escalation_policy_id varchar, team_ids varchar, created_at timestamptz,
    updated_at timestamptz, last_incident_at timestamptz, _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_pagerduty.services
select id, name, null, 'active', null, 'EP1', 'T1', null, null, null, '1', 'p' || id
from (values ('PS1', 'payments-api'), ('PS2', 'catalog-api'), ('PS3', 'legacy-batch'))
    as v(id, name);

create table raw_pagerduty.incidents (
    id varchar, incident_number bigint, title varchar, summary varchar, description varchar,
    status varchar, urgency varchar, priority_id varchar, priority_name varchar,
    service_id varchar, service_name varchar, escalation_policy_id varchar, team_ids varchar,
    incident_key varchar, html_url varchar, created_at timestamptz, updated_at timestamptz,
    last_status_change_at timestamptz, acknowledged_at timestamptz, resolved_at timestamptz,
    _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_pagerduty.incidents
select
    id, number, title, '[#' || number || '] ' || title, title, status, 'high',
    'PR' || priority, priority, service_id, service_name, 'EP1', 'T1', 'dedup' || number,
    null, created_at::timestamptz, created_at::timestamptz, created_at::timestamptz,
    acknowledged_at::timestamptz, resolved_at::timestamptz, '1', 'i' || id
from (values
    ('Q1', 1, 'Error rate on payments-api', 'resolved', 'P1', 'PS1', 'payments-api',
        '2025-12-29 10:00:00+00', '2025-12-29 10:05:00+00', '2025-12-29 11:00:00+00'),
    ('Q2', 2, 'Slow payments', 'resolved', 'P3', 'PS1', 'payments-api',
        '2025-12-30 09:00:00+00', null, '2025-12-31 09:00:00+01'),
    ('Q3', 3, 'Payments timeouts', 'acknowledged', 'P1', 'PS1', 'payments-api',
        '2026-01-13 08:00:00+00', '2026-01-13 08:10:00+00', null),
    ('Q4', 4, 'Catalog stale', 'resolved', 'P2', 'PS2', 'catalog-api',
        '2026-01-04 22:00:00+00', null, '2026-01-04 23:30:00+00'),
    ('Q5', 5, 'Batch late', 'resolved', 'P4', 'PS3', 'legacy-batch',
        '2026-01-05 10:00:00+00', null, '2026-01-05 11:00:00+00')
) as v(id, number, title, status, priority, service_id, service_name,
    created_at, acknowledged_at, resolved_at);

create table raw_pagerduty.log_entries (
    id varchar, incident_id varchar, type varchar, created_at timestamptz, summary varchar,
    agent_id varchar, agent_type varchar, agent_name varchar, channel_type varchar,
    channel_summary varchar, channel_details varchar, note varchar,
    event_description varchar, service_id varchar, html_url varchar,
    _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_pagerduty.log_entries values
    ('L1', 'Q1', 'trigger_log_entry', '2025-12-29 10:00:00+00', 'Triggered', 'PS1',
        'service_reference', 'payments-api', 'api', null, null, null,
        'Error rate above 5%', 'PS1', null, '1', 'l1'),
    ('L2', 'Q1', 'annotate_log_entry', '2025-12-29 10:30:00+00', 'Note added', 'U1',
        'user_reference', 'Dev', 'note', 'Rolled back deployment 4', null,
        'Rolled back deployment 4', null, 'PS1', null, '1', 'l2'),
    ('L3', 'Q1', 'resolve_log_entry', '2025-12-29 11:00:00+00', 'Resolved', 'U1',
        'user_reference', 'Dev', 'web', null, null, null, null, 'PS1', null, '1', 'l3');

create table raw_files.incidents (
    incident_id varchar, service varchar, title varchar, severity varchar, priority varchar,
    started_at timestamptz, acknowledged_at timestamptz, resolved_at timestamptz,
    caused_by_deployment_id varchar, url varchar, source_file varchar, source_line bigint,
    _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_files.incidents values
    ('Q1', 'search-service', 'Search down', 'SEV2', null, '2026-01-06 09:00:00+01',
        null, '2026-01-06 11:00:00+01', '12', null, 'incidents.csv', 2, '1', 'f1'),
    ('INC-2', 'payments-api', 'Refunds stuck', null, 'P1', '2026-01-13 09:00:00+00',
        null, null, null, null, 'incidents.csv', 3, '1', 'f2');
"""


def _dbt(args: list[str], env: dict[str, str], target_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(DBT),
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(target_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _env(warehouse: Path, log_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VSM_", "DBT_"))}
    env.update(
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_LOG_PATH=str(log_dir),
        VSM_WAREHOUSE=str(warehouse),
        VSM_AS_OF=AS_OF,
        # A non-UTC session zone: conversions must not depend on it.
        TZ="America/New_York",
    )
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    workdir = tmp_path_factory.mktemp("dbt_build")
    warehouse = workdir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(RAW_SQL)
    target_path = workdir / "target"
    result = _dbt(["build"], _env(warehouse, workdir / "logs"), target_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    run_results = json.loads((target_path / "run_results.json").read_text())
    yield warehouse, run_results


def built_target(run_results: dict) -> Path:
    """The target folder the build wrote `run_results` to."""
    return Path(run_results["args"]["target_path"])


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_build_runs_models_seeds_unit_and_data_tests(built):
    _, run_results = built
    by_kind: dict[str, int] = {}
    for result in run_results["results"]:
        assert result["status"] in ("success", "pass"), result
        kind = result["unique_id"].split(".")[0]
        by_kind[kind] = by_kind.get(kind, 0) + 1
    # Every model, seed, unit test and data test of the project ran.
    manifest = json.loads((built_target(run_results) / "manifest.json").read_text())
    declared: dict[str, int] = {}
    for unique_id in [*manifest["nodes"], *manifest.get("unit_tests", {})]:
        kind = unique_id.split(".")[0]
        if kind in ("model", "seed", "test", "unit_test"):
            declared[kind] = declared.get(kind, 0) + 1
    assert {k: by_kind.get(k, 0) for k in declared} == declared
    assert by_kind["model"] >= 29 and by_kind["unit_test"] >= 9
    assert by_kind["test"] > by_kind["model"]
    # Every model and seed states its columns' contract (NULLs, keys, values, ranges).
    contracted = {
        node["attached_node"]
        for node in manifest["nodes"].values()
        if (node.get("test_metadata") or {}).get("name") == "column_contract"
    }
    assert {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed")
    } == contracted


def test_dim_value_streams(built):
    warehouse, _ = built
    rows = _query(warehouse, "select * from marts.dim_value_streams order by value_stream_id")
    assert rows == [
        ("payments", "Payments", "UTC"),
        ("storefront", "Storefront", "Europe/Berlin"),
    ]


def test_fct_deployments_states_and_production(built):
    warehouse, _ = built
    rows = _query(
        warehouse,
        """
        select cast(source_id as integer), value_stream_id, team_id, service, environment,
            final_state, is_production_environment, is_production_deployment
        from marts.fct_deployments
        order by cast(source_id as integer)
        """,
    )
    pay = ("payments", "checkout", "payments-api")
    assert rows == [
        (1, *pay, "production", "success", True, True),
        (2, *pay, "staging", "success", False, False),
        (3, *pay, "production", "failure", True, False),
        (4, *pay, "production", "success", True, True),
        (5, *pay, "preview-1", "success", False, False),
        (6, *pay, "PROD", "success", True, True),
        (7, *pay, "production", "in_progress", True, False),
        (8, *pay, "production", "success", True, True),
        (11, "storefront", "catalog", "catalog-api", "production", "success", True, True),
        (12, "storefront", "search", "search-service", "prod", "success", True, True),
        (13, "storefront", "search", "search-service", "stage", "success", False, False),
        (14, "storefront", "catalog", "catalog-api", "production-eu", "success", False, False),
    ]


def test_fct_deployments_finish_week_and_changes(built):
    warehouse, _ = built
    rows = _query(
        warehouse,
        """
        select cast(source_id as integer), created_at, finished_at, finished_week, change_count
        from marts.fct_deployments
        order by cast(source_id as integer)
        """,
    )
    d, dt = date, datetime
    assert rows == [
        # created on Sunday, finished on Monday: Monday's week
        (1, dt(2025, 12, 28, 23, 40), dt(2025, 12, 29, 0, 5), d(2025, 12, 29), None),
        (2, dt(2025, 12, 29, 8, 0), dt(2025, 12, 29, 8, 10), d(2025, 12, 29), None),
        (3, dt(2025, 12, 30, 9, 50), dt(2025, 12, 30, 10, 0), d(2025, 12, 29), None),
        # status written as 12:00+01:00; one non-merge commit and one merge commit shipped
        (4, dt(2025, 12, 30, 10, 50), dt(2025, 12, 30, 11, 0), d(2025, 12, 29), 1),
        (5, dt(2025, 12, 30, 12, 0), dt(2025, 12, 30, 12, 10), d(2025, 12, 29), None),
        # known range without commits: zero changes, not unknown
        (6, dt(2026, 1, 12, 8, 50), dt(2026, 1, 12, 9, 0), d(2026, 1, 12), 0),
        (7, dt(2026, 1, 13, 10, 0), None, None, None),
        (8, dt(2025, 12, 30, 14, 50), dt(2025, 12, 30, 15, 0), d(2025, 12, 29), 2),
        # Sunday 23:30 UTC is Monday 00:30 in Berlin: the next local week
        (11, dt(2025, 12, 28, 23, 20), dt(2025, 12, 28, 23, 30), d(2025, 12, 29), None),
        (12, dt(2026, 1, 6, 7, 50), dt(2026, 1, 6, 8, 0), d(2026, 1, 5), None),
        (13, dt(2026, 1, 6, 7, 0), dt(2026, 1, 6, 7, 10), d(2026, 1, 5), None),
        (14, dt(2026, 1, 6, 7, 0), dt(2026, 1, 6, 7, 10), d(2026, 1, 5), None),
    ]


def test_fct_deployments_key_is_hash_of_source_and_id(built):
    warehouse, _ = built
    rows = _query(
        warehouse,
        "select deployment_key, source from marts.fct_deployments where source_id = '1'",
    )
    # md5('github:1')
    assert rows == [("4ffcc2c386e7dab2f4217a4d08c89966", "github")]


def test_mart_dora_deployment_frequency(built):
    warehouse, _ = built
    rows = _query(
        warehouse,
        """
        select value_stream_id, value_stream_name, period_start, iso_year, iso_week,
            deployments, deployment_days, round(deployments_per_day, 6),
            round(trailing_12w_deployments_per_week, 6), band, report_year
        from marts.mart_dora_deployment_frequency
        where grain = 'week' and slice = 'value_stream'
        order by value_stream_id, period_start
        """,
    )
    d = date
    # The week in progress (as of Wednesday 2026-01-14) is measured over its 3 days so far.
    assert rows == [
        ("payments", "Payments", d(2025, 12, 29), 2026, 1, 3, 2, 0.428571, 3.0, "high", 2023),
        ("payments", "Payments", d(2026, 1, 5), 2026, 2, 0, 0, 0.0, 1.5, "high", 2023),
        ("payments", "Payments", d(2026, 1, 12), 2026, 3, 1, 1, 0.333333, 1.333333, "high", 2023),
        ("storefront", "Storefront", d(2025, 12, 29), 2026, 1, 1, 1, 0.142857, 1.0, "high", 2023),
        ("storefront", "Storefront", d(2026, 1, 5), 2026, 2, 1, 1, 0.142857, 1.0, "high", 2023),
        ("storefront", "Storefront", d(2026, 1, 12), 2026, 3, 0, 0, 0.0, 0.666667, "medium", 2023),
    ]


def test_mart_dora_deployment_frequency_slices_add_up(built):
    """Per value stream and grain, the team and service slices add up to the stream's
    deployments (every deployment of the dataset has a team and a service), and the months
    and days add up to the weeks."""
    warehouse, _ = built
    rows = _query(
        warehouse,
        """
        select value_stream_id, grain, slice, sum(deployments)
        from marts.mart_dora_deployment_frequency
        group by value_stream_id, grain, slice
        order by value_stream_id, grain, slice
        """,
    )
    totals = {(r[0], r[1], r[2]): r[3] for r in rows}
    assert {k: v for k, v in totals.items() if k[0] == "payments"} == {
        ("payments", grain, slice_name): 4
        for grain in ("day", "month", "quarter", "week")
        for slice_name in ("service", "team", "value_stream")
    }
    assert {k: v for k, v in totals.items() if k[0] == "storefront"} == {
        ("storefront", grain, slice_name): 2
        for grain in ("day", "month", "quarter", "week")
        for slice_name in ("service", "team", "value_stream")
    }
    days = _query(
        warehouse,
        """
        select slice_value, min(period_start), max(period_start), count(*)
        from marts.mart_dora_deployment_frequency
        where grain = 'day' and slice = 'service'
        group by slice_value order by slice_value
        """,
    )
    # A service is measured from its first production deployment's day to the as-of day.
    assert days == [
        ("catalog-api", date(2025, 12, 29), date(2026, 1, 14), 17),
        ("payments-api", date(2025, 12, 29), date(2026, 1, 14), 17),
        ("search-service", date(2026, 1, 6), date(2026, 1, 14), 9),
    ]


def test_mart_column_types(built):
    warehouse, _ = built
    rows = _query(
        warehouse,
        """
        select column_name, data_type from information_schema.columns
        where table_schema = 'marts' and table_name = 'mart_dora_deployment_frequency'
        order by ordinal_position
        """,
    )
    assert rows == [
        ("grain", "VARCHAR"),
        ("period_start", "DATE"),
        ("slice", "VARCHAR"),
        ("value_stream_id", "VARCHAR"),
        ("value_stream_name", "VARCHAR"),
        ("slice_value", "VARCHAR"),
        ("iso_year", "INTEGER"),
        ("iso_week", "INTEGER"),
        ("deployments", "INTEGER"),
        ("deployment_days", "INTEGER"),
        ("days_measured", "INTEGER"),
        ("deployments_per_day", "DOUBLE"),
        ("trailing_window_weeks", "DOUBLE"),
        ("trailing_12w_deployments_per_week", "DOUBLE"),
        ("band", "VARCHAR"),
        ("report_year", "INTEGER"),
        ("periods_written_at", "TIMESTAMP"),
    ]


def test_seed_bands_for_both_report_years(built):
    warehouse, _ = built
    rows = _query(
        warehouse,
        """
        select report_year, band, lower_bound, upper_bound
        from seeds.dora_benchmarks
        where metric = 'deployment_frequency'
        order by report_year desc, band_rank
        """,
    )
    assert rows == [
        (2023, "elite", 7.0, None),
        (2023, "high", 1.0, 7.0),
        (2023, "medium", 0.25, 1.0),
        (2023, "low", 0.0, 0.25),
        (2021, "elite", 7.0, None),
        (2021, "high", 12 / 52, 7.0),
        (2021, "medium", 2 / 52, 12 / 52),
        (2021, "low", 0.0, 2 / 52),
    ]


def test_dbt_parse(tmp_path):
    env = _env(tmp_path / "unused.duckdb", tmp_path / "logs")
    result = _dbt(["parse"], env, tmp_path / "target")
    assert result.returncode == 0, result.stdout[-4000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    models = {
        node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"
    }
    assert {
        "dim_value_streams",
        "fct_deployments",
        "mart_dora_deployment_frequency",
        "int_deployments_unified",
        "int_incidents_unified",
        "fct_incidents",
        "mart_dora_time_to_restore",
    } <= models
    source = manifest["sources"]["source.valuestream.raw_github.deployments"]
    assert source["meta"]["dagster"]["asset_key"] == ["raw_github", "deployments"]
    for unique_id, source in manifest["sources"].items():
        _, _, schema, table = unique_id.split(".")
        assert source["meta"]["dagster"]["asset_key"] == [schema, table], unique_id


def test_staging_views_of_absent_sources_are_empty(built):
    warehouse, _ = built
    counts = _query(
        warehouse,
        """
        select
            (select count(*) from staging.stg_jira__issues),
            (select count(*) from staging.stg_jira__changelog_items),
            (select count(*) from staging.stg_jira__statuses),
            (select count(*) from staging.stg_jira__versions),
            (select count(*) from staging.stg_files__deployments),
            (select count(*) from staging.stg_files__work_items),
            (select count(*) from staging.stg_files__environment_bookings),
            (select count(*) from staging.stg_files__incidents),
            (select count(*) from staging.stg_pagerduty__incidents)
        """,
    )
    assert counts == [(0, 0, 0, 0, 0, 0, 0, 2, 5)]
    types = dict(
        _query(
            warehouse,
            """
            select column_name, data_type from information_schema.columns
            where table_schema = 'staging' and table_name = 'stg_files__deployments'
            """,
        )
    )
    assert types["finished_at"] == "TIMESTAMP"
    assert types["source_line"] == "BIGINT"


def test_fct_incidents(built):
    warehouse, _ = built
    rows = _query(
        warehouse,
        """
        select source, source_id, service, repository, value_stream_id, team_id,
            priority_slice, started_at, resolved_at, is_resolved, time_to_restore_seconds,
            resolved_week
        from marts.fct_incidents
        order by source desc, source_id
        """,
    )
    d, dt = date, datetime
    pay = ("payments-api", "acme/payments-api", "payments", "checkout")
    assert rows == [
        (
            "pagerduty",
            "Q1",
            *pay,
            "P1",
            dt(2025, 12, 29, 10),
            dt(2025, 12, 29, 11),
            True,
            3600.0,
            d(2025, 12, 29),
        ),
        # resolved at 09:00+01:00
        (
            "pagerduty",
            "Q2",
            *pay,
            "P3",
            dt(2025, 12, 30, 9),
            dt(2025, 12, 31, 8),
            True,
            82800.0,
            d(2025, 12, 29),
        ),
        ("pagerduty", "Q3", *pay, "P1", dt(2026, 1, 13, 8), None, False, None, None),
        # Sunday 23:30 UTC is Monday 00:30 in Berlin
        (
            "pagerduty",
            "Q4",
            "catalog-api",
            "acme/catalog-api",
            "storefront",
            "catalog",
            "P2",
            dt(2026, 1, 4, 22),
            dt(2026, 1, 4, 23, 30),
            True,
            5400.0,
            d(2026, 1, 5),
        ),
        (
            "pagerduty",
            "Q5",
            "legacy-batch",
            None,
            None,
            None,
            "P4",
            dt(2026, 1, 5, 10),
            dt(2026, 1, 5, 11),
            True,
            3600.0,
            d(2026, 1, 5),
        ),
        ("files", "INC-2", *pay, "P1", dt(2026, 1, 13, 9), None, False, None, None),
        # the configured service is NULL: the repository's name stands for it
        (
            "files",
            "Q1",
            "search-service",
            "acme/search-service",
            "storefront",
            "search",
            "SEV2",
            dt(2026, 1, 6, 8),
            dt(2026, 1, 6, 10),
            True,
            7200.0,
            d(2026, 1, 5),
        ),
    ]
    keys = _query(
        warehouse,
        "select source, incident_key from marts.fct_incidents where source_id = 'Q1' "
        "order by source",
    )
    # md5('files:Q1'), md5('pagerduty:Q1'): the same tool id, two incidents
    assert keys == [
        ("files", "e2e372b5a5ced79f76b552d226843c9e"),
        ("pagerduty", "4456bf2e0fb10deee37abf80dbc393de"),
    ]
    notes = _query(
        warehouse,
        "select notes from marts.fct_incidents where incident_key = "
        "'4456bf2e0fb10deee37abf80dbc393de'",
    )
    assert notes == [("Error rate above 5%\nRolled back deployment 4",)]


def test_mart_dora_time_to_restore(built):
    warehouse, _ = built
    rows = _query(
        warehouse,
        """
        select value_stream_id, period_start, priority, incidents_resolved, median_seconds,
            p75_seconds, p95_seconds
        from marts.mart_dora_time_to_restore
        where grain = 'week' and slice = 'value_stream'
        order by value_stream_id, priority, period_start
        """,
    )
    d = date
    expected = [
        ("payments", d(2025, 12, 29), "P1", 1, 3600.0, 3600.0, 3600.0),
        ("payments", d(2026, 1, 5), "P1", 0, None, None, None),
        ("payments", d(2026, 1, 12), "P1", 0, None, None, None),
        ("payments", d(2025, 12, 29), "P3", 1, 82800.0, 82800.0, 82800.0),
        ("payments", d(2026, 1, 5), "P3", 0, None, None, None),
        ("payments", d(2026, 1, 12), "P3", 0, None, None, None),
        # (3600, 82800): median 43200, p75 3600 + 0.75 * 79200, p95 3600 + 0.95 * 79200
        ("payments", d(2025, 12, 29), "all", 2, 43200.0, 63000.0, 78840.0),
        ("payments", d(2026, 1, 5), "all", 0, None, None, None),
        ("payments", d(2026, 1, 12), "all", 0, None, None, None),
        ("storefront", d(2025, 12, 29), "P2", 0, None, None, None),
        ("storefront", d(2026, 1, 5), "P2", 1, 5400.0, 5400.0, 5400.0),
        ("storefront", d(2026, 1, 12), "P2", 0, None, None, None),
        ("storefront", d(2025, 12, 29), "SEV2", 0, None, None, None),
        ("storefront", d(2026, 1, 5), "SEV2", 1, 7200.0, 7200.0, 7200.0),
        ("storefront", d(2026, 1, 12), "SEV2", 0, None, None, None),
        ("storefront", d(2025, 12, 29), "all", 0, None, None, None),
        # (5400, 7200): median 6300, p75 5400 + 0.75 * 1800, p95 5400 + 0.95 * 1800
        ("storefront", d(2026, 1, 5), "all", 2, 6300.0, 6750.0, 7110.0),
        ("storefront", d(2026, 1, 12), "all", 0, None, None, None),
    ]
    assert [row[:4] for row in rows] == [row[:4] for row in expected]
    for got, want in zip(rows, expected, strict=True):
        for value, wanted in zip(got[4:], want[4:], strict=True):
            assert value == (None if wanted is None else pytest.approx(wanted)), (got, want)


def test_incident_links_and_failed_deployments(built):
    """Q1 names deployment 4, which finished a day after it was triggered: no explicit
    link, so the window gives deployment 1 (9 h 55 min before). Q2 comes 32 h 55 min after
    deployment 1: none. Q3 (23 h) and INC-2 (exactly 24 h, the boundary) both fall on
    deployment 6, which stays open. The files incident names deployment 12 in its own
    field, finished at the very trigger time: explicit. Q4 is 6 days after catalog-api's
    deployment; Q5 has no repository."""
    warehouse, _ = built
    links = _query(
        warehouse,
        "select i.source, i.source_id, d.source_id, i.attribution from marts.fct_incidents i "
        "left join marts.fct_deployments d on i.deployment_key = d.deployment_key "
        "order by 1, 2",
    )
    assert links == [
        ("files", "INC-2", "6", "window"),
        ("files", "Q1", "12", "explicit"),
        ("pagerduty", "Q1", "1", "window"),
        ("pagerduty", "Q2", None, None),
        ("pagerduty", "Q3", "6", "window"),
        ("pagerduty", "Q4", None, None),
        ("pagerduty", "Q5", None, None),
    ]
    failed = _query(
        warehouse,
        "select source_id, failure_reasons, linked_incidents, recovered_by, recovery_seconds, "
        "is_open from marts.fct_failed_deployments order by 1",
    )
    assert failed == [
        ("1", "incident", 1, "incident", 39300.0, False),
        ("12", "incident", 1, "incident", 7200.0, False),
        ("6", "incident", 2, None, None, True),
    ]
    # a[1, 3, 5, 5]: the repeated sha is a redeploy, not a rollback
    flags = _query(
        warehouse,
        "select source_id, is_failed, is_rollback, is_rework from marts.fct_deployments "
        "where repository = 'acme/payments-api' order by created_at",
    )
    assert flags == [
        ("1", True, False, False),
        ("2", None, None, None),
        ("3", None, None, None),
        ("4", False, False, False),
        ("5", None, None, None),
        ("8", False, False, False),
        ("6", True, False, False),
        ("7", None, None, None),
    ]


def test_fct_changes_incremental_run_and_full_refresh_agree(built, tmp_path):
    """Changes: a2 ships with deployment 4 (a3 merges it: never a change), a4 and a5 with 8;
    deployment 1 is the first (no range) and 6 redeploys a5 (empty range). An incremental
    run and a full refresh over a copy of the warehouse leave the same rows."""
    warehouse, _ = built
    sql = (
        "select sha, deployment_id, authored_at, deployed_at, lead_time_seconds, is_excluded "
        "from marts.fct_changes order by sha"
    )
    dt = datetime
    expected = [
        ("a2", 4, dt(2025, 12, 29, 20), dt(2025, 12, 30, 11), 54000.0, False),
        ("a4", 8, dt(2025, 12, 30, 13), dt(2025, 12, 30, 15), 7200.0, False),
        ("a5", 8, dt(2025, 12, 30, 14), dt(2025, 12, 30, 15), 3600.0, False),
    ]
    assert _query(warehouse, sql) == expected
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    for extra in ([], ["--full-refresh"]):
        result = _dbt(
            ["run", "--select", "fct_changes", *extra],
            _env(copy, tmp_path / "logs"),
            tmp_path / "target",
        )
        assert result.returncode == 0, result.stdout[-4000:]
        assert _query(copy, sql) == expected


def _contract_ran(run_results: dict, model: str) -> list[str]:
    """Statuses of the column_contract test of `model` in a build's results."""
    prefix = f"test.valuestream.column_contract_{model}."
    return [r["status"] for r in run_results["results"] if r["unique_id"].startswith(prefix)]


def test_column_contract_names_each_null_duplicate_and_unknown_value(built, tmp_path):
    """The column_contract test of fct_deployments passes on the built warehouse and, once
    two columns hold NULLs, a deployment is there twice, a state is unknown and a value
    stream is missing from dim_value_streams, fails with one row per broken check, naming
    the check and the column and counting the rows."""
    warehouse, run_results = built
    assert _contract_ran(run_results, "fct_deployments") == ["pass"]
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "insert into marts.fct_deployments select * from marts.fct_deployments"
            " where deployment_key in (select max(deployment_key) from marts.fct_deployments)"
        )
        con.execute(
            "update marts.fct_deployments set repository = null, final_state = null"
            " where deployment_key in (select min(deployment_key) from marts.fct_deployments)"
        )
        con.execute(
            "update marts.fct_deployments set repository = null, final_state = 'exploded'"
            " where deployment_key in (select max(deployment_key) from marts.fct_deployments)"
        )
        con.execute(
            "update marts.fct_deployments set value_stream_id = 'no-such-stream'"
            " where deployment_key in (select min(deployment_key) from marts.fct_deployments)"
        )
    assert _contract_failures(copy, tmp_path, "fct_deployments") == [
        ("accepted_values", "final_state", 2),
        ("not_null", "final_state", 1),
        ("not_null", "repository", 3),
        ("relationships", "value_stream_id", 1),
        ("unique", "deployment_key", 1),
    ]


def _contract_failures(warehouse: Path, tmp_path: Path, model: str) -> list[tuple]:
    """Run the column_contract test of `model` on `warehouse`, which must now fail; the
    (check_name, column_name, broken_rows) rows it stored, ordered (dbt's failure count is
    their number)."""
    target = tmp_path / "target"
    result = _dbt(
        [
            "test",
            "--select",
            f"column_contract_{model}",
            "--store-failures",
            "--exclude-resource-type",
            "unit_test",
        ],
        _env(warehouse, tmp_path / "logs"),
        target,
    )
    assert result.returncode == 1, result.stdout[-4000:]
    (failed,) = json.loads((target / "run_results.json").read_text())["results"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (schema,) = con.execute(
            "select table_schema from information_schema.tables where table_name = ?",
            [f"column_contract_{model}"],
        ).fetchone()
        rows = con.execute(
            "select check_name, column_name, broken_rows"
            f' from "{schema}"."column_contract_{model}" order by all'
        ).fetchall()
    assert failed["status"] == "fail" and failed["failures"] == len(rows)
    return rows


CFR = "mart_dora_change_failure_rate"


def test_column_contract_names_each_column_out_of_range_and_shared_key(built, tmp_path):
    """The column_contract test of the change failure rate mart passes on the built
    warehouse and, once a count is negative in one row, a rate is above 1 in two and a
    period is there twice, fails with one row per broken check, naming the column (the
    compound key's columns) and how many rows (keys) break it; NULL rates (no deployment)
    stay in range."""
    warehouse, run_results = built
    assert _contract_ran(run_results, CFR) == ["pass"]
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        keys = con.execute(
            f"select grain, period_start, slice, slice_value from marts.{CFR}"
            " where rate is not null order by all limit 2"
        ).fetchall()
        assert len(keys) == 2
        where = "grain = ? and period_start = ? and slice = ? and slice_value = ?"
        con.execute(
            f"update marts.{CFR} set rate = 1.5, deployments = -1 where {where}",
            list(keys[0]),
        )
        con.execute(f"update marts.{CFR} set rate = 2 where {where}", list(keys[1]))
        con.execute(
            f"insert into marts.{CFR} select * from marts.{CFR} where {where}", list(keys[1])
        )
    assert _contract_failures(copy, tmp_path, CFR) == [
        ("between_zero_and_one", "rate", 3),
        ("non_negative", "deployments", 1),
        ("unique_combination", "grain, period_start, slice, value_stream_id, slice_value", 1),
    ]


# Columns that say when a run wrote a row: they differ between any two builds.
RUN_TIME_COLUMNS = (
    "rewritten_at",
    "replaced_rewritten_at",
    "intervals_rewritten_at",
    "periods_written_at",
)


def _comparable(value: object) -> object:
    """A value as both warehouses can agree on it: numbers as floats to 6 places, aware
    timestamps in UTC without their zone, lists as tuples."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float | Decimal):
        return round(float(value), 6)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, list | tuple):
        return tuple(_comparable(item) for item in value)
    return value


def test_the_same_models_build_on_postgresql_with_the_same_marts(built, tmp_path):
    """architecture.md: the same models run unchanged on PostgreSQL. The raw dataset loaded
    into a PostgreSQL server, `dbt build --target postgres` runs every model, seed, data,
    audit and unit test, and every mart holds the rows the DuckDB build holds."""
    warehouse, _ = built
    with postgres_server() as settings:
        run_sql(settings, RAW_SQL)
        env = _env(warehouse, tmp_path / "logs")
        env.update(settings, VSM_DBT_TARGET="postgres")
        result = _dbt(["build"], env, tmp_path / "target")
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
        assert "ERROR=0" in result.stdout and "SKIP=0" in result.stdout

        with duckdb.connect(str(warehouse), read_only=True) as con:
            tables = [
                name
                for (name,) in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'marts' order by 1"
                ).fetchall()
            ]
            assert len(tables) > 25
            for table in tables:
                columns = [
                    name
                    for (name,) in con.execute(
                        "select column_name from information_schema.columns "
                        "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                        [table],
                    ).fetchall()
                    if name not in RUN_TIME_COLUMNS
                ]
                listed = ", ".join(f'"{name}"' for name in columns)
                query = f'select {listed} from marts."{table}"'
                expected = sorted(
                    (tuple(map(_comparable, row)) for row in con.execute(query).fetchall()),
                    key=repr,
                )
                on_postgres = sorted(
                    (tuple(map(_comparable, row)) for row in fetch(settings, query)), key=repr
                )
                assert on_postgres == expected, table
