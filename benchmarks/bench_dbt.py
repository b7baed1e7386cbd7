"""Time `dbt build` on a sandbox tier: a full build, then an incremental build after one
simulated day (issue 5).

Usage: .venv/bin/python benchmarks/bench_dbt.py [--tier large] [--seed 7] [--cache DIR]

Generates the tier and serves it; loads it with the real connectors (config, GitHub, Jira,
PagerDuty, bookings CSV) into a temporary warehouse with the sandbox's clock one day before
the organisation's now; then times:

1. the full build (`dbt build --full-refresh`, every model and data test from scratch);
2. the refresh's build with nothing new (the incremental facts merge nothing);
3. after `server.advance(1 day)` and an incremental load of every source, the refresh's
   build (the hourly refresh of a day's changes), then the same with the audit tests (the
   nightly audit's build), then with the audit and the unit tests.

The builds use the hourly refresh's own arguments (`orchestration.dbt_args.dbt_build_args`
with `audit=False`): unit tests are left to the test suite and the audit tests (each
incremental model equals a full rebuild) to the nightly audit, timed in 3. Each build starts
from a parse of its own environment, as the refresh does (it keeps the last run's parse:
`orchestration.assets.transform.keep_parse_warm`); a parse made for another VSM_HOME would
make dbt parse everything again (8-9 s).

`--cache DIR` keeps the loaded raw data (warehouse and dlt state) before and after the
simulated day in DIR/<tier>-<seed>/{before,after} and reuses it on later runs, which then
skip the generation and the load (a quarter of an hour on `large`). Each build then runs on
its own fresh copy: the full build on a copy of `before`; the refresh with nothing new on
the fully built copy; the refreshes after one day on copies of that built warehouse whose
raw datasets (the schemas dlt loaded, holding `_dlt_loads`) are replaced by those of
`after`, which is what the day's incremental load leaves there.

Prints the load times and, per build, seconds (and the CPU seconds dbt used, which tell
whether other work on the machine slowed it), model/test counts and summed times and the
slowest models; `--results DIR` keeps each build's run_results.json. Goals (issue 5):
`large` full build under 3 minutes on 2 cores; the incremental build under 20 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingestion.sandbox import SandboxServer, generate_organisation  # noqa: E402
from ingestion.sandbox.jira.generator import write_bookings_csv  # noqa: E402
from orchestration.dbt_args import dbt_build_args  # noqa: E402

DAY = timedelta(days=1)
# The flow and value stream map models (issue 6), for `--select flow`.
FLOW_SELECTION = " ".join(
    f"path:models/{layer}/{area}"
    for layer in ("intermediate", "marts")
    for area in ("flow", "value_stream_map")
)
NOW = datetime(2026, 11, 23, tzinfo=UTC)
DBT = Path(sys.executable).with_name("dbt")


def load_everything(env: dict[str, str], config_path: Path, home: Path) -> dict[str, float]:
    """Run every source's pipeline once (as the Dagster job does), in a child process;
    seconds per source."""
    script = f"""
import json, os, time
from pathlib import Path
from ingestion.config import load_config
from ingestion import pipelines
config = load_config(Path({str(config_path)!r}))
home = Path({str(home)!r})
warehouse, work = home / "warehouse.duckdb", home / "dlt"
runs = [
    ("config", pipelines.config_pipeline, pipelines.config_source_from_config),
    ("github", pipelines.github_pipeline, pipelines.github_source_from_config),
    ("jira", pipelines.jira_pipeline, pipelines.jira_source_from_config),
    ("pagerduty", pipelines.pagerduty_pipeline, pipelines.pagerduty_source_from_config),
]
seconds = {{}}
for name, pipeline, source in runs:
    started = time.perf_counter()
    pipeline(warehouse, work).run(source(config)).raise_on_failed_jobs()
    seconds[name] = time.perf_counter() - started
