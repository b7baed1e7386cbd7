"""Flow: velocity, distribution, flow time, efficiency and load of the flow items (Flow
Framework), the cumulative flow, aging work in progress and the Monte Carlo forecast."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, queries
from dashboards.filters import current_filters
from dashboards.formatting import count_of, duration_or_dash, percent, timestamp

filters = current_filters()

st.title("Flow metrics")
st.caption(
    "A flow item is a Jira issue typed feature, defect, risk, debt or unclassified (epics "
    "and sub-tasks are not flow items; canceled items leave the metrics). It starts at its "
    "first entry into an active or waiting status and completes at its last entry into "
    "done; it counts in the period (stream timezone, weeks from Monday) in which it "
    "completed. Definitions: docs/metrics.md."
)

if not filters.value_stream_ids:
    st.info("Pick at least one value stream in the sidebar.")
    st.stop()

missing = queries.missing_tables(queries.FLOW_TABLES)
if missing:
    st.info(
        "The published marts hold no flow metrics yet (missing: "
        + ", ".join(f"`{name}`" for name in missing)
        + "). Run `vsm run` to rebuild them with this version, then reload this page.",
        icon=":material/info:",
    )
    st.stop()

headline = queries.flow_headline(filters.value_stream_ids, filters.first_week, filters.last_week)
if int(headline["flow_items"].sum()) == 0:
    st.info(
        "No flow items in the selected value streams yet. Flow metrics read Jira issues: "
        "configure the Jira source (`sources.jira` in valuestream.yml) and name each team's "
        "`jira_projects`, then run `vsm run`. If Jira is configured, no issue of those "
        "projects has been ingested yet.",
        icon=":material/info:",
    )
    st.stop()

streams = queries.value_streams().set_index("value_stream_id")
with_items = headline[headline["flow_items"] > 0]
without_items = headline[headline["flow_items"] == 0]
first_day, last_day = filters.first_week, filters.last_week + pd.Timedelta(days=6)


def _timezone(stream_id: str) -> str:
    return str(streams.loc[stream_id, "timezone"])


st.subheader("Over the picked weeks")
st.caption(
    "What it shows: each stream's flow over the "
    f"{count_of(filters.week_count, 'week')} picked in the sidebar: the items completed, "
    "their flow time (median, with p85 and p95), the flow efficiency (their active time "
    "over their flow time, summed over the items, not a mean of ratios), the flow load "
    "(items in active or waiting at each day's end, averaged over the days) and the items "
    "in flight now."
)
for row in with_items.itertuples(index=False):
    st.markdown(f"**{row.value_stream_name}**")
    cards = st.columns(5)
    cards[0].metric(
        "Flow velocity",
        str(row.items_completed),
        help="Flow items completed in the picked weeks (canceled items left out).",
        border=True,
    )
    cards[0].caption("items completed")
    cards[1].metric(
        "Flow time (median)",
        duration_or_dash(row.flow_time_median_s),
        help="Completion minus work start, over the items completed in the picked weeks.",
        border=True,
    )
    cards[1].caption(
        f"p85 {duration_or_dash(row.flow_time_p85_s)} · p95 {duration_or_dash(row.flow_time_p95_s)}"
    )
    cards[2].metric(
        "Flow efficiency",
        percent(row.flow_efficiency),
        help="Sum of active time over sum of flow time of the items completed (time-weighted).",
        border=True,
    )
    cards[2].caption("active time / flow time")
    cards[3].metric(
        "Flow load",
        "–" if pd.isna(row.flow_load) else f"{row.flow_load:.1f}",
        help="Items in active or waiting at the end of each day, averaged over the measured "
        "days of the picked weeks.",
        border=True,
    )
    cards[3].caption(f"mean of {count_of(row.days_measured, 'day')}")
    cards[4].metric(
        "In flight now",
        str(row.in_flight_now),
        help="Flow items in an active or waiting status at the last refresh.",
        border=True,
    )
    cards[4].caption("active or waiting")
for row in without_items.itertuples(index=False):
    st.info(
        f"No flow items for **{row.value_stream_name}** yet: none of its teams names a Jira "
        "project (`jira_projects` in valuestream.yml), or none of their issues has been "
        "ingested yet."
    )

stream_ids = tuple(with_items["value_stream_id"])

st.subheader("Trends")
st.caption(
    "What it shows: one flow metric per tab, per period, by value stream, team or flow item "
    "type; the period in progress is faded. A period without completed items has no flow "
    "time or efficiency (a gap, not zero)."
)
pick_grain, pick_slice = st.columns(2)
grain = pick_grain.radio(
    "Period",
    ["week", "month", "quarter", "day"],
    format_func=str.capitalize,
    horizontal=True,
    key="flow_grain",
)
slice_name = pick_slice.radio(
    "Series per",
    ["value_stream", "team", "flow_item_type"],
    format_func=lambda s: {
        "value_stream": "Value stream",
        "team": "Team",
        "flow_item_type": "Flow item type",
    }[s],
    horizontal=True,
    key="flow_slice",
)


def _series(periods: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The periods of each series (a stream, or a stream's team or type), by name."""
    out = []
    for (_, label), one in periods.groupby(["value_stream_id", "slice_label"], sort=False):
        name = str(one["value_stream_name"].iloc[0])
        out.append((name if slice_name == "value_stream" else f"{name} · {label}", one))
    return out


