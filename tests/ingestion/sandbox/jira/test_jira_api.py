"""The Jira Cloud REST layer: OpenAPI shapes, auth and errors, paging, JQL, the clock."""

from __future__ import annotations

import base64
import copy
import json
from functools import cache
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from ingestion.sandbox.jira import JiraApi, generate_jira
from ingestion.sandbox.jira.api import jira_time
from tests.api_fixtures import API_FIXTURES

SPEC_PATH = API_FIXTURES / "jira" / "rest-openapi-subset.json"
SPEC_HOST = "https://your-domain.atlassian.net"
BASE = "http://127.0.0.1:9999"


@cache
def openapi() -> OpenAPI:
    """Jira's description with its known upstream mismatches relaxed (fixtures README):
    changelog items carry `from`/`to` null (the description's own example does too), and
    histories' `created` is Jira's `2026-01-02T03:04:05.000+0100`, the same format as the
    description's example, which its `date-time` format rejects."""
    spec = json.loads(SPEC_PATH.read_text())
    spec = copy.deepcopy(spec)
    schemas = spec["components"]["schemas"]
    for name in ("from", "to", "fromString", "toString"):
        schemas["ChangeDetails"]["properties"][name]["nullable"] = True
    schemas["Changelog"]["properties"]["created"].pop("format")
    return OpenAPI.from_dict(spec)


def validate(method: str, target: str, response, body: dict | None = None) -> None:
    split = urlsplit(target)
    openapi().validate_response(
        MockRequest(SPEC_HOST, method.lower(), split.path, args=dict(parse_qsl(split.query)),
                    data=json.dumps(body) if body is not None else None,
                    content_type="application/json"),
        MockResponse(response.body, status_code=response.status,
                     content_type="application/json"),
    )  # fmt: skip


@pytest.fixture(scope="module")
def jira(small_org):
    return generate_jira(small_org, seed=7)


@pytest.fixture(scope="module")
def api(jira):
    return JiraApi(jira, BASE, lambda: jira.now_ts)


def auth(api) -> dict[str, str]:
    pair = f"{api.email}:{api.api_token}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def get(api, target: str):
    return api.handle("GET", target, auth(api))


def search_all(api, jql: str, post: bool = False, page: int = 100, extra: str = "") -> list:
    """Every issue of a search, following nextPageToken; checks each page's shape."""
    issues, token, pages = [], None, 0
    while True:
        if post:
            body = {"jql": jql, "maxResults": page, "fields": ["summary", "updated"]}
            if token:
                body["nextPageToken"] = token
            response = api.handle("POST", "/rest/api/3/search/jql", auth(api),
                                  json.dumps(body).encode())  # fmt: skip
            validate("POST", "/rest/api/3/search/jql", response, body)
        else:
            target = f"/rest/api/3/search/jql?jql={quote(jql)}&maxResults={page}{extra}"
            if token:
                target += f"&nextPageToken={quote(token)}"
            response = get(api, target)
            validate("GET", target, response)
        assert response.status == 200, response.body
        data = response.json()
        issues.extend(data["issues"])
        pages += 1
        if data["isLast"]:
            assert "nextPageToken" not in data
            return issues
        token = data["nextPageToken"]


def test_credentials_are_deterministic(jira):
    a = JiraApi(jira, BASE, lambda: jira.now_ts)
    b = JiraApi(jira, BASE, lambda: jira.now_ts)
    assert (a.email, a.api_token) == (b.email, b.api_token)
    assert a.api_token.startswith("ATATT")


def test_unauthenticated_and_errors_have_jira_bodies(api):
    for target in ("/rest/api/3/status", "/rest/api/3/search/jql?jql=project%3DCHK",
                   "/rest/api/3/issue/CHK-1"):  # fmt: skip
        for headers in ({}, {"Authorization": "Basic " + base64.b64encode(b"x:y").decode()},
                        {"Authorization": f"Bearer {api.api_token}"}):  # fmt: skip
            response = api.handle("GET", target, headers)
            assert response.status == 401
            assert response.json()["errorMessages"] and response.json()["errors"] == {}
            validate("GET", target, response)
    for target, status in (
        ("/rest/api/3/issue/NOPE-1", 404),
        ("/rest/api/3/issue/NOPE-1/changelog", 404),
        ("/rest/api/3/project/NOPE/versions", 404),
        ("/rest/api/3/search/jql?jql=project%20%3D%20NOPE", 400),
        ("/rest/api/3/search/jql?jql=assignee%20%3D%20currentUser()", 400),
        ("/rest/api/3/search/jql?jql=order%20by%20key", 400),
        ("/rest/api/3/search/jql?jql=project%3DCHK&nextPageToken=bogus", 400),
    ):
        response = get(api, target)
        assert response.status == status, target
        assert response.json()["errorMessages"], target
        validate("GET", target, response)
    assert (
        "does not exist for the field 'project'"
        in get(api, "/rest/api/3/search/jql?jql=project%20%3D%20NOPE").json()["errorMessages"][0]
    )


