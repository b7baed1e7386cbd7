"""Pure helpers: periods, friendly units, per-stream summaries."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from dashboards.filters import Filters, last_n_weeks, monday_of, weeks_of_range
from dashboards.formatting import (
    ago,
    band_label,
    change_count,
    count_of,
    duration,
    per_week,
    timestamp,
    week_label,
    week_of,
)
from dashboards.summaries import stream_summaries


def test_monday_of_and_ranges():
    assert monday_of(date(2026, 11, 22)) == date(2026, 11, 16)  # a Sunday
    assert monday_of(date(2026, 11, 23)) == date(2026, 11, 23)
    assert last_n_weeks(date(2026, 11, 23), 12) == (date(2026, 9, 7), date(2026, 11, 23))
    assert last_n_weeks(date(2026, 11, 23), 12, date(2026, 10, 19)) == (
        date(2026, 10, 19),
        date(2026, 11, 23),
    )
    assert weeks_of_range(date(2026, 11, 12), date(2026, 11, 4)) == (
        date(2026, 11, 2),
        date(2026, 11, 9),
    )
    assert Filters(("payments",), date(2026, 11, 2), date(2026, 11, 23)).week_count == 4
    with pytest.raises(ValueError, match="at least 1"):
        last_n_weeks(date(2026, 11, 23), 0)


def test_friendly_units():
    assert duration(42) == "42 s"
    assert duration(12 * 60) == "12 min"
    assert duration(3.5 * 3600) == "3.5 h"
    assert duration(2.25 * 86400) == "2.2 d"
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert ago(datetime(2026, 11, 25, 8, 30, tzinfo=UTC), now) == "3.5 h ago"
    assert timestamp(datetime(2026, 11, 15, 23, 30, tzinfo=UTC), "Europe/Berlin") == (
        "2026-11-16 00:30 CET"
    )
    assert timestamp(datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "Europe/Berlin") == (
        "2026-07-01 12:00 CEST"
    )
    assert week_label(date(2026, 11, 16)) == "Week of 16 Nov 2026 (W47)"
    assert week_of(date(2026, 11, 16)) == "week of 16 Nov 2026"
    assert per_week(18 / 12) == "1.50"
    assert per_week(None) == "–"
    assert band_label("elite") == "Elite"
    assert band_label(None) == "No band"
    assert [change_count(v) for v in (None, pd.NA, float("nan"), 0, 5)] == [
        "unknown",
        "unknown",
        "unknown",
        "0",
        "5",
    ]
    assert count_of(1, "deployment") == "1 deployment"
    assert count_of(0, "deployment") == "0 deployments"


def test_stream_summaries_take_the_band_of_the_last_complete_week():
    weekly = pd.DataFrame(
        {
            "value_stream_id": ["a", "a", "a", "b"],
            "value_stream_name": ["A", "A", "A", "B"],
            "week_start": [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)] * 1
            + [date(2026, 11, 23)],
            "deployments": [2, 5, 9, 3],
            "deployment_days": [1, 3, 4, 2],
            "trailing_12w_deployments_per_week": [0.5, 1.25, 2.0, 0.25],
            "band": ["medium", "high", "high", "medium"],
            "week_in_progress": [False, False, True, True],
        }
    )
    failed = pd.DataFrame(
        {
            "value_stream_id": ["a", "a"],
            "week_start": [date(2026, 11, 9)] * 2,
            "failed_attempts": [1, 2],
        }
    )
    summaries = stream_summaries(weekly, failed).set_index("value_stream_id")
    a = summaries.loc["a"]
    assert (a["weeks"], a["deployments"], a["deployment_days"], a["failed_attempts"]) == (
        3,
        16,
        8,
        3,
    )
    assert a["deployments_per_week"] == pytest.approx(16 / 3)
    assert (a["band_week"], a["band_trailing_12w"], a["band"]) == (date(2026, 11, 16), 1.25, "high")
    b = summaries.loc["b"]  # only its week in progress: no band yet
    assert pd.isna(b["band"]) and pd.isna(b["band_week"])
    assert b["failed_attempts"] == 0
