"""The Jira source against the sandbox's Jira over HTTP, into a temporary DuckDB: a full load
equals the sandbox, a second run changes nothing, a day later only what changed is read."""

from __future__ import annotations

import base64
import json
import logging
from array import array
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.pipelines import jira_pipeline, source_failure
from ingestion.sandbox import SandboxServer, generate_organisation
from ingestion.sandbox.jira.api import jira_time
from ingestion.sandbox.jira.model import CATEGORIES, RANK
from ingestion.sandbox.knobs import Budget, Faults
from ingestion.sources.jira import JiraAuthError, jira_source

NOW = datetime(2026, 11, 23, tzinfo=UTC)
NOW_TS = int(NOW.timestamp())
DAY = 86_400
# The first runs see the sandbox a day before its end; the last one sees the day after.
START = NOW - timedelta(days=1)
START_TS = NOW_TS - DAY
SEARCH = "/rest/api/3/search/jql"
CHANGELOG = "/rest/api/3/issue/{issueIdOrKey}/changelog"
ISSUE = "/rest/api/3/issue/{issueIdOrKey}"
STATUS = "/rest/api/3/status"
VERSIONS = "/rest/api/3/project/{projectIdOrKey}/versions"
OVERLAP = 180 * 60  # the source's default overlap, in seconds
TABLES = ("issues", "changelog_items", "statuses", "versions")


# --------------------------------------------------------------------------- the sandbox


def _lengthen(issue, stamps: list[int]) -> None:
    """Add "Ranked higher/lower" histories at `stamps`, keeping the changelog in time order."""
    histories = list(issue.histories())
    histories += [(ts, RANK, 1 + n % 2, 0, 0) for n, ts in enumerate(stamps)]
    histories.sort(key=lambda h: h[0])
    issue.changelog = array("q")
    for history in histories:
        issue.add(*history)


def _quiet_issue(jira, project: str, taken: set[str]):
    """An issue of `project` created long ago whose last change is older than 30 days."""
    return next(
        i
        for i in jira.issues
        if i.project_key == project
        and i.key not in taken
        and i.created_ts < NOW_TS - 200 * DAY
        and i.history_count
        and i.changelog[(i.history_count - 1) * 5] < NOW_TS - 30 * DAY
    )


@pytest.fixture(scope="module")
def org():
    return generate_organisation(tier="small", seed=7, now=NOW)


@pytest.fixture(scope="module")
def long_changelogs(org) -> tuple[str, str]:
    """Two issues whose changelog exceeds the 100 histories Jira embeds in a search: one of
    ~260 (the older ones paged in two requests), one that grows by five histories in the
    last day."""
    jira = org.jira
    very_long = _quiet_issue(jira, "CHK", set())
    start = very_long.created_ts + 3600
    _lengthen(very_long, [start + n * 600 for n in range(250)])
    growing = _quiet_issue(jira, "CAT", {very_long.key})
    start = growing.created_ts + 3600
    later = [START_TS + 3600 * (n + 1) for n in range(5)]
    _lengthen(growing, [start + n * 600 for n in range(120)] + later)
    # History ids stay unique: the n-th history of an issue is history_base + n.
    base = 100_000
    for issue in jira.issues:
        issue.history_base = base
        base += issue.history_count
    return very_long.key, growing.key


@pytest.fixture(scope="module")
def server(org, long_changelogs):
    with SandboxServer(org, host="127.0.0.1", port=0) as running:
        running.clock = START
        yield running


@pytest.fixture(scope="module")
def env(server):
    with pytest.MonkeyPatch.context() as patch:
        for name, value in server.environment().items():
            patch.setenv(name, value)
        yield patch


def projects(org) -> list[str]:
    return [p.key for p in org.jira.projects]


def sandbox_state(server, clock: int) -> dict[str, object]:
    """What the sandbox's Jira serves at `clock`, as the warehouse should hold it."""
    jira, api = server.org.jira, server.jira
    visible = [i for i in jira.issues if i.created_ts <= clock]
    items = set()
    for issue in visible:
        for n in range(issue.visible_count(clock)):
            history = json.loads(api._history_json(issue, n))
            items.update((history["id"], index) for index in range(len(history["items"])))
    issues = {}
    for issue in visible:
        status, _resolution, flagged, updated, _assignee, _priority = issue.state_at(clock)
        issues[str(issue.issue_id)] = (
            issue.key,
            str(status),
            flagged,
            datetime.fromtimestamp(updated, UTC),
        )
    return {
        "issues": issues,
        "changelog_items": items,
        "statuses": {str(s) for s in jira.statuses},
        "versions": {str(v.version_id) for v in jira.versions if v.created_ts <= clock},
    }