tab_velocity, tab_distribution, tab_time, tab_efficiency, tab_load = st.tabs(
    ["Velocity", "Distribution", "Flow time", "Efficiency", "Load"]
)
with tab_velocity:
    st.caption("What it shows: flow items completed per period, stacked by flow item type.")
    periods = queries.flow_periods("velocity", stream_ids, grain, slice_name, first_day, last_day)
    if periods.empty:
        st.info("No flow velocity figures for this choice yet.")
    for name, one in _series(periods):
        st.markdown(f"**{name}**")
        st.altair_chart(charts.velocity_chart(one), width="stretch")
with tab_distribution:
    st.caption(
        "What it shows: each flow item type's share of the items completed in the period "
        "(left) and of the items in flight at its end (right)."
    )
    periods = queries.flow_periods(
        "distribution", stream_ids, grain, slice_name, first_day, last_day
    )
    if periods.empty:
        st.info("No flow distribution figures for this choice yet.")
    for name, one in _series(periods):
        st.markdown(f"**{name}**")
        left, right = st.columns(2)
        left.altair_chart(charts.distribution_chart(one, "completed"), width="stretch")
        right.altair_chart(charts.distribution_chart(one, "in_flight"), width="stretch")


def _trend_tab(
    caption: str,
    mart: str,
    metric: str,
    value: tuple[str, str],
    count: tuple[str, str],
    unit: str,
) -> None:
    """One metric's trend: a line per series, the period's count beside it."""
    st.caption(caption)
    periods = queries.flow_periods(mart, stream_ids, grain, slice_name, first_day, last_day)
    if periods.empty:
        st.info(f"No {metric} figures for this choice yet.")
        return
    st.altair_chart(
        charts.metric_trend_chart(periods, value[0], value[1], count[0], count[1], unit),
        width="stretch",
    )


with tab_time:
    _trend_tab(
        "What it shows: the median flow time of the items completed in each period, a line "
        "per series (every item is in the control chart below).",
        "flow_time",
        "flow time",
        ("median_seconds", "Median flow time"),
        ("items_completed", "Items completed"),
        "seconds",
    )
with tab_efficiency:
    _trend_tab(
        "What it shows: flow efficiency per period: the active time over the flow time of "
        "the items completed in it, summed over the items.",
        "efficiency",
        "flow efficiency",
        ("flow_efficiency", "Flow efficiency"),
        ("items_completed", "Items completed"),
        "ratio",
    )
with tab_load:
    _trend_tab(
        "What it shows: flow load per period: the items in active or waiting at the end of "
        "each day, averaged over the period's measured days.",
        "load",
        "flow load",
        ("flow_load", "Flow load"),
        ("days_measured", "Days measured"),
        "count",
    )

st.subheader("Flow time of every completed item")
st.caption(
    "What it shows: a control chart: each item completed in the picked weeks as a point "
    "(when it completed, how long it took from work start), coloured by type, with dashed "
    "lines at the median, p85 and p95 of these items."
)
completed = queries.completed_work_items(stream_ids, filters.first_week, filters.last_week)
for stream_id in stream_ids:
    items = completed[completed["value_stream_id"] == stream_id]
    name = str(streams.loc[stream_id, "value_stream_name"])
    st.markdown(f"**{name}**")
    if items.empty:
        st.info(f"No flow items of {name} completed in the picked weeks.")
        continue
    st.altair_chart(charts.flow_time_control_chart(items, _timezone(stream_id)), width="stretch")
    lines = charts.percentile_lines(items["flow_time_s"])
    st.caption(
        f"{count_of(len(items), 'item')}: median {duration_or_dash(lines['median'])}, "
        f"p85 {duration_or_dash(lines['p85'])}, p95 {duration_or_dash(lines['p95'])}."
    )

st.subheader("Cumulative flow")
st.caption(
    "What it shows: the flow items in each flow state at the end of every day of the "
    "picked weeks, stacked (done at the bottom): a widening band is work piling up in that "
    "state; the active and waiting bands together are the flow load."
)
daily = queries.cumulative_flow(stream_ids, first_day, last_day)
for stream_id in stream_ids:
    days = daily[daily["value_stream_id"] == stream_id]
    name = str(streams.loc[stream_id, "value_stream_name"])
    st.markdown(f"**{name}**")
    if days.empty:
        st.info(f"No flow items of {name} in any state in the picked weeks.")
        continue
    st.altair_chart(charts.cumulative_flow_chart(days), width="stretch")

