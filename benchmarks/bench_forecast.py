"""Benchmark the Monte Carlo forecast: seconds per value stream on a sandbox tier's history.

Usage: .venv/bin/python benchmarks/bench_forecast.py [--tier medium] [--trials 10000]
           [--repeat 3]

Each value stream of the tier (seed 7, as of 2026-11-23) is forecast as the refresh does
it (metrics.md 3: the last 12 weeks of daily throughput, 10,000 trials, the next 12 weeks'
ends, and the dates for the stream's work in progress and 10/25/50 items, at 50/85/95%),
from the sandbox's own completed flow items; the best of `--repeat` runs is printed.
Goal (issue 6): under 5 s per value stream.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingestion.sandbox import generate_organisation  # noqa: E402
from ingestion.sandbox.jira.truth import jira_truth  # noqa: E402
from orchestration.forecast import ForecastSettings, forecast_stream  # noqa: E402

NOW = datetime(2026, 11, 23, tzinfo=UTC)
GOAL_SECONDS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="medium")
    parser.add_argument("--trials", type=int, default=ForecastSettings.trials)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    org = generate_organisation(tier=args.tier, seed=7, now=NOW)
    truth = jira_truth(org.jira)
    settings = ForecastSettings(trials=args.trials)
    worst = 0.0
    print(f"tier {args.tier}: {len(truth.items)} flow items, {settings.trials} trials")
    for stream, tz_name in sorted(org.jira.stream_timezones.items()):
        tz = ZoneInfo(tz_name)
        items = [i for i in truth.items if i.value_stream_id == stream and not i.canceled]
        days = [datetime.fromtimestamp(i.completion, tz).date() for i in items if i.completion]
        wip = sum(1 for i in items if i.work_start is not None and i.completion is None)
        as_of_date = NOW.astimezone(tz).date()
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            rows = forecast_stream(stream, as_of_date, days, wip, settings)
            best = min(best, time.perf_counter() - started)
        worst = max(worst, best)
        mean = rows[0]["mean_daily_throughput"]
        print(
            f"  {stream:<14} {best:6.3f} s  ({len(rows)} rows, WIP {wip}, "
            f"{mean:.2f} items/day over {rows[0]['history_days']} days)"
        )
    verdict = "meets" if worst < GOAL_SECONDS else "misses"
    print(f"slowest stream {worst:.3f} s: {verdict} the goal of {GOAL_SECONDS:.0f} s per stream")
    return 0 if worst < GOAL_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
