"""Valuestream dashboards: the entry point (`streamlit run dashboards/app.py`).

It sets up the pages and the sidebar filters every page shares, then runs the page the
user picked. The pages read the filters from Session State (`dashboards.filters`).
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import streamlit as st

from dashboards import queries
from dashboards.filters import (
    DEFAULT_WEEKS,
    Filters,
    last_n_weeks,
    monday_of,
    store_filters,
    weeks_of_range,
)

PERIOD_LAST_WEEKS = "Last N weeks"
PERIOD_DATE_RANGE = "Date range"
MISSING_MARTS_MESSAGE = (
    "No published marts yet at `{path}`. "
    "Run `vsm run` (or `make demo` for the sandbox organisation) to build them, "
    "then reload this page."
)


def missing_marts_message() -> None:
    """Explain what to run when the marts file is not there yet."""
    st.title("Valuestream")
    st.info(MISSING_MARTS_MESSAGE.format(path=queries.marts_path()), icon=":material/info:")


def sidebar_filters() -> Filters:
    """The value stream and period pickers in the sidebar; the choice goes to Session State."""
    streams = queries.value_streams()
    names = dict(zip(streams["value_stream_id"], streams["value_stream_name"], strict=True))
    bounds = queries.week_bounds()
    earliest, latest = bounds if bounds else (monday_of(date.today()), monday_of(date.today()))

    with st.sidebar:
        st.header("Filters")
        selected = st.multiselect(
            "Value streams",
            options=list(names),
            default=list(names),
            format_func=lambda stream_id: names.get(stream_id, stream_id),
            key="filter_value_streams",
            placeholder="Pick value streams",
        )
        mode = st.radio(
            "Period",
            [PERIOD_LAST_WEEKS, PERIOD_DATE_RANGE],
            horizontal=True,
            key="filter_period_mode",
        )
        if mode == PERIOD_LAST_WEEKS:
            weeks = st.slider(
                "Weeks", min_value=1, max_value=104, value=DEFAULT_WEEKS, key="filter_weeks"
            )
            first_week, last_week = last_n_weeks(latest, weeks, earliest)
        else:
            default_first, _ = last_n_weeks(latest, DEFAULT_WEEKS, earliest)
            picked = st.date_input(
                "Dates",
                value=(default_first, latest + timedelta(days=6)),
                min_value=earliest,
                max_value=latest + timedelta(days=6),
                key="filter_dates",
            )
            picked_days = [day for day in picked if day is not None] if picked else []
            if not picked_days:
                picked_days = [default_first, latest]
            first_week, last_week = weeks_of_range(picked_days[0], picked_days[-1])
        st.caption(f"Weeks of {first_week:%d %b %Y} to {last_week:%d %b %Y} (Mondays).")

    filters = Filters(tuple(selected), first_week, last_week)
    store_filters(filters)
    return filters


st.set_page_config(page_title="Valuestream", page_icon=":material/insights:", layout="wide")

navigation = st.navigation(
    [
        st.Page("app_pages/overview.py", title="Overview", icon=":material/home:", default=True),
        st.Page("app_pages/dora.py", title="DORA", icon=":material/rocket_launch:"),
        st.Page("app_pages/flow.py", title="Flow", icon=":material/waterfall_chart:"),
        st.Page(
            "app_pages/value_stream_map.py",
            title="Value stream map",
            icon=":material/account_tree:",
        ),
    ]
)

if not queries.marts_available():
    missing_marts_message()
    st.stop()

try:
    sidebar_filters()
    navigation.run()
except queries.MartsNotFoundError:
    missing_marts_message()
except duckdb.Error as error:
    st.error(
        f"The published marts at `{queries.marts_path()}` could not be read ({error}). "
        "Run `vsm run` again to rebuild them."
    )
