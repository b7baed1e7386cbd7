"""Time and size the sandbox's Jira and PagerDuty parts, and how fast their APIs answer.

Usage: .venv/bin/python benchmarks/bench_sandbox_jira_pagerduty.py [--tier large] [--seed 7]

Prints: the organisation's own generation time, then generate_jira and generate_pagerduty
(time, records, peak resident memory of the process), the ground-truth time for the flow
metrics, and in-process answers per second of typical connector requests (Jira search
pages with changelog, changelog pages, PagerDuty incident pages). Goal (issue 3): the whole
large organisation in well under 2 minutes and 4 GB.
"""

from __future__ import annotations

import argparse
import base64
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingestion.sandbox.generator import generate_organisation  # noqa: E402
from ingestion.sandbox.jira import JiraApi, generate_jira  # noqa: E402
from ingestion.sandbox.jira.truth import jira_truth  # noqa: E402
from ingestion.sandbox.pagerduty import PagerDutyApi, generate_pagerduty  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rate(label: str, call, seconds: float = 2.0) -> None:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = call(count)
        assert response.status == 200, response.body[:200]
        count += 1
    elapsed = time.perf_counter() - started
    print(f"  {label}: {count / elapsed:,.0f} answers/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="large")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    now = datetime(2026, 11, 23, tzinfo=UTC)

    started = time.perf_counter()
    org = generate_organisation(tier=args.tier, seed=args.seed, now=now)
    org_s = time.perf_counter() - started
    print(f"organisation {args.tier}: {org_s:.1f} s, peak {peak_mb():,.0f} MB, {org.summary()}")

    started = time.perf_counter()
    jira = generate_jira(org, args.seed)
    jira_s = time.perf_counter() - started
    print(f"generate_jira: {jira_s:.1f} s, peak {peak_mb():,.0f} MB, {jira.summary()}")

    started = time.perf_counter()
    pagerduty = generate_pagerduty(org, args.seed)
    pd_s = time.perf_counter() - started
    print(f"generate_pagerduty: {pd_s:.1f} s, peak {peak_mb():,.0f} MB, {pagerduty.summary()}")
    print(f"jira + pagerduty: {jira_s + pd_s:.1f} s; with the organisation "
          f"{org_s + jira_s + pd_s:.1f} s, peak {peak_mb():,.0f} MB")  # fmt: skip

    started = time.perf_counter()
    truth = jira_truth(jira)
    print(
        f"jira_truth: {time.perf_counter() - started:.1f} s, "
        f"{len(truth.flow_weekly)} stream-weeks, {len(truth.work_map)} work-map rows"
    )

    api = JiraApi(jira, "http://127.0.0.1:1", lambda: jira.now_ts)
    auth = {"Authorization": "Basic " + base64.b64encode(
        f"{api.email}:{api.api_token}".encode()).decode()}  # fmt: skip
    key = jira.projects[0].key
    jql = quote(f"project = {key} ORDER BY updated ASC")
    api.handle("GET", f"/rest/api/3/search/jql?jql={jql}", auth)  # warm the clock's index
    issues = [i.key for i in jira.issues[:5000]]
    print("Jira API (in process, one thread):")
    rate("search, 100 issues with fields and changelog", lambda n: api.handle(
        "GET", f"/rest/api/3/search/jql?jql={jql}&maxResults=100&fields=*all&expand=changelog",
        auth))  # fmt: skip
    rate("search, 1000 ids", lambda n: api.handle(
        "GET", f"/rest/api/3/search/jql?jql={jql}&maxResults=1000", auth))  # fmt: skip
    rate("issue changelog page", lambda n: api.handle(
        "GET", f"/rest/api/3/issue/{issues[n % len(issues)]}/changelog", auth))  # fmt: skip

    pd = PagerDutyApi(pagerduty, "http://127.0.0.1:2", lambda: pagerduty.now_ts)
    token = {"Authorization": f"Token token={pd.api_token}"}
    print("PagerDuty API (in process, one thread):")
    rate(
        "incidents, 100 a page",
        lambda n: pd.handle(
            "GET", f"/incidents?date_range=all&limit=100&offset={(n * 100) % 2000}", token
        ),
    )
    ids = [i.incident_id for i in pagerduty.incidents]
    rate("incident log entries", lambda n: pd.handle(
        "GET", f"/incidents/{ids[n % len(ids)]}/log_entries", token))  # fmt: skip


if __name__ == "__main__":
    main()