def test_every_endpoint_validates(api, jira):
    targets = [
        "/rest/api/3/status",
        "/rest/api/3/project/CHK/versions",
        "/rest/api/3/project/10002/versions",
        "/rest/api/3/issue/CHK-5",
        "/rest/api/3/issue/CHK-5?fields=summary,status&expand=changelog",
        "/rest/api/3/issue/CHK-5/changelog?startAt=1&maxResults=2",
        "/rest/api/3/search/jql?jql=project%20in%20(CHK,%20CAT)&fields=*all&expand=changelog"
        "&maxResults=100",
    ]
    for target in targets:
        response = get(api, target)
        assert response.status == 200, (target, response.body[:300])
        validate("GET", target, response)
    statuses = get(api, "/rest/api/3/status").json()
    assert {s["statusCategory"]["key"] for s in statuses} == {"new", "indeterminate", "done"}
    versions = get(api, "/rest/api/3/project/CHK/versions").json()
    assert any(v["released"] for v in versions) and any(not v["released"] for v in versions)


def test_search_paging_covers_every_issue_once(api, jira):
    keys = [i["key"] for i in search_all(api, "project = CHK ORDER BY updated ASC", page=37)]
    expected = {i.key for i in jira.issues if i.project_key == "CHK"}
    assert len(keys) == len(set(keys)) == len(expected) and set(keys) == expected
    posted = [i["key"] for i in search_all(api, "project = CHK ORDER BY updated ASC",
                                           post=True, page=100)]  # fmt: skip
    assert posted == keys
    updated = [i["fields"]["updated"] for i in search_all(
        api, "project in (CHK) ORDER BY updated ASC", extra="&fields=updated")]  # fmt: skip
    assert updated == sorted(updated, key=lambda u: u)  # one offset, so strings sort


def test_ids_only_default_and_page_caps(api):
    response = get(api, "/rest/api/3/search/jql?jql=project%3DBIL&maxResults=10000")
    data = response.json()
    assert len(data["issues"]) > 100  # ids only: up to 5000 a page
    assert set(data["issues"][0]) == {"expand", "id", "self", "key"}
    response = get(api, "/rest/api/3/search/jql?jql=project%3DBIL&maxResults=10000&fields=summary")
    assert len(response.json()["issues"]) == 100