# --------------------------------------------------------------------------- the warehouse


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    return {
        table: sorted(
            query(warehouse, f"select * exclude (_dlt_load_id, _dlt_id) from raw_jira.{table}"),
            key=repr,
        )
        for table in TABLES
    }


def warehouse_state(warehouse: Path) -> dict[str, object]:
    issues = {
        row[0]: (row[1], row[2], row[3], row[4])
        for row in query(
            warehouse, "select id, key, status_id, flagged, updated from raw_jira.issues"
        )
    }
    items = set(query(warehouse, "select history_id, item_index from raw_jira.changelog_items"))
    return {
        "issues": issues,
        "changelog_items": items,
        "statuses": {r[0] for r in query(warehouse, "select id from raw_jira.statuses")},
        "versions": {r[0] for r in query(warehouse, "select id from raw_jira.versions")},
    }


@pytest.fixture(scope="module")
def runs(org, server, env, tmp_path_factory):
    """A full load, the same again, and one a day later; what each asked and left."""
    base = tmp_path_factory.mktemp("jira")
    warehouse = base / "warehouse.duckdb"
    pipeline = jira_pipeline(warehouse, base / "dlt")
    keys = projects(org)
    result: dict[str, object] = {"warehouse": warehouse}
    try:
        for name in ("first", "second"):
            server.reset_counts()
            pipeline.run(jira_source(keys)).raise_on_failed_jobs()
            result[name] = {
                "snapshot": snapshot(warehouse),
                "state": warehouse_state(warehouse),
                "requests": dict(server.request_counts),
                "rows": dict(pipeline.last_trace.last_normalize_info.row_counts),
            }
        result["cursors"] = dict(
            pipeline.state["sources"]["jira"]["resources"]["issue_pages"]["updated_cursor"]
        )
        server.advance(timedelta(days=1))
        server.reset_counts()
        pipeline.run(jira_source(keys)).raise_on_failed_jobs()
        assert server.clock == NOW
        result["third"] = {
            "state": warehouse_state(warehouse),
            "requests": dict(server.request_counts),
            "rows": dict(pipeline.last_trace.last_normalize_info.row_counts),
            "issue_ids": {
                r[0]
                for r in query(
                    warehouse,
                    "select id from raw_jira.issues where _dlt_load_id = "
                    "(select max(load_id) from raw_jira._dlt_loads)",
                )
            },
        }
        result["expected_third"] = sandbox_state(server, NOW_TS)
    finally:
        server.clock = START
    result["expected_first"] = sandbox_state(server, START_TS)
    return result


# --------------------------------------------------------------------------- full load


def test_full_load_equals_the_sandbox(org, runs):
    got, expected = runs["first"]["state"], runs["expected_first"]
    assert len(got["issues"]) == len(expected["issues"]) == sum(_issues_per_project(org).values())
    assert got["issues"] == expected["issues"]
    assert got["changelog_items"] == expected["changelog_items"]
    assert len(got["changelog_items"]) > org.jira.summary()["changelog_histories"]
    assert got["statuses"] == expected["statuses"] and len(got["statuses"]) == 24
    assert got["versions"] == expected["versions"]


