"""The PagerDuty account: incidents linked to deployments, OpenAPI shapes, paging, clock."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from functools import cache
from urllib.parse import parse_qsl, urlsplit

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

from ingestion.sandbox.pagerduty import PagerDutyApi, generate_pagerduty
from ingestion.sandbox.pagerduty.model import ATTRIBUTION_WINDOW
from tests.api_fixtures import API_FIXTURES

SPEC_PATH = API_FIXTURES / "pagerduty" / "rest-openapi-subset.json"
SPEC_HOST = "https://api.pagerduty.com"
BASE = "http://127.0.0.1:9998"


@cache
def openapi() -> OpenAPI:
    """PagerDuty's description with its known upstream mismatches relaxed (fixtures README):
    `resolved_at` is null on open incidents, the acknowledge entry's schema misspells its
    type (`acknowledgement_log_entry`), and `Channel`'s oneOf branches overlap so no log
    entry can match exactly one (checked per branch in `test_log_entries`)."""
    spec = copy.deepcopy(json.loads(SPEC_PATH.read_text()))
    schemas = spec["components"]["schemas"]
    schemas["Incident"]["allOf"][1]["properties"]["resolved_at"]["nullable"] = True
    schemas["AcknowledgeLogEntry"]["allOf"][1]["properties"]["type"]["enum"] = [
        "acknowledge_log_entry"
    ]
    schemas["Channel"].pop("oneOf")
    return OpenAPI.from_dict(spec)


def validate(target: str, response) -> None:
    split = urlsplit(target)
    openapi().validate_response(
        MockRequest(SPEC_HOST, "get", split.path, args=dict(parse_qsl(split.query))),
        MockResponse(response.body, status_code=response.status,
                     content_type="application/json"),
    )  # fmt: skip


@pytest.fixture(scope="module")
def pagerduty(small_org):
    return generate_pagerduty(small_org, seed=7)


@pytest.fixture(scope="module")
def api(pagerduty):
    return PagerDutyApi(pagerduty, BASE, lambda: pagerduty.now_ts)


def get(api, target: str):
    response = api.handle("GET", target, {"Authorization": f"Token token={api.api_token}"})
    validate(target, response)
    return response


def production(org, repository: str) -> list:
    repo = org.repository(repository)
    return sorted(
        (d for d in org.deployments[repository]
         if d.environment == repo.production_environment and d.final_state == "success"),
        key=lambda d: d.finished_ts,
    )  # fmt: skip


def latest_within_window(org, repository: str, at: int):
    candidates = [d for d in production(org, repository) if d.finished_ts <= at]
    if candidates and at - candidates[-1].finished_ts <= ATTRIBUTION_WINDOW:
        return candidates[-1]
    return None


def test_determinism(small_org, pagerduty):
    def fingerprint(data):
        return [(i.incident_id, i.title, i.triggered_ts, i.acknowledged_ts, i.resolved_ts,
                 i.caused_by_deployment_id, tuple(n.content for n in i.notes))
                for i in data.incidents]  # fmt: skip

    assert fingerprint(generate_pagerduty(small_org, seed=7)) == fingerprint(pagerduty)
    assert fingerprint(generate_pagerduty(small_org, seed=8)) != fingerprint(pagerduty)
    a = PagerDutyApi(generate_pagerduty(small_org, seed=7), BASE, lambda: pagerduty.now_ts)
    b = PagerDutyApi(pagerduty, BASE, lambda: pagerduty.now_ts)
    target = "/incidents?date_range=all&limit=100&include[]=body"
    assert get(a, target).body == get(b, target).body
    assert a.api_token == b.api_token


def test_one_service_per_repository(small_org, pagerduty):
    assert [s.repository for s in pagerduty.services] == [
        r.full_name for r in small_org.repositories
    ]
    assert len({s.service_id for s in pagerduty.services}) == len(pagerduty.services)


def test_links_follow_what_the_generator_did(small_org, pagerduty):
    by_id = {d.deployment_id: d for deps in small_org.deployments.values() for d in deps}
    for incident in pagerduty.incidents:
        text = " ".join([incident.title, incident.description,
                         *(n.content for n in incident.notes)])  # fmt: skip
        window = latest_within_window(small_org, incident.repository, incident.triggered_ts)
        if incident.link_kind == "explicit":
            dep = by_id[incident.caused_by_deployment_id]
            assert dep.repository == incident.repository
            assert incident.triggered_ts >= dep.finished_ts
            named = {
                "deployment_id": str(dep.deployment_id),
                "sha": dep.sha,
                "sha_prefix": None,
            }
            if incident.named == "sha_prefix":
                prefix = re.search(r"\b([0-9a-f]{7,12})\b", text).group(1)
                assert dep.sha.startswith(prefix)
            elif incident.named in named:
                assert named[incident.named] in text
            else:
                number = int(re.search(r"(?:#|/pull/)(\d+)", text).group(1))
                assert number in {p.number for p in small_org.pull_requests[incident.repository]}
                if incident.named == "pr_full":
                    assert f"{incident.repository}#{number}" in text
                if incident.named == "pr_url":
                    assert f"https://github.com/{incident.repository}/pull/{number}" in text
        elif incident.link_kind == "window":
            assert window is not None and window.deployment_id == incident.caused_by_deployment_id
            assert not re.search(r"#\d|[0-9a-f]{7,}|deployment \d", text)
        else:
            assert incident.caused_by_deployment_id is None and window is None
            assert not re.search(r"#\d|[0-9a-f]{7,}|deployment \d", text)


def test_statistics_per_stream(small_org, pagerduty):
    kinds = Counter((i.value_stream_id, i.link_kind) for i in pagerduty.incidents)
    print("\nincidents per stream and link:", dict(kinds))
    for stream in ("payments", "storefront"):
        for kind in ("explicit", "window", None):
            assert kinds[(stream, kind)] > 0, (stream, kind)
        repos = [r.full_name for r in small_org.repositories if r.value_stream_id == stream]
        deployments = sum(len(production(small_org, r)) for r in repos)
        failed = {i.caused_by_deployment_id for i in pagerduty.incidents
                  if i.value_stream_id == stream and i.caused_by_deployment_id}  # fmt: skip
        rate = len(failed) / deployments
        print(f"{stream}: {deployments} production deployments, {rate:.1%} caused an incident")
        assert 0.02 <= rate <= 0.30
    assert any(i.resolved_ts is None for i in pagerduty.incidents)  # some still open
    assert Counter(i.named for i in pagerduty.incidents if i.named).keys() >= {
        "deployment_id", "sha", "sha_prefix", "pr", "pr_full", "pr_url"
    }  # fmt: skip
    for incident in pagerduty.incidents:
        assert incident.triggered_ts <= pagerduty.now_ts
        if incident.acknowledged_ts is not None:
            assert incident.triggered_ts <= incident.acknowledged_ts <= pagerduty.now_ts
        if incident.resolved_ts is not None:
            assert incident.triggered_ts < incident.resolved_ts <= pagerduty.now_ts


def test_auth_and_errors(api, pagerduty):
    for headers in ({}, {"Authorization": "Token token=wrong"},
                    {"Authorization": f"Bearer {api.api_token}"}):  # fmt: skip
        response = api.handle("GET", "/incidents", headers)
        assert response.status == 401
        assert response.json() == {"error": {"message": "Unauthorized", "code": 2006}}
        validate("/incidents", response)
    response = get(api, "/incidents/PNOTHERE")
    assert response.status == 404 and response.json()["error"]["code"] == 2100
    response = get(api, "/incidents?since=2025-01-01T00:00:00Z&until=2026-01-01T00:00:00Z")
    assert response.status == 400 and response.json()["error"]["errors"]
    assert get(api, "/incidents?sort_by=title").status == 400


def test_incidents_paging_covers_every_record_once(api, pagerduty):
    ids, offset, total = [], 0, None
    while True:
        body = get(api, f"/incidents?date_range=all&limit=7&offset={offset}&total=true").json()
        ids.extend(i["id"] for i in body["incidents"])
        total = body["total"]
        assert body["limit"] == 7 and body["offset"] == offset
        if not body["more"]:
            break
        offset += 7
    assert len(ids) == len(set(ids)) == total == len(pagerduty.incidents)
    assert get(api, "/incidents?date_range=all").json()["total"] is None  # total=false default
    target = "/incidents?date_range=all&limit=100&sort_by=incident_number:desc"
    numbers = [i["incident_number"] for i in get(api, target).json()["incidents"]]
    assert numbers == sorted(numbers, reverse=True)


def test_filters(api, pagerduty):
    now = pagerduty.now_ts
    recent = get(api, "/incidents?limit=100&total=true").json()
    expected = [i for i in pagerduty.incidents if now - 30 * 86_400 <= i.triggered_ts < now]
    assert recent["total"] == len(expected)  # default range: the last 30 days
    window = get(api, "/incidents?since=2026-06-01T00:00:00Z&until=2026-07-01T00:00:00Z"
                      "&limit=100").json()["incidents"]  # fmt: skip
    assert all("2026-06" <= i["created_at"][:7] < "2026-07" for i in window)
    open_ = get(api, "/incidents?date_range=all&statuses[]=triggered&statuses[]=acknowledged"
                     "&limit=100").json()["incidents"]  # fmt: skip
    assert {i["id"] for i in open_} == {
        i.incident_id for i in pagerduty.incidents if i.resolved_ts is None
    }
    assert all(i["resolved_at"] is None and i["assignments"] for i in open_)
    service = pagerduty.services[0]
    mine = get(api, f"/incidents?date_range=all&service_ids[]={service.service_id}&limit=100"
                    "&include[]=body").json()["incidents"]  # fmt: skip
    assert mine and all(i["service"]["id"] == service.service_id for i in mine)
    assert all(i["body"]["details"]["description"] for i in mine)


def test_single_incident_services_and_log_entries(api, pagerduty):
    noted = next(i for i in pagerduty.incidents if i.notes and i.acknowledged_ts
                 and i.resolved_ts)  # fmt: skip
    body = get(api, f"/incidents/{noted.incident_id}?include[]=body").json()["incident"]
    assert body["incident_number"] == noted.incident_number and body["status"] == "resolved"
    assert body["body"]["details"] == {"description": noted.description}
    entries = get(api, f"/incidents/{noted.incident_id}/log_entries?limit=100").json()
    types = [e["type"] for e in entries["log_entries"]]
    assert types[0] == "resolve_log_entry" and types[-1] == "trigger_log_entry"  # newest first
    assert {"acknowledge_log_entry", "annotate_log_entry"} <= set(types)
    spec = copy.deepcopy(json.loads(SPEC_PATH.read_text()))
    spec["components"]["schemas"]["Channel"].pop("oneOf")
    schema_of = {
        "trigger_log_entry": "TriggerLogEntry",
        "annotate_log_entry": "AnnotateLogEntry",
        "resolve_log_entry": "ResolveLogEntry",
        "acknowledge_log_entry": "LogEntry",
    }  # upstream misspells the ack type
    for entry in entries["log_entries"]:
        schema = dict(
            spec["components"]["schemas"][schema_of[entry["type"]]], components=spec["components"]
        )
        assert not [e.message for e in OAS30Validator(schema).iter_errors(entry)]
    notes = [e["note"] for e in entries["log_entries"] if e["type"] == "annotate_log_entry"]
    assert sorted(notes) == sorted(n.content for n in noted.notes)
    services = get(api, "/services?limit=2&total=true").json()
    assert services["total"] == len(pagerduty.services) and services["more"]
    assert len(get(api, "/services?limit=100").json()["services"]) == len(pagerduty.services)


def test_clock_hides_the_future(pagerduty):
    resolved = next(i for i in pagerduty.incidents if i.acknowledged_ts and i.resolved_ts
                    and i.resolved_ts - i.acknowledged_ts > 120)  # fmt: skip
    at = resolved.acknowledged_ts + 60
    api = PagerDutyApi(pagerduty, BASE, lambda: at)
    body = get(api, f"/incidents/{resolved.incident_id}").json()["incident"]
    assert body["status"] == "acknowledged" and body["resolved_at"] is None
    entries = get(api, f"/incidents/{resolved.incident_id}/log_entries").json()["log_entries"]
    assert "resolve_log_entry" not in {e["type"] for e in entries}
    everything = get(api, "/incidents?date_range=all&limit=100&total=true").json()
    assert everything["total"] == sum(1 for i in pagerduty.incidents if i.triggered_ts <= at)
    later = next(i for i in pagerduty.incidents if i.triggered_ts > at)
    assert get(api, f"/incidents/{later.incident_id}").status == 404
