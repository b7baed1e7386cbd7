"""Benchmark the GitHub, Jira and PagerDuty connectors against the sandbox (issue 4).

Usage: .venv/bin/python benchmarks/bench_connectors.py [--tier medium] [--seed 7]
           [--sources github,jira,pagerduty]

Generates the tier and serves it. Per source: a full load into a temporary DuckDB warehouse
with the sandbox's clock `--days-before` days before the organisation's now, then an
incremental run after `server.advance(1 day)`. Each run is a child process (so its peak RSS is the
connector's own, not the sandbox's). Prints per run: seconds, HTTP requests (per endpoint,
from the sandbox's request counters), rows written per table, the warehouse's rows per
table, peak RSS; then one MATCH / MISMATCH line per table comparing the warehouse with the
sandbox's own count at that clock (`ingestion.sandbox.counts`, from the organisation's
records); for Jira also the statuses' and versions' rows compared one by one with what the
sandbox serves (they change without any issue changing). The GitHub source reads the
deploy-workflow runs of the repositories that deploy through an Actions workflow (the
sandbox's config, `vsm sandbox config`).

Goals (issue 4): a full `medium` load under 3 minutes; a one-day incremental run under 15 s
and under 2% of the full load's requests; under 0.05 requests per pull request.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from ingestion.sandbox import SandboxServer, generate_organisation  # noqa: E402
from ingestion.sandbox.config import sandbox_config  # noqa: E402
from ingestion.sandbox.counts import github_counts, jira_counts, pagerduty_counts  # noqa: E402

DAY = 86_400
DATASETS = {"github": "raw_github", "jira": "raw_jira", "pagerduty": "raw_pagerduty"}


# --------------------------------------------------------------------------- one run (child)


def _run(tool: str, base: str, env: dict[str, str], options: dict[str, Any]) -> dict[str, Any]:
    """One pipeline run of `tool` into `base`, in a child process: seconds, rows written per
    table, peak RSS (MB), or the error that stopped it."""
    os.environ.update(env)
    from ingestion import pipelines

    if tool == "github":
        from ingestion.sources.github import github_source

        pipeline = pipelines.github_pipeline(Path(base) / "warehouse.duckdb", Path(base) / "dlt")
        source = github_source(
            options["repositories"],
            api_url=env["SOURCES__GITHUB__API_URL"],
            deploy_workflow_patterns=options["deploy_workflows"],
        )
    elif tool == "jira":
        from ingestion.sources.jira import jira_source

        pipeline = pipelines.jira_pipeline(Path(base) / "warehouse.duckdb", Path(base) / "dlt")
        source = jira_source(options["projects"], base_url=env["SOURCES__JIRA__BASE_URL"])
    else:
        from ingestion.sources.pagerduty import pagerduty_source

        pipeline = pipelines.pagerduty_pipeline(Path(base) / "warehouse.duckdb", Path(base) / "dlt")
        source = pagerduty_source(api_url=env["SOURCES__PAGERDUTY__API_URL"])
    started = time.perf_counter()
    error = None
    try:
        pipeline.run(source).raise_on_failed_jobs()
        written = dict(pipeline.last_trace.last_normalize_info.row_counts)
    except Exception as exc:  # noqa: BLE001 - reported, the benchmark goes on
        error, written = f"{type(exc).__name__}: {str(exc).splitlines()[-1][:300]}", {}
    return {
        "seconds": time.perf_counter() - started,
        "written": {k: v for k, v in written.items() if not k.startswith("_dlt")},
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "error": error,
    }


def run_child(tool: str, base: Path, env: dict[str, str], options: dict[str, Any]) -> dict:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_run, (tool, str(base), env, options))


# --------------------------------------------------------------------------- reporting


def warehouse_rows(base: Path, dataset: str) -> dict[str, int]:
    path = base / "warehouse.duckdb"
    if not path.exists():
        return {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and not starts_with(table_name, '_dlt') order by 1",
            [dataset],
        ).fetchall()
        return {
            name: con.execute(f'select count(*) from {dataset}."{name}"').fetchone()[0]
            for (name,) in tables
        }


def report(
    label: str, result: dict, requests: dict[str, int], rows: dict[str, int], expected: dict
) -> list[str]:
    total = sum(requests.values())
    failed = f", FAILED {result['error']}" if result["error"] else ""
    print(f"  {label}: {result['seconds']:.1f} s, {total:,} requests, peak RSS "
          f"{result['peak_mb']:,.0f} MB{failed}")  # fmt: skip
    for endpoint, n in sorted(requests.items(), key=lambda kv: -kv[1]):
        print(f"    {n:>8,}  {endpoint}")
    print(f"    rows written: {result['written']}")
    print(f"    warehouse rows: {rows}")
    mismatches = []
    for entity, count in expected.items():
        table = entity.split("[", 1)[0]
        if table not in rows:
            print(f"    NOT LOADED  {entity}: the sandbox has {count:,}; no table {table}")
            continue
        verdict = "MATCH" if rows[table] == count else "MISMATCH"
        print(f"    {verdict:<11} {entity}: warehouse {rows[table]:,}, sandbox {count:,}")
        if verdict == "MISMATCH":
            mismatches.append(f"{label} {entity}")
    return mismatches


def jira_content(base: Path, server: SandboxServer, clock: int) -> list[str]:
    """Statuses and versions change without any issue changing (a rename, a release, a
    version becoming overdue): compare their rows, not only their counts, with what the
    sandbox's Jira serves at `clock`."""
    from ingestion.sources.jira.helpers import status_row, version_row

    api, jira = server.jira, server.org.jira
    expected = {
        "statuses": {
            tuple(status_row(api._status(s, clock)).values()) for s in jira.statuses.values()
        },
        "versions": {
            tuple(version_row(v.project_key, api._version(v, clock)).values())
            for v in jira.versions
            if v.created_ts <= clock
        },
    }
    columns = {
        "statuses": list(status_row(api._status(next(iter(jira.statuses.values())), clock))),
        "versions": list(version_row("", api._version(jira.versions[0], clock))),
    }
    mismatches = []
    with duckdb.connect(str(base / "warehouse.duckdb"), read_only=True) as con:
        for table, rows in expected.items():
            got = set(
                con.execute(f"select {', '.join(columns[table])} from raw_jira.{table}").fetchall()
            )
            differ = len(got ^ rows)
            verdict = "MATCH" if not differ else "MISMATCH"
            same, stale = len(rows & got), len(got - rows)
            print(f"    {verdict:<11} {table} rows: {same:,} of {len(rows):,} as the sandbox "
                  f"serves them, {stale:,} stale")  # fmt: skip
            if differ:
                mismatches.append(f"{table} rows")
    return mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="medium")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sources", default="github,jira,pagerduty")
    parser.add_argument(
        "--days-before",
        type=int,
        default=3,
        help="the full load sees the sandbox this many days before its now (default 3: the "
        "Friday before the Monday `now`, so the incremental day is a working day)",
    )
    args = parser.parse_args()
    now = datetime(2026, 11, 23, tzinfo=UTC)

    started = time.perf_counter()
    org = generate_organisation(tier=args.tier, seed=args.seed, now=now)
    print(f"organisation {args.tier} (seed {args.seed}): {time.perf_counter() - started:.1f} s, "
          f"{org.summary()}")  # fmt: skip
    if org.jira is not None:
        print(f"  jira {org.jira.summary()}")
    if org.pagerduty is not None:
        print(f"  pagerduty {org.pagerduty.summary()}")

    patterns = {s.value_stream_id: s.production_pattern for s in org.value_streams}
    options = {
        "repositories": [
            {"repo": r.full_name, "production_pattern": patterns[r.value_stream_id]}
            for r in org.repositories
        ],
        "projects": [p.key for p in org.jira.projects] if org.jira is not None else [],
        "deploy_workflows": sandbox_config(org)["sources"]["github"].get("deploy_workflows", {}),
    }
    start = now - timedelta(days=args.days_before)
    print(f"full load at {start.isoformat()} ({start:%A}), incremental one day later")
    mismatches: list[str] = []
    with SandboxServer(org) as server, tempfile.TemporaryDirectory(prefix="vsm-bench-") as tmp:
        env = {**server.environment(), "RUNTIME__DLTHUB_TELEMETRY": "false"}
        counts: dict[str, Callable[[int], dict[str, int]]] = {
            "github": lambda clock: github_counts(org, clock, server),
            "jira": lambda clock: jira_counts(server, clock),
            "pagerduty": lambda clock: pagerduty_counts(org, clock),
        }
        for tool in args.sources.split(","):
            base = Path(tmp) / tool
            print(f"\n{tool}")
            server.clock = start
            server.reset_counts()
            full = run_child(tool, base, env, options)
            full_requests = dict(server.fronts[tool].request_counts)
            rows = warehouse_rows(base, DATASETS[tool])
            expected = counts[tool](int(start.timestamp()))
            mismatches += report("full load", full, full_requests, rows, expected)
            if tool == "jira":
                mismatches += jira_content(base, server, int(start.timestamp()))

            server.advance(DAY)
            server.reset_counts()
            incremental = run_child(tool, base, env, options)
            inc_requests = dict(server.fronts[tool].request_counts)
            rows = warehouse_rows(base, DATASETS[tool])
            expected = counts[tool](int(server.clock.timestamp()))
            mismatches += report("incremental (+1 day)", incremental, inc_requests, rows, expected)
            if tool == "jira":
                mismatches += jira_content(base, server, int(server.clock.timestamp()))

            full_total, inc_total = sum(full_requests.values()), sum(inc_requests.values())
            share = inc_total / full_total if full_total else 0.0
            print(f"  incremental / full requests: {share:.2%} (goal < 2%); full "
                  f"{full['seconds']:.1f} s (goal < 180 s), incremental "
                  f"{incremental['seconds']:.1f} s (goal < 15 s)")  # fmt: skip
            if tool == "github" and "pull_requests" in rows:
                prs = counts[tool](int(start.timestamp()))["pull_requests"]
                print(f"  requests per pull request (full load): {full_total / prs:.3f} "
                      "(goal < 0.05)")  # fmt: skip
            if tool == "jira":
                issues = counts[tool](int(start.timestamp()))["issues"]
                print(f"  requests per issue (full load): {full_total / issues:.4f}")
    print()
    print("ALL MATCH" if not mismatches else f"MISMATCHES: {', '.join(mismatches)}")


if __name__ == "__main__":
    main()