from ingestion.sources.files import files_source
started = time.perf_counter()
pipelines.files_pipeline(warehouse, work).run(
    files_source(folder=str(home / "drop"))
).raise_on_failed_jobs()
seconds["files"] = time.perf_counter() - started
print(json.dumps(seconds))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        raise SystemExit(f"load failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def dbt_parse(env: dict[str, str], target: Path) -> Path:
    """`dbt parse` in the environment `env` (its VSM_HOME is part of the profile); its
    partial_parse.msgpack is what Dagster's dbt resource copies into each run's own target
    folder."""
    subprocess.run(
        [
            str(DBT),
            "parse",
            "--project-dir",
            str(ROOT / "dbt_project"),
            "--profiles-dir",
            str(ROOT / "dbt_project"),
            "--target-path",
            str(target),
        ],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return target / "partial_parse.msgpack"


def dbt_build(
    env: dict[str, str], target: Path, args: list[str], partial_parse: Path
) -> dict[str, object]:
    """One `dbt build` with the refresh's arguments `args` in a new target folder seeded
    with `partial_parse` (as Dagster runs it); seconds and the slowest nodes."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(partial_parse, target / partial_parse.name)
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [
            str(DBT),
            *args,
            "--project-dir",
            str(ROOT / "dbt_project"),
            "--profiles-dir",
            str(ROOT / "dbt_project"),
            "--target-path",
            str(target),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"dbt build failed:\n{done.stdout[-6000:]}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    kinds: dict[str, str] = {}
    totals: dict[str, list[float]] = {}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        total = totals.setdefault(kind, [0, 0.0])
        total[0] += 1
        total[1] += result["execution_time"]
    # per kind: how many nodes ran and the sum of their execution times (over all threads)
    kinds = {kind: f"{n} in {seconds:.1f} s" for kind, (n, seconds) in totals.items()}
    slowest = sorted(results, key=lambda r: -r["execution_time"])[:5]
    return {
        "seconds": seconds,
        "cpu": cpu,
        "nodes": kinds,
        "slowest": [(r["unique_id"].split(".")[-1], r["execution_time"]) for r in slowest],
    }


def keep(target: Path, folder: Path | None, name: str) -> None:
    """Copy the build's run_results.json to folder/name.json (when a folder is given)."""
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(target / "run_results.json", folder / f"{name}.json")


def copy_home(source: Path, destination: Path) -> None:
    """A fresh copy of a loaded home: warehouse, dlt state, config and dropped files."""
    shutil.copytree(source, destination)


def raw_datasets(con: object, catalog: str) -> list[str]:
    """The schemas of `catalog` that dlt loaded: each holds its `_dlt_loads` table."""
    rows = con.execute(  # type: ignore[attr-defined]
        "select table_schema from information_schema.tables"
        " where table_catalog = ? and table_name = '_dlt_loads' order by 1",
        [catalog],
    ).fetchall()
    return [row[0] for row in rows]


def replace_raw(warehouse: Path, loaded: Path) -> None:
    """Replace the raw datasets of `warehouse` (dbt's models built on it stay) by those of
    the warehouse `loaded`: the state an incremental load leaves behind."""
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"attach '{loaded}' as loaded (read_only)")
        catalog = con.execute("select current_database()").fetchone()[0]
        for schema in raw_datasets(con, catalog):
            con.execute(f'drop schema "{catalog}"."{schema}" cascade')
        for schema in raw_datasets(con, "loaded"):
            con.execute(f'create schema "{catalog}"."{schema}"')
            tables = con.execute(
                "select table_name from information_schema.tables"
                " where table_catalog = 'loaded' and table_schema = ?",
                [schema],
            ).fetchall()
            for (table,) in tables:
                con.execute(
                    f'create table "{catalog}"."{schema}"."{table}" as'
                    f' select * from loaded."{schema}"."{table}"'
                )
        con.execute("detach loaded")


def row_counts(warehouse: Path, tables: list[str]) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}


def report(label: str, build: dict[str, object]) -> None:
    print(f"{label:<26} {build['seconds']:6.1f} s (CPU {build['cpu']:5.1f} s)  {build['nodes']}")
    for name, seconds in build["slowest"]:  # type: ignore[union-attr]
        print(f"    {name:<60} {seconds:6.2f} s")


def bench_env(home: Path, sandbox: SandboxServer | None = None) -> dict[str, str]:
    """The environment of the loads and builds: the sandbox's if any, the home, no other
    VSM_ settings (as a scheduled refresh: no VSM_AS_OF, the models' "now" is the wall
    clock)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VSM_", "SOURCES__"))}
    if sandbox is not None:
        env.update(sandbox.environment())
    env.update(VSM_HOME=str(home), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    return env


def load_tier(tier: str, seed: int, before: Path, after: Path) -> None:
    """Generate and serve the tier; load it into `before` with the sandbox's clock one day
    before the organisation's now, copy that to `after` and load one more day there."""
    from ingestion.sandbox.config import render_sandbox_config

    started = time.perf_counter()
    organisation = generate_organisation(tier=tier, seed=seed, now=NOW)
    print(f"generate {tier}: {time.perf_counter() - started:.1f} s  {organisation.summary()}")
    with SandboxServer(organisation) as sandbox:
        # The load's speed is not what is measured here: lift GitHub's point budgets (5,000
        # GraphQL points an hour would make a large first load wait for hours).
        sandbox.github.graphql_limit = sandbox.github.rate_limit = 10**9
        before.mkdir(parents=True)
        config_path = before / "valuestream.yml"
        config_path.write_text(render_sandbox_config(organisation))
        write_bookings_csv(organisation.jira, before / "drop" / "environment_bookings.csv")
        as_of = NOW - DAY
        sandbox.clock = as_of
        env = bench_env(before, sandbox)
        print(f"load (clock {as_of:%Y-%m-%d}): {load_everything(env, config_path, before)}")
        copy_home(before, after)
        sandbox.advance(DAY)
        env = bench_env(after, sandbox)
        config_path = after / "valuestream.yml"
        print(f"load one more day: {load_everything(env, config_path, after)}")


