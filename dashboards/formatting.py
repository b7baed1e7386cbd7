"""How numbers, times and bands read on screen."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

BANDS = ("elite", "high", "medium", "low")
# The same hues in charts and in st.metric's named delta colours.
BAND_COLOURS = {
    "elite": "#21a366",
    "high": "#3d7cc9",
    "medium": "#f59f45",
    "low": "#d8423a",
}
BAND_METRIC_COLOURS = {"elite": "green", "high": "blue", "medium": "orange", "low": "red"}


def band_label(band: str | None) -> str:
    """``"elite"`` -> ``"Elite"``; a missing band reads as "No band"."""
    if band is None or pd.isna(band) or band == "":
        return "No band"
    return str(band).capitalize()


def per_week(value: float | None) -> str:
    """Deployments per week with two decimals (``1.50``); ``–`` when unknown."""
    if value is None or pd.isna(value):
        return "–"
    return f"{value:.2f}"


def duration(seconds: float) -> str:
    """A duration in the friendliest unit: ``45 s``, ``12 min``, ``3.5 h``, ``2.1 d``."""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def ago(moment: datetime, now: datetime) -> str:
    """``"3.5 h ago"`` (or ``"in 2 min"`` for a moment after ``now``)."""
    delta = (now - moment).total_seconds()
    return f"{duration(delta)} ago" if delta >= 0 else f"in {duration(delta)}"


def timestamp(moment: datetime, timezone: str = "UTC") -> str:
    """``2026-11-16 00:30 CET``: a moment shown in a stream's timezone, to the minute."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def week_label(week_start: date) -> str:
    """``Week of 16 Nov 2026 (W47)``."""
    return f"Week of {week_start:%d %b %Y} (W{week_start.isocalendar().week:02d})"


def week_of(week_start: date) -> str:
    """``week of 16 Nov 2026``, for use inside a sentence."""
    return f"week of {week_start:%d %b %Y}"


def change_count(value: object) -> str:
    """The changes a deployment shipped, or ``unknown`` when its range is not known."""
    if value is None or pd.isna(value):
        return "unknown"
    return str(int(value))  # type: ignore[call-overload]


def count_of(count: int, noun: str) -> str:
    """``1 deployment``, ``3 deployments``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def percent(value: float | None) -> str:
    """A ratio as a percentage with one decimal (``12.5 %``); ``–`` when unknown."""
    if value is None or pd.isna(value):
        return "–"
    return f"{value * 100:.1f} %"


def duration_or_dash(seconds: float | None) -> str:
    """A duration (see `duration`; a negative one keeps its sign), or ``–`` for none (a
    metric over no rows)."""
    if seconds is None or pd.isna(seconds):
        return "–"
    return ("-" if seconds < 0 else "") + duration(float(seconds))


def band_of(value: float | None, metric: str, bands: pd.DataFrame) -> str | None:
    """The DORA band of `value` for `metric`, by the rule of the marts (seed
    dora_benchmarks): the best-ranked band whose interval holds it, open where a bound is
    missing; [lower, upper) except the change failure rate's (lower, upper]."""
    if value is None or pd.isna(value):
        return None
    rows = bands[bands["metric"] == metric].sort_values("band_rank")
    for row in rows.itertuples(index=False):
        lower, upper = row.lower_bound, row.upper_bound
        if metric == "change_failure_rate":
            fits = (pd.isna(lower) or lower < value) and (pd.isna(upper) or value <= upper)
        else:
            fits = (pd.isna(lower) or value >= lower) and (pd.isna(upper) or value < upper)
        if fits:
            return str(row.band)
    return None
