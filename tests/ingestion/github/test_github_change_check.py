"""The change-check of later runs (`ingestion.sources.github.changes`): a repository's REST
lists of deployments, releases and issues are asked only when its probe pages show a change.
Each step below moves the sandbox's clock to exactly one change in one repository -- a
status added to a deployment created before the last run, a new deployment, a published
release, a new issue, an issue closed -- and a run must load it, leaving every table equal
to the sandbox's own counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from github_test_support import NOW, query, repositories

from ingestion.pipelines import github_pipeline
from ingestion.sandbox.counts import github_counts
from ingestion.sources.github import changes, github_source

START = NOW - timedelta(days=10)
CHECKED = ("deployments", "deployment_statuses", "releases", "issues")


def _at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@pytest.fixture(scope="module")
def runner(org, server, token, tmp_path_factory):
    base = tmp_path_factory.mktemp("github-change-check")
    warehouse = base / "warehouse.duckdb"
    pipeline = github_pipeline(warehouse, base / "dlt")

    def run(clock: datetime) -> dict[str, int]:
        server.clock = clock
        server.reset_counts()
        source = github_source(repositories(org), api_url=server.github_api_url)
        pipeline.run(source).raise_on_failed_jobs()
        return dict(server.request_counts)

    try:
        run(START)
        yield warehouse, run
    finally:
        server.clock = NOW


def _matches_the_sandbox(org, server, warehouse, clock: datetime) -> None:
    ts = int(clock.timestamp())
    expected = github_counts(org, ts, server)
    for table in ("deployments", "releases", "issues"):
        got = query(warehouse, f"select count(*) from raw_github.{table}")[0][0]
        assert got == expected[table], table
    # Statuses, but the `inactive` GitHub adds to a deployment once a newer one replaces
    # it: one created before the re-read window is not read again (REST or GraphQL).
    through_workflow = {r.full_name for r in org.repositories if r.deploy_via == "workflow"}
    statuses = sum(
        1
        for d in org.all_deployments()
        if d.repository not in through_workflow and d.created_ts <= ts
        for s in d.statuses
        if s.created_ts <= ts and s.state != "inactive"
    )
    got = query(
        warehouse,
        "select count(*) from raw_github.deployment_statuses where state <> 'inactive'",
    )[0][0]
    assert got == statuses


def test_each_single_change_is_loaded(org, server, runner):
    warehouse, run = runner
    start = int(START.timestamp())
    through_workflow = {r.full_name for r in org.repositories if r.deploy_via == "workflow"}
    deployments = [d for d in org.all_deployments() if d.repository not in through_workflow]
    issues = [i for items in org.issues.values() for i in items]

    def status_sql(status_id: int) -> str:
        return f"select deployment_id from raw_github.deployment_statuses where id = {status_id}"

    def issue_sql(repository: str, number: int) -> str:
        return (
            "select state, closed_at from raw_github.issues "
            f"where repository = '{repository}' and number = {number}"
        )

    # The first change of each kind after the full load, each checked after a run at its
    # own time (in the order they happened).
    late = min(
        (s.created_ts, s.status_id, d.deployment_id)
        for d in deployments
        if d.created_ts <= start
        for s in d.statuses
        if s.created_ts > start
    )
    created = min((d.created_ts, d.deployment_id) for d in deployments if d.created_ts > start)
    release = min(
        (r.published_ts, r.release_id)
        for rs in org.releases.values()
        for r in rs
        if r.published_ts > start
    )
    opened = min((i.created_ts, i.repository, i.number) for i in issues if i.created_ts > start)
    closed = min(
        (i.closed_ts, i.repository, i.number)
        for i in issues
        if i.created_ts <= start and i.closed_ts is not None and i.closed_ts > start
    )
    steps = [
        (late[0], "a status of a deployment loaded before", status_sql(late[1]), [(late[2],)]),
        (
            created[0],
            "a new deployment",
            f"select count(*) from raw_github.deployments where id = {created[1]}",
            [(1,)],
        ),
        (
            release[0],
            "a published release",
            f"select count(*) from raw_github.releases where id = {release[1]}",
            [(1,)],
        ),
        (opened[0], "an opened issue", issue_sql(*opened[1:]), [("open", None)]),
        (closed[0], "a closed issue", issue_sql(*closed[1:]), [("closed", _at(closed[0]))]),
    ]
    for ts, change, sql, expected in sorted(steps, key=lambda step: step[0]):
        run(_at(ts))
        assert query(warehouse, sql) == expected, change
        _matches_the_sandbox(org, server, warehouse, _at(ts))


def test_nothing_changed_asks_no_rest_list(org, runner):
    warehouse, run = runner
    before = {
        table: query(warehouse, f"select count(*) from raw_github.{table}")[0][0]
        for table in CHECKED
    }
    # The clock of the last step again: nothing new anywhere.
    clock = max(
        query(warehouse, "select max(updated_at) from raw_github.issues")[0][0],
        query(warehouse, "select max(created_at) from raw_github.deployment_statuses")[0][0],
    )
    requests = run(clock)
    for endpoint in ("deployments", "releases", "issues"):
        assert f"/repos/{{owner}}/{{repo}}/{endpoint}" not in requests, endpoint
    after = {
        table: query(warehouse, f"select count(*) from raw_github.{table}")[0][0]
        for table in CHECKED
    }
    assert after == before


# --------------------------------------------------------------------------- the rules


def _page(nodes: list[dict], more: bool = False) -> dict:
    return {"nodes": nodes, "pageInfo": {"hasNextPage": more}}


def test_deployments_check_needs_the_whole_window_as_kept():
    start = datetime(2026, 11, 10, tzinfo=UTC)
    kept = {"1": "2026-11-12T10:00:00+00:00", "2": "2026-11-11T09:00:00+00:00"}
    inside = [
        {"databaseId": 1, "createdAt": "2026-11-12T09:00:00Z", "updatedAt": "2026-11-12T10:00:00Z"},
        {"databaseId": 2, "createdAt": "2026-11-11T08:00:00Z", "updatedAt": "2026-11-11T09:00:00Z"},
    ]
    older = {
        "databaseId": 0,
        "createdAt": "2026-11-01T00:00:00Z",
        "updatedAt": "2026-11-20T00:00:00Z",
    }
    assert changes.deployments_unchanged(_page([*inside, older], more=True), start, kept)
    assert changes.deployments_unchanged(_page(inside), start, kept)
    # the page stops inside the window: what follows is unknown
    assert not changes.deployments_unchanged(_page(inside, more=True), start, kept)
    # a new status moved one's updated_at; a new deployment; nothing kept yet
    moved = [{**inside[0], "updatedAt": "2026-11-13T00:00:00Z"}, inside[1]]
    assert not changes.deployments_unchanged(_page(moved), start, kept)
    new = {
        "databaseId": 3,
        "createdAt": "2026-11-13T00:00:00Z",
        "updatedAt": "2026-11-13T00:00:00Z",
    }
    assert not changes.deployments_unchanged(_page([new, *inside]), start, kept)
    assert not changes.deployments_unchanged(_page(inside), start, None)
    assert not changes.deployments_unchanged(None, start, kept)


def test_releases_check_compares_what_both_apis_serve():
    created = datetime(2026, 11, 12, tzinfo=UTC)
    row = {
        "id": 7, "tag_name": "v1.2.0", "name": "v1.2.0", "draft": False, "prerelease": False,
        "created_at": created, "published_at": created, "body": "Notes",
    }  # fmt: skip
    node = {
        "id": "MDc6UmVsZWFzZTc=",  # legacy node id of Release 7
        "tagName": "v1.2.0", "name": "v1.2.0", "isDraft": False, "isPrerelease": False,
        "createdAt": "2026-11-12T00:00:00Z", "publishedAt": "2026-11-12T00:00:00Z",
        "description": "Notes",
    }  # fmt: skip
    kept = changes.remember_releases([row])
    start = datetime(2026, 11, 5, tzinfo=UTC)
    assert changes.releases_unchanged(_page([node]), start, kept)
    assert not changes.releases_unchanged(_page([{**node, "name": "Renamed"}]), start, kept)
    assert not changes.releases_unchanged(_page([{**node, "isDraft": True}]), start, kept)
    assert not changes.releases_unchanged(_page([node], more=True), start, kept)
    assert changes.releases_unchanged(_page([]), None, {})
    assert not changes.releases_unchanged(_page([node]), None, {})


def test_issues_check_wants_every_issue_updated_since_as_kept():
    since = datetime(2026, 11, 12, tzinfo=UTC)
    rows = [
        {"number": 4, "updated_at": datetime(2026, 11, 12, 6, tzinfo=UTC)},
        {"number": 3, "updated_at": datetime(2026, 11, 1, tzinfo=UTC)},  # before `since`
    ]
    kept = changes.remember_issues(rows, since)
    assert kept == {"4": "2026-11-12T06:00:00+00:00"}
    node = {"number": 4, "updatedAt": "2026-11-12T06:00:00Z"}
    assert changes.issues_unchanged(_page([node]), kept)
    assert not changes.issues_unchanged(
        _page([{**node, "updatedAt": "2026-11-12T07:00:00Z"}]), kept
    )
    assert not changes.issues_unchanged(_page([node, {**node, "number": 5}]), kept)
    assert not changes.issues_unchanged(_page([node], more=True), kept)
    assert not changes.issues_unchanged(_page([node]), None)