def reload_config(tier: str, seed: int, before: Path, after: Path) -> None:
    """Load the tier's config again into a cached `before` and `after` with this checkout's
    config source (the cache may predate a setting the models now read)."""
    from ingestion.sandbox.config import render_sandbox_config

    organisation = generate_organisation(tier=tier, seed=seed, now=NOW)
    for home in (before, after):
        config_path = home / "valuestream.yml"
        config_path.write_text(render_sandbox_config(organisation))
        script = f"""
from pathlib import Path
from ingestion.config import load_config
from ingestion import pipelines
config = load_config(Path({str(config_path)!r}))
home = Path({str(home)!r})
pipelines.config_pipeline(home / "warehouse.duckdb", home / "dlt").run(
    pipelines.config_source_from_config(config)
).raise_on_failed_jobs()
"""
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=bench_env(home),
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode != 0:
            raise SystemExit(f"config load failed:\n{done.stderr[-4000:]}")
    print("config loaded again into the cached tier")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="large")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--results",
        type=Path,
        help="copy each build's run_results.json into this folder (full.json, ...)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="keep the loaded tier in this folder and reuse it on later runs",
    )
    parser.add_argument(
        "--select",
        help="also time these nodes alone (dbt selection syntax; `flow` for the flow and "
        "value stream map models): their full build on the built warehouse, with nothing "
        "new, and after one day once everything else has been refreshed",
    )
    args = parser.parse_args()
    select = FLOW_SELECTION if args.select == "flow" else args.select

    with tempfile.TemporaryDirectory(prefix="vsm-bench-dbt-") as tmp:
        loaded = (args.cache or Path(tmp) / "loaded") / f"{args.tier}-{args.seed}"
        before, after = loaded / "before", loaded / "after"
        if (after / "warehouse.duckdb").exists():
            print(f"loaded {args.tier} (seed {args.seed}) from {loaded}")
            reload_config(args.tier, args.seed, before, after)
        else:
            shutil.rmtree(loaded, ignore_errors=True)
            load_tier(args.tier, args.seed, before, after)

        home = Path(tmp) / "home"
        copy_home(before, home)
        env = bench_env(home)
        parses: dict[Path, Path] = {}

        def parsed_for(home: Path) -> Path:
            """A parse made in the environment of `home` (not timed)."""
            if home not in parses:
                parses[home] = dbt_parse(bench_env(home), Path(tmp) / f"parse{len(parses)}")
            return parses[home]

        full = dbt_build(env, Path(tmp) / "t1", dbt_build_args(full_refresh=True), parsed_for(home))
        report("full build", full)
        keep(Path(tmp) / "t1", args.results, "full")
        if select:
            built = Path(tmp) / "home_selected"
            shutil.copytree(home, built)
            part = dbt_build(
                bench_env(built),
                Path(tmp) / "s1",
                dbt_build_args(full_refresh=True, select=select, audit=False),
                parsed_for(built),
            )
            report(f"full build of {args.select} alone", part)
            keep(Path(tmp) / "s1", args.results, "selected_full")
        hourly = dbt_build_args(audit=False)
        nothing = dbt_build(env, Path(tmp) / "t2", hourly, parsed_for(home))
        report("refresh, nothing new", nothing)
        keep(Path(tmp) / "t2", args.results, "nothing_new")
        if select:
            part = dbt_build(
                env, Path(tmp) / "s2", dbt_build_args(select=select, audit=False), parsed_for(home)
            )
            report(f"refresh of {args.select} alone, nothing new", part)
            keep(Path(tmp) / "s2", args.results, "selected_nothing_new")

        builds = [
            ("refresh after one day", "one_day", dbt_build_args(audit=False)),
            ("the same with audit tests", "one_day_audit", dbt_build_args()),
            ("the same with unit tests", "one_day_unit_tests", dbt_build_args(unit_tests=True)),
        ]
        for n, (label, name, build_args) in enumerate(builds, start=3):
            day = one_day_home(home, after, Path(tmp) / f"home{n}")
            build = dbt_build(bench_env(day), Path(tmp) / f"t{n}", build_args, parsed_for(day))
            report(label, build)
            keep(Path(tmp) / f"t{n}", args.results, name)
        tables = ["marts.fct_deployments", "marts.fct_incidents", "marts.fct_changes"]
        print(f"rows after one day: {row_counts(day / 'warehouse.duckdb', tables)}")
        if select:
            # The selection after one day, its inputs refreshed first (not timed).
            day = one_day_home(home, after, Path(tmp) / "home_selected_day")
            dbt_build(
                bench_env(day),
                Path(tmp) / "s3",
                dbt_build_args(exclude=select, audit=False),
                parsed_for(day),
            )
            part = dbt_build(
                bench_env(day),
                Path(tmp) / "s4",
                dbt_build_args(select=select, audit=False),
                parsed_for(day),
            )
            report(f"refresh of {args.select} alone after one day", part)
            keep(Path(tmp) / "s4", args.results, "selected_one_day")


def one_day_home(home: Path, after: Path, day: Path) -> Path:
    """A copy of the built `home` whose raw data and dlt state are the one-day-later load."""
    shutil.copytree(home, day)
    replace_raw(day / "warehouse.duckdb", after / "warehouse.duckdb")
    shutil.rmtree(day / "dlt")
    shutil.copytree(after / "dlt", day / "dlt")
    return day


if __name__ == "__main__":
    main()
