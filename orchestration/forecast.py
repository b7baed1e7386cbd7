"""Monte Carlo forecast of flow (metrics.md 3): "how many items by date X" and "when will N
items be done", per value stream, from daily throughput samples.

The history is the daily throughput of the last ``history_weeks`` full weeks of local days
before the as-of day (completed flow items, canceled ones left out, by the day of their
completion in the stream's timezone; days without a completion count as 0). A trial draws
one sample per future day, with replacement, starting with the as-of day itself; 10,000
trials by default, from a seeded generator, so a seed always gives the same forecast.

Confidence p reads the trials conservatively:
- items by date X: the largest count reached by X in at least p of the trials;
- date for N items: the earliest date by which N items are done in at least p of the
  trials (NULL when fewer than p of the trials get there within ``max_days``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pyarrow as pa

FORECAST_TABLE = "mart_flow_forecast"
FORECAST_SCHEMA = "marts"
ITEMS_BY_DATE = "items_by_date"
DATE_FOR_ITEMS = "date_for_items"

SCHEMA = pa.schema(
    [
        ("value_stream_id", pa.string()),
        ("as_of_date", pa.date32()),
        ("question", pa.string()),  # items_by_date | date_for_items
        ("confidence", pa.float64()),
        # items_by_date: the date X; date_for_items: the forecast date (NULL: not reached)
        ("target_date", pa.date32()),
        ("days", pa.int32()),  # days simulated through target_date, the as-of day is day 1
        ("items", pa.int32()),  # items_by_date: the forecast count; date_for_items: N
        ("is_wip_target", pa.bool_()),  # date_for_items: N is the stream's work in progress
        ("history_start", pa.date32()),
        ("history_end", pa.date32()),
        ("history_days", pa.int32()),
        ("history_items", pa.int32()),
        ("mean_daily_throughput", pa.float64()),
        ("trials", pa.int32()),
        ("seed", pa.int64()),
    ]
)


@dataclass(frozen=True)
class ForecastSettings:
    """What a forecast simulates (every field can be set from the asset's run config)."""

    history_weeks: int = 12
    trials: int = 10_000
    seed: int = 20_260_101
    confidences: tuple[float, ...] = (0.5, 0.85, 0.95)
    horizon_weeks: int = 12  # items_by_date at the end (Sunday) of this many weeks
    item_targets: tuple[int, ...] = (10, 25, 50)  # date_for_items, besides the current WIP
    max_days: int = 3650  # a trial that needs longer never gets there


@dataclass
class Simulation:
    """The outcome of the trials of one value stream, in days from the as-of day (day 1)."""

    items_by_day: dict[int, dict[float, int]] = field(default_factory=dict)
    days_for_items: dict[int, dict[float, int | None]] = field(default_factory=dict)


def _cumulative_draws(
    samples: np.ndarray, trials: int, days: int, rng: np.random.Generator
) -> np.ndarray:
    """Running totals (trials x days) of one sample drawn per trial and day."""
    picks = rng.integers(0, len(samples), size=(trials, days))
    return np.cumsum(samples[picks], axis=1, dtype=np.int64)


def simulate(
    samples: np.ndarray | list[int],
    horizons: list[int],
    targets: list[int],
    settings: ForecastSettings,
) -> Simulation:
    """Run the trials over daily throughput ``samples`` and read both questions.

    ``horizons`` are day counts (items done by the end of day n, the as-of day being 1);
    ``targets`` are item counts (the day by which that many are done).
    """
    history = np.asarray(samples, dtype=np.int64)
    result = Simulation()
    if history.size == 0:
        raise ValueError("no throughput samples to draw from")
    rng = np.random.default_rng(settings.seed)
    trials = settings.trials
    longest = max([*horizons, 1])
    wanted = max([*targets, 0])
    mean = float(history.mean())
    if wanted and mean > 0:
        # Enough days for the largest target in nearly every trial, within max_days.
        longest = max(longest, math.ceil(2 * wanted / mean) + 14)
    days = min(longest, settings.max_days) if wanted else longest
    cumulative = _cumulative_draws(history, trials, days, rng)
    while wanted and days < settings.max_days and (cumulative[:, -1] < wanted).any():
        more = min(days, settings.max_days - days)
        extra = _cumulative_draws(history, trials, more, rng) + cumulative[:, -1:]
        cumulative = np.concatenate([cumulative, extra], axis=1)
        days += more

    for horizon in horizons:
        totals = np.sort(cumulative[:, horizon - 1])
        result.items_by_day[horizon] = {
            p: int(totals[int(math.floor((1 - p) * trials + 1e-9))]) for p in settings.confidences
        }
    for target in targets:
        # cumulative rows never decrease: the days still short of the target, plus one
        needed = np.sort((cumulative < target).sum(axis=1) + 1)
        result.days_for_items[target] = {}
        for p in settings.confidences:
            day = int(needed[max(int(math.ceil(p * trials - 1e-9)) - 1, 0)])
            result.days_for_items[target][p] = day if day <= days else None
    return result


def week_end_horizons(as_of_date: date, weeks: int) -> list[date]:
    """The Sundays ending the as-of day's ISO week and the ``weeks - 1`` weeks after it."""
    sunday = as_of_date + timedelta(days=6 - as_of_date.weekday())
    return [sunday + timedelta(weeks=n) for n in range(weeks)]


def history_window(as_of_date: date, weeks: int) -> tuple[date, date]:
    """First and last local day of the history: the ``weeks`` * 7 days before the as-of day."""
    return as_of_date - timedelta(days=7 * weeks), as_of_date - timedelta(days=1)


def daily_samples(completion_days: list[date], start: date, end: date) -> np.ndarray:
    """Items completed on each day from ``start`` through ``end`` (zeros included)."""
    counts = np.zeros((end - start).days + 1, dtype=np.int64)
    for day in completion_days:
        if start <= day <= end:
            counts[(day - start).days] += 1
    return counts


def forecast_stream(
    value_stream_id: str,
    as_of_date: date,
    completion_days: list[date],
    wip: int,
    settings: ForecastSettings,
) -> list[dict[str, object]]:
    """Every forecast row of one value stream (the columns of ``SCHEMA``)."""
    start, end = history_window(as_of_date, settings.history_weeks)
    samples = daily_samples(completion_days, start, end)
    horizon_dates = week_end_horizons(as_of_date, settings.horizon_weeks)
    horizons = [(d - as_of_date).days + 1 for d in horizon_dates]
    targets = sorted({*settings.item_targets, *([wip] if wip > 0 else [])})
    simulation = simulate(samples, horizons, targets, settings)
    common = {
        "value_stream_id": value_stream_id,
        "as_of_date": as_of_date,
        "history_start": start,
        "history_end": end,
        "history_days": int(samples.size),
        "history_items": int(samples.sum()),
        "mean_daily_throughput": float(samples.mean()),
        "trials": settings.trials,
        "seed": settings.seed,
    }
    rows: list[dict[str, object]] = []
    for horizon_date, horizon in zip(horizon_dates, horizons, strict=True):
        for p, items in simulation.items_by_day[horizon].items():
            rows.append(
                {
                    **common,
                    "question": ITEMS_BY_DATE,
                    "confidence": p,
                    "target_date": horizon_date,
                    "days": horizon,
                    "items": items,
                    "is_wip_target": None,
                }
            )
    for target in targets:
        for p, days in simulation.days_for_items[target].items():
            rows.append(
                {
                    **common,
                    "question": DATE_FOR_ITEMS,
                    "confidence": p,
                    "target_date": None if days is None else as_of_date + timedelta(days - 1),
                    "days": days,
                    "items": target,
                    "is_wip_target": target == wip,
                }
            )
    return rows


def as_of_instant(raw: str | None) -> datetime:
    """VSM_AS_OF (ISO; UTC without an offset) as an aware UTC instant, else now."""
    if not raw:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stream_inputs(
    con: duckdb.DuckDBPyConnection, as_of: datetime
) -> list[tuple[str, date, list[date], int]]:
    """Per value stream: the as-of local day, the local days of its completions, its WIP."""
    streams = con.execute(
        f"select value_stream_id, coalesce(timezone, 'UTC') "
        f"from {FORECAST_SCHEMA}.dim_value_streams order by value_stream_id"
    ).fetchall()
    completed: dict[str, list[datetime]] = {}
    for stream_id, completed_at in con.execute(
        f"select value_stream_id, completed_at from {FORECAST_SCHEMA}.fct_work_items "
        "where is_flow_item and not is_canceled and completed_at is not null"
    ).fetchall():
        completed.setdefault(stream_id, []).append(_utc(completed_at))
    wip = dict(
        con.execute(
            f"select value_stream_id, count(*) from {FORECAST_SCHEMA}.fct_work_items "
            "where is_flow_item and not is_canceled and flow_state in ('active', 'waiting') "
            "group by value_stream_id"
        ).fetchall()
    )
    inputs = []
    for stream_id, tz_name in streams:
        tz = ZoneInfo(tz_name)
        days = [moment.astimezone(tz).date() for moment in completed.get(stream_id, [])]
        inputs.append((stream_id, as_of.astimezone(tz).date(), days, int(wip.get(stream_id, 0))))
    return inputs


def write_forecast(warehouse: Path, settings: ForecastSettings, as_of: datetime) -> dict[str, int]:
    """Forecast every value stream from the warehouse's marts and (re)write
    ``marts.mart_flow_forecast`` in one transaction; returns the rows per value stream."""
    con = duckdb.connect(str(warehouse))
    try:
        rows: list[dict[str, object]] = []
        written: dict[str, int] = {}
        for stream_id, as_of_date, days, wip in _stream_inputs(con, as_of):
            stream_rows = forecast_stream(stream_id, as_of_date, days, wip, settings)
            written[stream_id] = len(stream_rows)
            rows.extend(stream_rows)
        con.register("forecast_rows", pa.Table.from_pylist(rows, schema=SCHEMA))
        con.execute("begin")
        con.execute(
            f"create or replace table {FORECAST_SCHEMA}.{FORECAST_TABLE} as "
            "select * from forecast_rows"
        )
        con.execute("commit")
        return written
    finally:
        con.close()
