"""Checks of the flow marts against the sandbox's Jira ground truth (JiraTruth), for any
tier: every value stream and ISO week of `flow_weekly` (velocity by type, distribution of
completed and in-flight items, flow time median/p85/p95/mean within one second, the
time-weighted flow efficiency and flow load) and every day of `flow_load_daily`.

The truth measures load from its data window's first day; the marts from the day the
stream's first flow item was created. The days in between hold no item (load 0), so a
first week the marts measure on fewer days must have the same sum of daily loads, and a
week the marts do not measure at all must be all zero in the truth.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from ingestion.sandbox.jira.truth import FLOW_TYPES, JiraTruth

TYPE_COLUMNS = ("features", "defects", "risks", "debts", "unclassified")


def rows(marts: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(marts), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _same(got: float | None, wanted: float | None, tolerance: float) -> bool:
    if got is None or wanted is None:
        return got is None and wanted is None
    return abs(got - wanted) <= tolerance


def _weekly(marts: Path, mart: str, columns: Iterable[str]) -> dict[tuple[str, date], tuple]:
    listed = ", ".join(columns)
    found = rows(
        marts,
        f"select value_stream_id, period_start, {listed} from {mart} "
        "where grain = 'week' and slice = 'value_stream'",
    )
    return {(stream, week): tuple(rest) for stream, week, *rest in found}


def check_weekly(marts: Path, flow: JiraTruth) -> int:
    """Every truth week equals the marts; returns the number of items completed checked."""
    velocity = _weekly(
        marts,
        "mart_flow_velocity",
        ["items_completed", *(f"{name}_completed" for name in TYPE_COLUMNS)],
    )
    times = _weekly(
        marts,
        "mart_flow_time",
        ["items_completed", "median_seconds", "p85_seconds", "p95_seconds", "mean_seconds"],
    )
    efficiency = _weekly(marts, "mart_flow_efficiency", ["flow_efficiency"])
    load = _weekly(marts, "mart_flow_load", ["days_measured", "flow_load"])
    distribution: dict[tuple[str, date], dict[str, tuple]] = {}
    for stream, week, kind, done, share, flight, flight_share in rows(
        marts,
        "select value_stream_id, period_start, flow_item_type, items_completed, "
        "share_completed, items_in_flight, share_in_flight from mart_flow_distribution "
        "where grain = 'week' and slice = 'value_stream'",
    ):
        distribution.setdefault((stream, week), {})[kind] = (done, share, flight, flight_share)

    completed = 0
    for wanted in flow.flow_weekly:
        key = (wanted["value_stream_id"], wanted["week_start"])
        if key not in velocity:
            _assert_unmeasured(key, wanted)
            continue
        by_type = [wanted["velocity_by_type"][kind] for kind in FLOW_TYPES]
        assert velocity[key] == (wanted["velocity"], *by_type), (key, velocity[key], wanted)
        completed += wanted["velocity"]

        count, *durations = times[key]
        assert count == wanted["flow_time_count"], (key, times[key], wanted)
        for got, name in zip(durations, ("median", "p85", "p95", "mean"), strict=True):
            assert _same(got, wanted[f"flow_time_{name}_s"], 1.0), (key, name, got, wanted)

        assert _same(efficiency[key][0], wanted["flow_efficiency"], 1e-9), (key, efficiency[key])

        days, mean_load = load[key]
        if days == wanted["load_days"]:
            assert _same(mean_load, wanted["flow_load"], 1e-9), (key, load[key], wanted)
        else:
            # the truth's extra days precede the stream's first flow item: load 0
            assert days < wanted["load_days"], (key, load[key], wanted)
            assert _same(
                (mean_load or 0.0) * days, wanted["flow_load"] * wanted["load_days"], 1e-9
            ), (key, load[key], wanted)

        shares = distribution[key]
        for kind in FLOW_TYPES:
            done, share, flight, flight_share = shares[kind]
            assert done == wanted["velocity_by_type"][kind], (key, kind, shares)
            expected_share = wanted["distribution"][kind] if wanted["distribution"] else None
            assert _same(share, expected_share, 1e-9), (key, kind, shares, wanted)
            if wanted["load_days"]:
                assert flight == wanted["in_flight_by_type"][kind], (key, kind, shares, wanted)
                in_flight_share = (
                    wanted["distribution_in_flight"][kind]
                    if wanted["distribution_in_flight"]
                    else None
                )
                assert _same(flight_share, in_flight_share, 1e-9), (key, kind, shares, wanted)

    truth_weeks = {(w["value_stream_id"], w["week_start"]) for w in flow.flow_weekly}
    for key, got in velocity.items():
        if key not in truth_weeks:
            assert got[0] == 0 and not load[key][1], (key, got, load[key])
    return completed


def _assert_unmeasured(key: tuple[str, date], wanted: dict[str, Any]) -> None:
    """A week the marts do not hold: the truth has nothing in it either."""
    assert wanted["velocity"] == 0, (key, wanted)
    assert not wanted["flow_load"], (key, wanted)
    assert not any(wanted["in_flight_by_type"].values()), (key, wanted)


def check_load_daily(marts: Path, flow: JiraTruth) -> int:
    """Items in flight at the end of every day equal the truth; returns the days checked."""
    found = rows(
        marts,
        "select value_stream_id, flow_date, sum(items) from fct_flow_daily "
        "where is_in_flight group by value_stream_id, flow_date",
    )
    got = {(stream, day): int(items) for stream, day, items in found}
    wanted = {(row["value_stream_id"], row["day"]): row["load"] for row in flow.flow_load_daily}
    mismatches = [
        (key, got.get(key, 0), load) for key, load in wanted.items() if got.get(key, 0) != load
    ]
    assert not mismatches, mismatches[:10]
    assert set(got) <= set(wanted), sorted(set(got) - set(wanted))[:10]
    return len(wanted)


def check_work_items(marts: Path, flow: JiraTruth) -> int:
    """Every flow item's stream, team, type, canceled flag, work start, completion and
    active time equal the truth's; returns the number of items checked."""
    found = rows(
        marts,
        "select work_item_key, value_stream_id, team_id, flow_item_type, is_canceled, "
        "epoch(work_started_at), epoch(completed_at), active_time_s from fct_work_items "
        "where is_flow_item",
    )
    got = {key: rest for key, *rest in found}
    assert set(got) == {item.key for item in flow.items}
    for item in flow.items:
        stream, team, kind, canceled, started, completed, active = got[item.key]
        assert (stream, team, kind, canceled) == (
            item.value_stream_id,
            item.team_id,
            item.flow_type,
            item.canceled,
        ), (item.key, got[item.key])
        assert _same(started, item.work_start, 0.5), (item.key, got[item.key], item)
        assert _same(completed, item.completion, 0.5), (item.key, got[item.key], item)
        if item.completion is not None and item.work_start is not None:
            assert _same(active, item.active_s, 1.0), (item.key, got[item.key], item)
    return len(flow.items)
