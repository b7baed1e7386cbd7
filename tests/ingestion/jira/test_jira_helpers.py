"""The Jira source's pure parts: the JQL cursor in any time zone, row flattening, the
contract checks, links seen from both ends, completing a truncated changelog."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth, HttpBasicAuth

from ingestion.sources.jira import _complete_changelog
from ingestion.sources.jira.helpers import (
    ContractError,
    JiraAuthError,
    JiraClient,
    changelog_rows,
    issue_row,
    jql_since,
    link_rows,
    newer_cursor,
    status_row,
    version_row,
)

OVERLAP = timedelta(hours=3)


def jira_text(instant: datetime, zone: str) -> str:
    """A timestamp as Jira writes it for a user in `zone`."""
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M:%S.000%z")


def jql_instant(jql: str, zone: str) -> datetime:
    """The instant Jira reads the JQL date as, for a user in `zone`."""
    text = re.search(r'updated >= "([^"]+)"', jql).group(1)
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    "zone",
    ["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati", "UTC"],
)
@pytest.mark.parametrize(
    "cursor",
    [
        datetime(2026, 1, 15, 10, 7, 31, tzinfo=UTC),
        # around the daylight-saving changes of Europe and North America
        datetime(2026, 3, 29, 2, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 11, 15, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 59, tzinfo=UTC),
        datetime(2026, 11, 1, 9, 0, 59, tzinfo=UTC),
    ],
)
def test_cursor_reads_back_at_least_the_overlap_in_any_time_zone(zone, cursor):
    jql = jql_since("CHK", jira_text(cursor, zone), OVERLAP)
    assert jql.startswith('project = "CHK" AND updated >= "') and jql.endswith("ORDER BY key ASC")
    read_from = jql_instant(jql, zone)
    # Never after the cursor, and not much more than the overlap before it.
    assert cursor - read_from >= OVERLAP - timedelta(hours=1)
    assert read_from <= cursor - timedelta(hours=1)
    assert cursor - read_from <= OVERLAP + timedelta(hours=1, minutes=1)


def test_first_run_reads_everything():
    assert jql_since("CHK", None, OVERLAP) == 'project = "CHK" ORDER BY key ASC'


def test_cursor_keeps_the_latest_instant_whatever_its_offset():
    cursor = newer_cursor(None, "2026-03-01T10:00:00.000+0100")  # 09:00 UTC
    assert newer_cursor(cursor, "2026-03-01T10:30:00.000+0200") == cursor  # 08:30 UTC
    assert newer_cursor(cursor, "2026-03-01T09:30:00.000+0000") == "2026-03-01T09:30:00.000+0000"
    assert newer_cursor(cursor, 20240101) == cursor
    assert newer_cursor(cursor, "yesterday") == cursor


ISSUE = {
    "id": "10042",
    "key": "CHK-7",
    "fields": {
        "summary": "Saved cards",
        "issuetype": {"id": "10001", "name": "Story", "subtask": False, "hierarchyLevel": 0},
        "status": {
            "id": "10002",
            "name": "In Progress",
            "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress"},
        },
        "statuscategorychangedate": "2026-07-01T10:00:00.000+0200",
        "priority": {"id": "2", "name": "High"},
        "labels": ["api", "customer"],
        "created": "2026-01-02T04:04:05.000+0100",
        "updated": "2026-07-01T10:00:00.000+0200",
        "resolution": None,
        "resolutiondate": None,
        "project": {"id": "10000", "key": "CHK"},
        "parent": {
            "id": "10002",
            "key": "CHK-1",
            "fields": {"issuetype": {"id": "10000", "name": "Epic", "hierarchyLevel": 1}},
        },
        "fixVersions": [{"id": "10001", "name": "Checkout 2026.01"}],
        "assignee": {"accountId": "5b10a"},
        "reporter": {"accountId": "5b10b"},
        "customfield_10021": [{"id": "10019", "value": "Impediment"}],
    },
    "changelog": {"startAt": 0, "maxResults": 0, "total": 0, "histories": []},
}


def test_issue_row_is_flat_and_utc():
    row = issue_row(ISSUE)
    assert row["id"] == "10042" and row["key"] == "CHK-7" and row["project_key"] == "CHK"
    assert row["created"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert row["updated"] == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert row["status_category"] == "indeterminate" and row["status_id"] == "10002"
    assert row["labels"] == '["api", "customer"]' and row["fix_version_ids"] == '["10001"]'
    assert row["flagged"] is True and row["epic_key"] == "CHK-1" and row["parent_key"] == "CHK-1"
    assert row["assignee_account_id"] == "5b10a" and row["resolutiondate"] is None
    assert not any(isinstance(v, dict | list) for v in row.values())


def test_sub_task_parent_is_not_an_epic_and_unflagged_is_false():
    fields = dict(ISSUE["fields"])
    fields["parent"] = {"id": "1", "key": "CHK-3", "fields": {"issuetype": {"name": "Story"}}}
    fields["customfield_10021"] = None
    row = issue_row({**ISSUE, "fields": fields})
    assert row["parent_key"] == "CHK-3" and row["epic_key"] is None and row["flagged"] is False
    legacy = issue_row({**ISSUE, "fields": {**fields, "customfield_10014": "CHK-9"}},
                       epic_link_field="customfield_10014")  # fmt: skip
    assert legacy["epic_key"] == "CHK-9"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"id": None}, "id: expected an id, got nothing"),
        ({"id": 20240101}, "id: expected an id as text of digits, got 20240101"),
        ({"key": None}, "key: expected an issue key, got nothing"),
        ({"fields": {**ISSUE["fields"], "created": 20240101}}, "created: expected a timestamp"),
        ({"fields": {**ISSUE["fields"], "updated": "yesterday"}}, "updated: expected a timestamp"),
    ],
)
def test_issue_breaking_the_contract(change, reason):
    with pytest.raises(ContractError) as caught:
        issue_row({**ISSUE, **change})
    assert str(caught.value).startswith(reason)


HISTORY = {
    "id": "100007",
    "author": {"accountId": "5b10a"},
    "created": "2026-03-29T03:30:00.000+0200",
    "items": [
        {"field": "resolution", "fieldtype": "jira", "fieldId": "resolution", "from": None,
         "fromString": None, "to": "10000", "toString": "Done"},
        {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "10007",
         "fromString": "Awaiting Deploy", "to": "10008", "toString": "Done"},
    ],
}  # fmt: skip


def test_changelog_rows_one_per_item():
    rows = changelog_rows("10042", "CHK-7", HISTORY)
    assert [(r["history_id"], r["item_index"], r["field"]) for r in rows] == [
        ("100007", 0, "resolution"),
        ("100007", 1, "status"),
    ]
    assert rows[1]["from_value"] == "10007" and rows[1]["to_string"] == "Done"
    assert rows[0]["created"] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with pytest.raises(ContractError, match="created: expected a timestamp"):
        changelog_rows("10042", "CHK-7", {**HISTORY, "created": "not a time"})


def test_a_link_is_one_row_from_either_end():
    link_type = {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"}
    a = {
        "id": "1",
        "key": "CHK-1",
        "fields": {
            "issuelinks": [
                {"id": "500", "type": link_type, "outwardIssue": {"id": "2", "key": "CHK-2"}}
            ]
        },
    }
    b = {"id": "2", "key": "CHK-2", "fields": {"issuelinks": [
        {"id": "500", "type": link_type, "inwardIssue": {"id": "1", "key": "CHK-1"}}]}}  # fmt: skip
    assert link_rows(a) == link_rows(b)
    (row,) = link_rows(a)
    assert (row["inward_issue_key"], row["outward"], row["outward_issue_key"]) == (
        "CHK-1",
        "blocks",
        "CHK-2",
    )


def test_status_and_version_rows():
    status = status_row({
        "id": "10100", "name": "Doing", "statusCategory": {"id": 4, "key": "indeterminate",
        "name": "In Progress"}, "scope": {"type": "PROJECT", "project": {"id": "10004"}},
    })  # fmt: skip
    assert (status["status_category_key"], status["scope_project_id"]) == ("indeterminate", "10004")
    version = version_row("CHK", {"id": "10001", "name": "2026.01", "released": False,
                                  "archived": False, "releaseDate": "2026-02-01",
                                  "startDate": "2026-01-15", "projectId": 10000})  # fmt: skip
    assert version["release_date"].isoformat() == "2026-02-01"
    assert version["project_id"] == "10000" and version["released"] is False


class FakeClient:
    def __init__(self, histories):
        self.histories = histories
        self.asked: list[tuple[str, int]] = []

    def older_histories(self, key, missing):
        self.asked.append((key, missing))
        return self.histories


def test_truncated_changelog_is_completed_once_per_issue():
    histories = [{"id": str(n)} for n in range(130)]
    embedded = {"total": 130, "histories": list(reversed(histories[30:]))}  # the newest 100
    client = FakeClient(histories[:100])  # one page, oldest first
    merged, asked = _complete_changelog(client, "CHK-7", embedded)
    assert asked == 1 and client.asked == [("CHK-7", 30)]
    assert sorted(int(h["id"]) for h in merged) == list(range(130))
    complete = {"total": 3, "histories": histories[:3]}
    assert _complete_changelog(client, "CHK-8", complete) == (histories[:3], 0)
    assert client.asked == [("CHK-7", 30)]


def test_credentials_choose_the_auth():
    cloud = JiraClient("https://acme.atlassian.net", "me@acme.example", "token")
    assert isinstance(cloud.rest.auth, HttpBasicAuth) and cloud.api == "/rest/api/3"
    dc = JiraClient("https://jira.acme.example", None, "pat", deployment="datacenter")
    assert isinstance(dc.rest.auth, BearerTokenAuth) and dc.api == "/rest/api/2"
    with pytest.raises(JiraAuthError, match="no account e-mail"):
        JiraClient("https://acme.atlassian.net", None, "token")
    with pytest.raises(JiraAuthError, match="no API token"):
        JiraClient("https://acme.atlassian.net", "me@acme.example", None)


def test_several_projects_are_one_search():
    cursor = "2026-11-20T10:00:00.000+0100"
    assert jql_since(["CHK", "BIL"], cursor, OVERLAP) == (
        'project in ("CHK", "BIL") AND updated >= "2026-11-20 07:00" ORDER BY key ASC'
    )
    assert jql_since(["CHK"], None, OVERLAP) == 'project = "CHK" ORDER BY key ASC'


def test_searches_start_at_the_oldest_cursor_and_read_new_projects_whole():
    from ingestion.sources.jira import _search_groups

    newer, older = "2026-11-20T10:00:00.000+0100", "2026-11-20T08:30:00.000+0100"
    cursors = {"CHK": newer, "BIL": older, "OPS": newer}
    # NEW has no cursor; OPS had an issue quarantined without a readable `updated`.
    groups = _search_groups(["CHK", "BIL", "NEW", "OPS"], cursors, {"OPS": ""})
    assert groups == [(["NEW", "OPS"], None), (["CHK", "BIL"], older)]
    # A quarantined issue's older `updated` moves the start back.
    quarantined = "2026-03-01T08:00:00.000+0100"
    groups = _search_groups(["CHK", "BIL"], cursors, {"CHK": quarantined})
    assert groups == [(["CHK", "BIL"], quarantined)]
    assert _search_groups([], {}, {}) == []


def test_searches_are_split_beyond_the_projects_a_search_takes(monkeypatch):
    from ingestion.sources import jira
    from ingestion.sources.jira import settings

    monkeypatch.setattr(settings, "PROJECTS_PER_SEARCH", 2)
    groups = jira._search_groups(["A", "B", "C"], {}, {})
    assert groups == [(["A", "B"], None), (["C"], None)]


def test_statuses_are_read_again_only_for_a_new_or_changed_one():
    from ingestion.sources.jira import _changed_statuses, _note_status

    known = {"1": ["To Do", "new"], "3": ["Done", "done"]}
    seen: dict = {}
    _note_status(seen, {"id": "1", "name": "To Do", "statusCategory": {"key": "new"}})
    _note_status(seen, None)
    assert not _changed_statuses(seen, known)
    renamed = dict(seen)
    _note_status(renamed, {"id": "3", "name": "Shipped", "statusCategory": {"key": "done"}})
    assert _changed_statuses(renamed, known)
    moved = dict(seen)
    _note_status(moved, {"id": "1", "name": "To Do", "statusCategory": {"key": "indeterminate"}})
    assert _changed_statuses(moved, known)
    new = dict(seen)
    _note_status(new, {"id": "10042", "name": "Review", "statusCategory": {"key": "new"}})
    assert _changed_statuses(new, known)
