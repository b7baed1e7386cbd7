"""The Server/Data Center variant (REST v2, `startAt` search pages, the whole changelog on
the issue, a bearer personal access token) against a small v2 front over the sandbox's
Jira data."""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import duckdb
import pytest

from ingestion.pipelines import jira_pipeline
from ingestion.sandbox import generate_organisation
from ingestion.sandbox.github_api import Response
from ingestion.sandbox.jira import JiraApi
from ingestion.sandbox.jira.api import parse_jql
from ingestion.sandbox.server import _handler_for
from ingestion.sources.jira import jira_source

NOW = datetime(2026, 11, 23, tzinfo=UTC)
PAT = "dc-personal-access-token"


class DataCenterFront:
    """Answers the v2 requests the source makes from the sandbox's v3 Jira."""

    def __init__(self, api: JiraApi) -> None:
        self.api = api
        self.v3_auth = {
            "Authorization": "Basic "
            + base64.b64encode(f"{api.email}:{api.api_token}".encode()).decode()
        }
        self.request_counts: dict[str, int] = {}

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes = b""):
        split = urlsplit(target)
        query = dict(parse_qsl(split.query))
        path = split.path
        endpoint = path.split("/")[4]
        self.request_counts[endpoint] = self.request_counts.get(endpoint, 0) + 1
        if headers.get("Authorization") != f"Bearer {PAT}":
            return Response(401, b'{"errorMessages":["Unauthorized"]}', [])
        if path == "/rest/api/2/search":
            start, size = int(query.get("startAt", 0)), int(query.get("maxResults", 50))
            token = base64.urlsafe_b64encode(f"dc:{start}".encode()).decode()
            v3 = dict(query, nextPageToken=token)
            v3.pop("startAt", None)
            v3_target = f"/rest/api/3/search/jql?{urlencode(v3)}"
            answer = self.api.handle("GET", v3_target, self.v3_auth)
            page = json.loads(answer.body)
            clock = self.api.clock()
            jql = parse_jql(query["jql"], self.api.data, clock)
            total = len(self.api._rows(query["jql"], jql, clock))
            out = {"startAt": start, "maxResults": size, "total": total, "issues": page["issues"]}
            return Response(200, json.dumps(out).encode(), [])
        if path.startswith("/rest/api/2/issue/"):
            issue = self.api.data.issue(path.rsplit("/", 1)[1])
            n = issue.visible_count(self.api.clock())
            histories = [json.loads(self.api._history_json(issue, i)) for i in range(n)]
            changelog = {"startAt": 0, "maxResults": n, "total": n, "histories": histories}
            out = {"id": str(issue.issue_id), "key": issue.key, "changelog": changelog}
            return Response(200, json.dumps(out).encode(), [])
        v3_target = target.replace("/rest/api/2/", "/rest/api/3/", 1)
        return self.api.handle(method, v3_target, self.v3_auth, body)


@pytest.fixture(scope="module")
def datacenter():
    org = generate_organisation(tier="small", seed=7, now=NOW)
    issue = next(i for i in org.jira.issues if i.project_key == "SRC" and i.history_count)
    histories = list(issue.histories())
    last = max(h[0] for h in histories)
    histories += [(last - 1 - n, 5, 1, 0, 0) for n in range(120)]  # "Ranked higher"
    histories.sort(key=lambda h: h[0])
    del issue.changelog[:]
    for history in histories:
        issue.add(*history)
    base = 100_000
    for item in org.jira.issues:
        item.history_base = base
        base += item.history_count
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    front = DataCenterFront(JiraApi(org.jira, url, lambda: org.jira.now_ts))
    httpd.RequestHandlerClass = _handler_for(front, "Apache-Coyote")
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    try:
        yield org, url, front, issue
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_datacenter_with_a_personal_access_token(datacenter, tmp_path, monkeypatch):
    org, url, front, long_issue = datacenter
    monkeypatch.delenv("SOURCES__JIRA__EMAIL", raising=False)
    warehouse = tmp_path / "warehouse.duckdb"
    pipeline = jira_pipeline(warehouse, tmp_path / "dlt")
    source = jira_source(["SRC"], base_url=url, email=None, api_token=PAT, deployment="datacenter")
    pipeline.run(source).raise_on_failed_jobs()

    expected = [i for i in org.jira.issues if i.project_key == "SRC"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        issues = con.execute("select count(*) from raw_jira.issues").fetchall()[0][0]
        histories = con.execute(
            "select count(distinct history_id) from raw_jira.changelog_items"
        ).fetchall()[0][0]
    assert issues == len(expected)
    assert histories == sum(i.history_count for i in expected)
    assert long_issue.history_count > 100
    # Search pages by startAt; the whole changelog of the one long issue in one request.
    assert front.request_counts["search"] == -(-len(expected) // 100)
    assert front.request_counts["issue"] == 1
