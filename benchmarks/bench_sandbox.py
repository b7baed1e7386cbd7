"""Benchmark the sandbox: generation time and peak memory per tier, and requests per second
served over HTTP.

Usage: .venv/bin/python benchmarks/bench_sandbox.py [--tiers small,medium,large]
           [--serve-tiers small,large] [--seconds 10] [--clients 8]

Each tier is generated in its own process (peak RSS of that process). The server runs in a
child process pinned to 2 cores when the machine has them; the load comes from client
threads on keep-alive connections (http.client, light on CPU) over a mix of GitHub REST,
GraphQL, Jira and PagerDuty endpoints.
Goals (issue 3): large in under 2 minutes and 4 GB; at least 300 requests/s on 2 cores.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = "2026-11-23T00:00:00+00:00"

GENERATE = """
import json, resource, sys, time
from datetime import datetime
from ingestion.sandbox import generate_organisation
started = time.perf_counter()
org = generate_organisation(sys.argv[1], 7, datetime.fromisoformat(sys.argv[2]))
seconds = time.perf_counter() - started
summary = org.summary()
if org.jira is not None:
    summary["jira_issues"] = len(org.jira.issues)
if org.pagerduty is not None:
    summary["incidents"] = len(org.pagerduty.incidents)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "summary": summary}))
"""

SERVE = """
import json, os, sys, time
from datetime import datetime
if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 2:
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])
from ingestion.sandbox import SandboxServer, generate_organisation
org = generate_organisation(sys.argv[1], 7, datetime.fromisoformat(sys.argv[2]))
server = SandboxServer(org, rate_limit=10**9).start()
targets = []
for repo in org.repositories[:6]:
    name = repo.full_name
    prs = org.pull_requests[name]
    deps = [d for d in org.deployments[name] if d.environment == repo.production_environment]
    targets += [
        ("github", f"/repos/{name}/deployments?per_page=100"),
        ("github", f"/repos/{name}/deployments/{deps[-1].deployment_id}/statuses"),
        ("github", f"/repos/{name}/commits?per_page=100"),
        ("github", f"/repos/{name}/pulls?state=all&sort=updated&direction=desc"),
        ("github", f"/repos/{name}/pulls/{prs[-5].number}/reviews"),
        ("github", f"/repos/{name}/pulls/{prs[-5].number}/commits"),
        ("github", f"/repos/{name}/issues?state=all&since=2026-11-01T00:00:00Z"),
        ("github", f"/repos/{name}/commits/{prs[-5].commits[-1].sha}/check-runs"),
        ("graphql", json.dumps({"query": '{ repository(owner: "%s", name: "%s") { '
            'pullRequests(first: 50, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { '
            'number state updatedAt reviews(first: 10) { nodes { state submittedAt } } } } } }'
            % (repo.owner, repo.name)})),
    ]
if server.jira is not None:
    targets += [("jira", "/rest/api/3/status")]
    for project in org.jira.projects[:4]:
        jql = f"jql=project%20%3D%20{project.key}&maxResults=50"
        targets.append(("jira", f"/rest/api/3/search/jql?{jql}"))
if server.pagerduty is not None:
    targets += [("pagerduty", "/incidents?limit=100"), ("pagerduty", "/services")]
print(json.dumps({"env": server.environment(), "targets": targets}), flush=True)
sys.stdin.read()
server.stop()
"""


def generate(tier: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", GENERATE, tier, NOW],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def serve_benchmark(tier: str, seconds: float, clients: int) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, tier, NOW],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        setup = json.loads(process.stdout.readline())
        env, targets = setup["env"], setup["targets"]
        bases = {
            "github": env["SOURCES__GITHUB__API_URL"],
            "graphql": env["SOURCES__GITHUB__API_URL"],
            "jira": env.get("SOURCES__JIRA__BASE_URL"),
            "pagerduty": env.get("SOURCES__PAGERDUTY__API_URL"),
        }
        auth = {
            "github": f"Bearer {env['SOURCES__GITHUB__ACCESS_TOKEN']}",
            "graphql": f"Bearer {env['SOURCES__GITHUB__ACCESS_TOKEN']}",
        }
        if "SOURCES__JIRA__EMAIL" in env:
            pair = f"{env['SOURCES__JIRA__EMAIL']}:{env['SOURCES__JIRA__API_TOKEN']}"
            auth["jira"] = "Basic " + base64.b64encode(pair.encode()).decode()
        if "SOURCES__PAGERDUTY__API_TOKEN" in env:
            auth["pagerduty"] = f"Token token={env['SOURCES__PAGERDUTY__API_TOKEN']}"
        counts: Counter[str] = Counter()
        errors: Counter[int] = Counter()
        volume = [0]
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds

        def client(offset: int) -> None:
            connections: dict[str, http.client.HTTPConnection] = {}
            i = offset
            while time.perf_counter() < deadline:
                tool, target = targets[i % len(targets)]
                i += 1
                base = urlsplit(bases[tool])
                connection = connections.get(tool)
                if connection is None:
                    connection = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
                    connections[tool] = connection
                headers = {"Authorization": auth[tool]}
                if tool == "graphql":
                    headers["Content-Type"] = "application/json"
                    connection.request("POST", "/graphql", body=target, headers=headers)
                else:
                    connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                body = response.read()
                with lock:
                    counts[tool] += 1
                    volume[0] += len(body)
                    if response.status != 200:
                        errors[response.status] += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        total = sum(counts.values())
        print(
            f"serve {tier}: {total} requests in {elapsed:.1f} s = {total / elapsed:.0f} req/s "
            f"({volume[0] / elapsed / 1e6:.1f} MB/s; {clients} clients; "
            f"by tool {dict(counts)}; non-200 {dict(errors) or 'none'})"
        )
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", default="small,medium,large")
    parser.add_argument("--serve-tiers", default="small,large")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    print(f"cores available: {len(os.sched_getaffinity(0))}")
    for tier in args.tiers.split(","):
        result = generate(tier)
        summary = ", ".join(f"{k} {v}" for k, v in result["summary"].items())
        print(
            f"generate {tier}: {result['seconds']:.1f} s, peak {result['peak_mb']:.0f} MB "
            f"({summary})"
        )
    for tier in filter(None, args.serve_tiers.split(",")):
        serve_benchmark(tier, args.seconds, args.clients)


if __name__ == "__main__":
    main()
