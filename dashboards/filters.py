"""The filters chosen in the sidebar, shared by every page through Session State."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

SESSION_KEY = "vsm_filters"
DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class Filters:
    """Which value streams and which weeks (Mondays, inclusive) the pages show."""

    value_stream_ids: tuple[str, ...]
    first_week: date
    last_week: date

    @property
    def week_count(self) -> int:
        return (self.last_week - self.first_week).days // 7 + 1


def monday_of(day: date) -> date:
    """The Monday that starts the ISO week containing ``day``."""
    return day - timedelta(days=day.weekday())


def last_n_weeks(
    latest_week: date, weeks: int, earliest_week: date | None = None
) -> tuple[date, date]:
    """The ``weeks`` weeks ending with ``latest_week``, never starting before ``earliest_week``."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    first = latest_week - timedelta(weeks=weeks - 1)
    if earliest_week is not None:
        first = max(first, earliest_week)
    return first, latest_week


def weeks_of_range(start: date, end: date) -> tuple[date, date]:
    """The weeks (by their Mondays) that a date range touches, in order."""
    first, last = sorted((start, end))
    return monday_of(first), monday_of(last)


def store_filters(filters: Filters) -> None:
    """Share the sidebar's choice with the pages."""
    st.session_state[SESSION_KEY] = filters


def current_filters() -> Filters:
    """The sidebar's choice, as the entry point stored it on this run."""
    filters = st.session_state.get(SESSION_KEY)
    if not isinstance(filters, Filters):
        raise RuntimeError("open the dashboards through dashboards/app.py")
    return filters
