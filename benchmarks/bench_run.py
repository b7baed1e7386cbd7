"""Time `vsm run` (one full refresh) against the sandbox and print the figures.

Usage: .venv/bin/python benchmarks/bench_run.py [--tier small] [--seed 7] [--runs 2]

The first run is a cold, full load into an empty VSM_HOME; the next ones are refreshes
with nothing new (incremental). Goal (Foundation): the demo pipeline under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingestion.sandbox import SandboxServer, generate_organisation  # noqa: E402
from ingestion.sandbox.jira.generator import write_bookings_csv  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    now = datetime(2026, 11, 23, tzinfo=UTC)
    started = time.perf_counter()
    organisation = generate_organisation(tier=args.tier, seed=args.seed, now=now)
    print(f"generate {args.tier}: {time.perf_counter() - started:.2f} s")

    vsm = str(Path(sys.executable).with_name("vsm"))
    with (
        tempfile.TemporaryDirectory(prefix="vsm-bench-") as home,
        SandboxServer(organisation) as sandbox,
    ):
        env = dict(
            os.environ,
            VSM_HOME=home,
            VSM_AS_OF=now.isoformat(),
            **sandbox.environment(),
            SOURCES__FILES__FOLDER=str(Path(home) / "drop"),
        )
        write_bookings_csv(organisation.jira, Path(home) / "drop" / "environment_bookings.csv")
        env.pop("VSM_WAREHOUSE", None)
        env.pop("VSM_MARTS", None)
        for attempt in range(1, args.runs + 1):
            started = time.perf_counter()
            subprocess.run(
                [vsm, "run", "--config", str(ROOT / "valuestream.yml")],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            label = "full" if attempt == 1 else "incremental"
            print(f"vsm run #{attempt} ({label}): {time.perf_counter() - started:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of the vsm process: {peak:.0f} MiB")
    print(f"requests served by the sandbox: {sum(sandbox.request_counts.values())}")


if __name__ == "__main__":
    main()