def test_long_changelogs_are_paged_only_where_truncated(org, long_changelogs, runs):
    very_long, growing = (org.jira.issue(k) for k in long_changelogs)
    assert very_long.visible_count(START_TS) > 200
    assert 100 < growing.visible_count(START_TS) < growing.visible_count(NOW_TS) < 200
    requests = runs["first"]["requests"]
    # The 260 histories: 100 embedded, the oldest 160 in two pages; the other issue: one.
    assert requests[CHANGELOG] == 3
    assert ISSUE not in requests
    # One search for all projects (`project in (...)`), the statuses, versions per project.
    assert requests[SEARCH] == -(-sum(_issues_per_project(org).values()) // 100)
    assert requests[STATUS] == 1
    assert requests[VERSIONS] == len(projects(org))
    rows = query(
        runs["warehouse"],
        "select issue_key, count(distinct history_id), min(history_id::bigint), "
        "max(history_id::bigint) from raw_jira.changelog_items "
        f"where issue_key = '{very_long.key}' group by issue_key",
    )
    count = very_long.visible_count(START_TS)
    assert rows == [
        (very_long.key, count, very_long.history_base, very_long.history_base + count - 1)
    ]


def _issues_per_project(org) -> dict[str, int]:
    counts: dict[str, int] = {}
    for issue in org.jira.issues:
        if issue.created_ts <= START_TS:
            counts[issue.project_key] = counts.get(issue.project_key, 0) + 1
    return counts


def test_times_are_utc_whatever_the_offset(org, runs):
    winter = next(i for i in org.jira.issues if jira_time(i.created_ts).endswith("+0100"))
    summer = next(i for i in org.jira.issues if jira_time(i.created_ts).endswith("+0200"))
    for issue in (winter, summer):
        rows = query(
            runs["warehouse"], f"select created from raw_jira.issues where key = '{issue.key}'"
        )
        assert rows == [(datetime.fromtimestamp(issue.created_ts, UTC),)]
    history = next(i for i in org.jira.issues if i.history_count and i.created_ts < NOW_TS)
    rows = query(
        runs["warehouse"],
        "select created from raw_jira.changelog_items "
        f"where history_id = '{history.history_base}' and item_index = 0",
    )
    assert rows == [(datetime.fromtimestamp(history.changelog[0], UTC),)]


def test_flags_parents_and_status_categories(org, runs):
    rows = query(
        runs["warehouse"],
        "select key, flagged, parent_key, epic_key, status_id, status_category, issue_type, "
        "labels, fix_version_ids from raw_jira.issues",
    )
    by_key = {r[0]: r for r in rows}
    statuses = org.jira.statuses
    flagged = set()
    for issue in org.jira.issues:
        key, is_flagged, parent_key, epic_key, status_id, category, issue_type, labels, fixes = (
            by_key[issue.key]
        )
        state = issue.state_at(NOW_TS)  # the warehouse after the last run
        assert is_flagged == state[2]
        if is_flagged:
            flagged.add(key)
        assert parent_key == issue.parent_key
        parent = org.jira.issue(issue.parent_key) if issue.parent_key else None
        assert epic_key == (parent.key if parent and parent.issue_type == "Epic" else None)
        assert status_id == str(state[0])
        assert category == statuses[state[0]].category
        assert issue_type == issue.issue_type
        assert json.loads(labels) == list(issue.labels)
        assert json.loads(fixes) == [str(v) for v in issue.fix_versions]
    assert flagged and len(flagged) < len(rows)
    categories = dict(
        query(
            runs["warehouse"],
            "select status_category_key, status_category_name from raw_jira.statuses",
        )
    )
    assert categories == {key: name for key, (_id, _colour, name) in CATEGORIES.items()}


def test_versions(org, runs):
    version = next(v for v in org.jira.versions if v.released_ts and v.released_ts < START_TS)
    rows = query(
        runs["warehouse"],
        "select project_key, name, released, start_date, release_date from raw_jira.versions "
        f"where id = '{version.version_id}'",
    )
    released_on = datetime.fromtimestamp(version.released_ts, UTC).date()
    start = datetime.fromtimestamp(version.start_ts, UTC).date()
    assert rows == [(version.project_key, version.name, True, start, released_on)]


# --------------------------------------------------------------------------- incremental


def test_second_run_changes_nothing(runs):
    assert runs["second"]["snapshot"] == runs["first"]["snapshot"]
    requests = runs["second"]["requests"]
    # One search page for all projects (the overlap only), no changelog pages; the
    # statuses are not read again (no issue shows one that is new or changed).
    assert requests[SEARCH] == 1
    assert CHANGELOG not in requests and ISSUE not in requests and STATUS not in requests
    assert runs["second"]["rows"]["issues"] < 40


def test_a_day_later_only_changed_issues_are_read(org, runs):
    third = runs["third"]
    expected = runs["expected_third"]
    assert third["state"] == expected

    # Read: exactly the issues updated since each project's cursor minus the overlap.
    cursors = {
        project: int(datetime.fromisoformat(text).timestamp())
        for project, text in runs["cursors"].items()
    }
    since = {project: (ts - OVERLAP) - (ts - OVERLAP) % 60 for project, ts in cursors.items()}
    read = set()
    changed = set()
    for issue in org.jira.issues:
        if issue.created_ts > NOW_TS:
            continue
        updated = issue.state_at(NOW_TS)[3]
        if updated - updated % 60 >= since[issue.project_key]:
            read.add(str(issue.issue_id))
        if updated > START_TS:
            changed.add(str(issue.issue_id))
    assert changed and changed <= read
    assert third["issue_ids"] == read
    assert third["rows"]["issues"] == len(read) < 0.05 * len(expected["issues"])

    requests = third["requests"]
    # One search for all projects, from the oldest cursor minus the overlap.
    assert len(set(since.values())) == 1
    assert requests[SEARCH] == -(-len(read) // 100)
    assert requests[VERSIONS] == len(projects(org))
    # The statuses are read again only when an issue read shows one renamed (or new).
    renamed = {
        str(s.status_id)
        for s in org.jira.statuses.values()
        if s.name_at(START_TS) != s.name_at(NOW_TS)
    }
    shown = {str(i.state_at(NOW_TS)[0]) for i in org.jira.issues if str(i.issue_id) in read}
    assert requests.get(STATUS, 0) == (1 if renamed & shown else 0)
    # Only the growing issue's changelog is paged again (its older histories).
    assert requests[CHANGELOG] == 1
    assert ISSUE not in requests


def test_a_project_added_later_is_read_whole_the_others_from_their_cursor(
    org, server, env, tmp_path
):
    warehouse = tmp_path / "warehouse.duckdb"
    pipeline = jira_pipeline(warehouse, tmp_path / "dlt")
    pipeline.run(jira_source(["CHK"])).raise_on_failed_jobs()
    server.reset_counts()
    pipeline.run(jira_source(["CHK", "BIL"])).raise_on_failed_jobs()
    requests = dict(server.request_counts)
    # BIL whole by a search of its own; CHK's overlap in one page; no statuses.
    assert requests[SEARCH] == -(-_issues_per_project(org)["BIL"] // 100) + 1
    assert STATUS not in requests
    assert requests[VERSIONS] == 2
    loaded = {r[0] for r in query(warehouse, "select key from raw_jira.issues")}
    expected = {
        i.key
        for i in org.jira.issues
        if i.project_key in ("CHK", "BIL") and i.created_ts <= START_TS
    }
    assert loaded == expected
    cursors = pipeline.state["sources"]["jira"]["resources"]["issue_pages"]["updated_cursor"]
    assert set(cursors) == {"CHK", "BIL"}


def test_statuses_are_read_again_when_an_issue_shows_an_unknown_one(server, env, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    pipeline = jira_pipeline(warehouse, tmp_path / "dlt")
    pipeline.run(jira_source(["CHK"])).raise_on_failed_jobs()
    # As if the status of CHK's most recently updated issue had been added to the workflow
    # after the statuses were read.
    newest = query(warehouse, "select status_id from raw_jira.issues order by updated desc")
    with pipeline.managed_state() as state:
        known = state["sources"]["jira"]["resources"]["issue_pages"]["known_statuses"]
        assert len(known) == 24
        del known[newest[0][0]]
    server.reset_counts()
    pipeline.run(jira_source(["CHK"])).raise_on_failed_jobs()
    assert server.request_counts[STATUS] == 1
    known = pipeline.state["sources"]["jira"]["resources"]["issue_pages"]["known_statuses"]
    assert newest[0][0] in known and len(known) == 24
    assert len(query(warehouse, "select id from raw_jira.statuses")) == 24
    # Known again: the next run does not ask.
    server.reset_counts()
    pipeline.run(jira_source(["CHK"])).raise_on_failed_jobs()
    assert STATUS not in server.request_counts


# --------------------------------------------------------------------------- failures


def test_wrong_token_stops_with_one_line(org, server, tmp_path, monkeypatch, caplog):
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SOURCES__JIRA__API_TOKEN", "not-the-token")
    pipeline = jira_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    with pytest.raises(PipelineStepFailed) as caught:
        pipeline.run(jira_source(["CHK"]))
    line = source_failure(caught.value)
    assert line == (
        "jira source: Jira answered 401 You are not authenticated. Authentication required to "
        "perform this operation. to GET /rest/api/3/status; set SOURCES__JIRA__API_TOKEN (and "
        "SOURCES__JIRA__EMAIL) to an API token of an account that can browse the projects"
    )
    assert "not-the-token" not in str(caught.value)
    assert "not-the-token" not in caplog.text


def test_missing_token_stops_with_one_line(server, tmp_path, monkeypatch):
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SOURCES__JIRA__API_TOKEN")
    pipeline = jira_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    with pytest.raises(PipelineStepFailed) as caught:
        pipeline.run(jira_source(["CHK"]))
    assert source_failure(caught.value) == (
        "jira source: no API token; set SOURCES__JIRA__API_TOKEN (and SOURCES__JIRA__EMAIL) or "
        "api_token and email under [sources.jira] in .dlt/secrets.toml"
    )
    chain, current = [], caught.value
    while current is not None:
        chain.append(current)
        current = current.__cause__
    assert isinstance(chain[-1], JiraAuthError)


def test_malformed_issue_is_quarantined_and_cut_page_retried(org, server, env, tmp_path, caplog):
    env.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.1")
    pipeline = jira_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    server.reset_counts()
    server.faults = Faults(
        seed=3, malformed={SEARCH: 1}, truncate={SEARCH: 2}, error_rate=0.0, tools=("jira",)
    )
    try:
        with caplog.at_level(logging.DEBUG):
            pipeline.run(jira_source(["BIL"])).raise_on_failed_jobs()
        injected = dict(server.fronts["jira"].faults_injected)
    finally:
        server.faults = None
    assert injected == {"malformed": 1, "truncated": 1}
    warehouse = tmp_path / "warehouse.duckdb"
    quarantined = query(
        warehouse,
        "select source, entity, record_id, position, reason, raw_payload from raw_jira.quarantine",
    )
    assert len(quarantined) == 1
    source, entity, key, position, reason, payload = quarantined[0]
    assert (source, entity) == ("jira", "issues")
    assert position.startswith("BIL search page 1 item ")
    assert reason.startswith("id: expected an id")
    assert json.loads(payload)["key"] == key
    loaded = {r[0] for r in query(warehouse, "select key from raw_jira.issues")}
    expected = {
        i.key for i in org.jira.issues if i.project_key == "BIL" and i.created_ts <= START_TS
    }
    assert loaded == expected - {key}
    progress = [r.getMessage() for r in caplog.records if r.name == "ingestion.sources.jira"]
    assert any("BIL:" in m and "issues in" in m for m in progress)
    basic = base64.b64encode(f"{server.jira_email}:{server.jira_token}".encode()).decode()
    assert server.jira_token not in caplog.text and basic not in caplog.text


def test_rate_limits_and_server_errors_are_retried(org, server, env, tmp_path):
    env.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.1")  # 429s still wait their Retry-After
    env.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "10")  # 429s and 5xx may follow each other
    pipeline = jira_pipeline(tmp_path / "warehouse.duckdb", tmp_path / "dlt")
    server.reset_counts()
    server.budget = Budget(requests=4, window_seconds=1.0)
    server.faults = Faults(seed=1, error_rate=0.15, tools=("jira",))
    try:
        pipeline.run(jira_source(["SRC"])).raise_on_failed_jobs()
        injected = dict(server.fronts["jira"].faults_injected)
    finally:
        server.budget = None
        server.faults = None
    assert injected.get("error", 0) >= 1
    assert server.request_counts[SEARCH] > _pages(org, "SRC")  # some were answered 429/5xx
    warehouse = tmp_path / "warehouse.duckdb"
    loaded = {r[0] for r in query(warehouse, "select key from raw_jira.issues")}
    expected = {
        i.key for i in org.jira.issues if i.project_key == "SRC" and i.created_ts <= START_TS
    }
    assert loaded == expected


def _pages(org, project: str) -> int:
    return -(-_issues_per_project(org)[project] // 100)


def test_source_from_config_takes_projects_and_url(server, env):
    from ingestion.config import load_config
    from ingestion.pipelines import jira_source_from_config

    config = load_config(Path(__file__).resolve().parents[3] / "valuestream.yml")
    source = jira_source_from_config(config, base_url=server.jira_url, projects=["CHK"])
    assert source.name == "jira"
    assert set(source.selected_resources) == {
        "statuses",
        "versions",
        "issues",
        "changelog_items",
        "issue_links",
    }