def test_updated_filter_is_incremental(api, jira):
    everything = search_all(api, "project = SRC", extra="&fields=updated")
    cut = sorted(i["fields"]["updated"] for i in everything)[len(everything) // 2]
    stamp = cut[:16].replace("T", " ")  # minutes, API user's time zone (the offset shown)
    later = search_all(api, f'project = SRC AND updated >= "{stamp}" ORDER BY updated DESC',
                       extra="&fields=updated")  # fmt: skip
    assert 0 < len(later) < len(everything)
    assert all(i["fields"]["updated"][:16] >= cut[:16] for i in later)


def test_embedded_changelog_is_capped_and_paged_changelog_is_complete(api, jira):
    long_issue = max(jira.issues, key=lambda i: i.history_count)
    long_issue_count = long_issue.history_count
    data = get(api, f"/rest/api/3/issue/{long_issue.key}?expand=changelog").json()
    embedded = data["changelog"]
    assert embedded["total"] == long_issue_count
    assert len(embedded["histories"]) == min(long_issue_count, 100)
    # newest first, like Jira's expand=changelog
    created = [h["created"] for h in embedded["histories"]]
    assert created == sorted(created, reverse=True)
    seen, start = [], 0
    while True:
        target = f"/rest/api/3/issue/{long_issue.key}/changelog?startAt={start}&maxResults=3"
        page = get(api, target)
        validate("GET", target, page)
        body = page.json()
        seen.extend(h["id"] for h in body["values"])
        if body["isLast"]:
            assert "nextPage" not in body
            break
        assert body["nextPage"].endswith(f"startAt={start + 3}&maxResults=3")
        start += 3
    assert len(seen) == len(set(seen)) == long_issue_count


def test_embedded_changelog_cap_at_100(jira):
    issue = next(i for i in jira.issues if i.project_key == "CHK" and i.history_count)
    big = copy.copy(issue)
    big.changelog = type(issue.changelog)("q")
    status = issue.initial_status
    other = next(s for s in jira.project(issue.project_key).workflow if s != status)
    for n in range(130):
        src, dst = (status, other) if n % 2 == 0 else (other, status)
        big.add(issue.created_ts + 60 * (n + 1), 0, src, dst, 0)
    big.key = "CHK-99999"
    data = copy.copy(jira)
    data.issues = [big]
    data._by_key = {}
    api = JiraApi(data, BASE, lambda: jira.now_ts)
    body = get(api, "/rest/api/3/search/jql?jql=project%3DCHK&expand=changelog&fields=summary")
    changelog = body.json()["issues"][0]["changelog"]
    assert changelog["total"] == 130 and len(changelog["histories"]) == 100
    assert changelog["histories"][0]["id"] == str(big.history_base + 129)  # the newest 100
    pages = [get(api, f"/rest/api/3/issue/CHK-99999/changelog?startAt={s}").json()
             for s in (0, 100)]  # fmt: skip
    assert [len(p["values"]) for p in pages] == [100, 30] and pages[1]["isLast"]


def test_changelog_items(api, jira):
    flagged = next(i for i in jira.issues if 1 in [h[1] for h in i.histories()])
    values = get(api, f"/rest/api/3/issue/{flagged.key}/changelog").json()["values"]
    fields = {item["field"] for v in values for item in v["items"]}
    assert {"status", "Flagged", "resolution"} & fields >= {"status", "Flagged"}
    flag = next(item for v in values for item in v["items"] if item["field"] == "Flagged")
    assert flag["toString"] == "Impediment" and flag["fieldId"] == "customfield_10021"
    renamed = next(s for s in jira.statuses.values() if s.renamed)
    at, old = renamed.renamed
    issue = next(i for i in jira.issues if any(
        h[0] < at and h[3] == renamed.status_id for h in i.histories()))  # fmt: skip
    values = get(api, f"/rest/api/3/issue/{issue.key}/changelog").json()["values"]
    names = {
        it["toString"] for v in values for it in v["items"] if it["to"] == str(renamed.status_id)
    }
    assert old in names  # history keeps the name the status had then


def test_clock_hides_the_future(jira):
    cut = jira.start_ts + 200 * 86_400
    api = JiraApi(jira, BASE, lambda: cut)
    keys = {i["key"] for i in search_all(api, "project in (CHK, BIL, CAT, SRC)")}
    assert keys == {i.key for i in jira.issues if i.created_ts <= cut}
    later = next(i for i in jira.issues if i.created_ts > cut)
    assert get(api, f"/rest/api/3/issue/{later.key}").status == 404
    partial = next(
        i for i in jira.issues if i.history_count and i.changelog[0] <= cut < i.changelog[-5]
    )
    data = get(api, f"/rest/api/3/issue/{partial.key}?expand=changelog&fields=updated").json()
    visible = partial.visible_count(cut)
    assert data["changelog"]["total"] == visible < partial.history_count
    last = partial.changelog[(visible - 1) * 5] if visible else partial.created_ts
    assert data["fields"]["updated"] == jira_time(last)
    versions = get(api, "/rest/api/3/project/CHK/versions").json()
    assert all(v["releaseDate"] for v in versions)
    assert len(versions) < sum(1 for v in jira.versions if v.project_key == "CHK")


def test_responses_are_byte_identical_for_the_same_seed(small_org, jira):
    other = generate_jira(small_org, seed=7)
    a = JiraApi(jira, BASE, lambda: jira.now_ts)
    b = JiraApi(other, BASE, lambda: other.now_ts)
    different = JiraApi(generate_jira(small_org, seed=8), BASE, lambda: jira.now_ts)
    target = "/rest/api/3/search/jql?jql=project%3DCAT&fields=*all&expand=changelog&maxResults=50"
    assert get(a, target).body == get(b, target).body
    assert get(different, target).body != get(a, target).body


def test_assignee_and_priority_changes(api, jira):
    issue = next(
        i for i in jira.issues if {3, 4} <= {h[1] for h in i.histories()} and i.history_count < 100
    )
    values = get(api, f"/rest/api/3/issue/{issue.key}/changelog").json()["values"]
    items = [it for v in values for it in v["items"]]
    handed = [it for it in items if it["field"] == "assignee"]
    bumped = [it for it in items if it["field"] == "priority"]
    assert handed and bumped
    fields = get(api, f"/rest/api/3/issue/{issue.key}?fields=assignee,priority").json()["fields"]
    assert fields["assignee"]["accountId"] == handed[-1]["to"]
    assert fields["priority"]["id"] == bumped[-1]["to"]
    assert fields["priority"]["name"] == bumped[-1]["toString"]


@pytest.mark.parametrize(
    ("jql", "projects", "bounds", "order"),
    [
        ("project = CHK", {"CHK"}, 0, []),
        ('project IN ("CHK", bil) order by updated desc', {"CHK", "BIL"}, 0, [("updated", True)]),
        ('(project = CAT) AND updated >= "2026-01-01 10:00" ORDER BY updated ASC, key DESC',
         {"CAT"}, 1, [("updated", False), ("key", True)]),
        ("project = SRC and updated > -2w and created <= 2026/06/01", {"SRC"}, 2, []),
    ],
)  # fmt: skip
def test_jql_subset(jira, jql, projects, bounds, order):
    from ingestion.sandbox.jira.api import parse_jql

    query = parse_jql(jql, jira, jira.now_ts)
    assert query.projects == projects and len(query.bounds) == bounds and query.order == order