st.subheader("Aging work in progress")
st.caption(
    "What it shows: each item in flight now by its status, at its age (now minus work "
    "start), against the p50, p85 and p95 flow time of the stream's items completed in the "
    "last 90 days (dashed lines): an item above p85 is older than 85 % of recent items "
    "took to finish."
)
aging = queries.aging_wip(stream_ids)
for stream_id in stream_ids:
    items = aging[aging["value_stream_id"] == stream_id]
    name = str(streams.loc[stream_id, "value_stream_name"])
    st.markdown(f"**{name}**")
    if items.empty:
        st.info(f"No flow items of {name} in flight now.")
        continue
    timezone = _timezone(stream_id)
    first = items.iloc[0]
    if pd.isna(first["sle_items"]):
        sle = "no item completed in the last 90 days, so no service level yet"
    else:
        sle = (
            f"last 90 days, {count_of(int(first['sle_items']), 'item')}: "
            f"p50 {duration_or_dash(first['sle_p50_s'])}, "
            f"p85 {duration_or_dash(first['sle_p85_s'])}, "
            f"p95 {duration_or_dash(first['sle_p95_s'])}"
        )
    st.caption(f"As of {timestamp(first['as_of'], timezone)}; {sle}.")
    left, right = st.columns(2)
    left.altair_chart(charts.aging_wip_chart(items), width="stretch")
    right.dataframe(
        pd.DataFrame(
            {
                "Item": items["work_item_key"].astype(str),
                "Type": items["flow_item_type"].astype(str),
                "Status": items["status_name"].astype(str),
                "State": [
                    f"{state} (flagged)" if flagged is True else str(state)
                    for state, flagged in zip(items["flow_state"], items["is_flagged"], strict=True)
                ],
                "Age": [duration_or_dash(v) for v in items["age_s"]],
                "Against recent": items["age_band"].astype(str),
            }
        ),
        hide_index=True,
        width="stretch",
    )

st.subheader("Forecast")
st.caption(
    "What it shows: a Monte Carlo forecast from each stream's daily throughput of recent "
    "weeks: how many items will be done by each coming week's end, and by when a number "
    "of items will be done, at 50, 85 and 95 % confidence (the higher the confidence, the "
    "fewer items and the later the date)."
)
forecast = queries.flow_forecast(stream_ids)
for stream_id in stream_ids:
    rows = forecast[forecast["value_stream_id"] == stream_id]
    name = str(streams.loc[stream_id, "value_stream_name"])
    st.markdown(f"**{name}**")
    if rows.empty:
        st.info(f"No forecast for {name} yet: it is written after the marts at each refresh.")
        continue
    first = rows.iloc[0]
    st.caption(
        f"As of {first['as_of_date']:%d %b %Y}: {int(first['trials']):,} trials (seed "
        f"{int(first['seed'])}) drawing from the {int(first['history_days'])} days of "
        f"{first['history_start']:%d %b %Y} to {first['history_end']:%d %b %Y}, "
        f"{count_of(int(first['history_items']), 'item')} completed "
        f"({first['mean_daily_throughput']:.2f} a day)."
    )
    by_date = rows[rows["question"] == "items_by_date"]
    for_items = rows[rows["question"] == "date_for_items"]
    left, right = st.columns(2)
    with left:
        st.markdown("How many items by date")
        if by_date.empty:
            st.info("No horizon forecast.")
        else:
            st.altair_chart(charts.forecast_items_chart(by_date), width="stretch")
            table = by_date.pivot_table(
                index="target_date", columns="confidence", values="items", aggfunc="first"
            )
            st.dataframe(
                pd.DataFrame(
                    {
                        "By the end of": [f"{day:%a %d %b %Y}" for day in table.index],
                        **{
                            f"{c * 100:.0f} %": [str(int(v)) for v in table[c]]
                            for c in table.columns
                        },
                    }
                ),
                hide_index=True,
                width="stretch",
            )
    with right:
        st.markdown("When will N items be done")
        if for_items.empty:
            st.info("No item-count forecast.")
        else:
            targets = []
            for items_count, one in for_items.groupby("items", sort=True):
                is_wip = bool(one["is_wip_target"].fillna(False).any())
                target = {
                    "Items": f"{int(items_count)} (work in progress)"
                    if is_wip
                    else str(int(items_count))
                }
                for confidence, day in zip(one["confidence"], one["target_date"], strict=True):
                    target[f"{confidence * 100:.0f} %"] = (
                        "not reached" if pd.isna(day) else f"{day:%d %b %Y}"
                    )
                targets.append(target)
            st.dataframe(pd.DataFrame(targets), hide_index=True, width="stretch")
            st.caption(
                "The date by which that many items are done in at least that share of the "
                "trials; *not reached*: fewer trials got there within the simulated years."
            )
