"""DORA: deployment frequency per value stream, its band, and the deployments behind a week."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, queries
from dashboards.filters import current_filters
from dashboards.formatting import (
    BAND_METRIC_COLOURS,
    band_label,
    change_count,
    count_of,
    per_week,
    timestamp,
    week_label,
    week_of,
)
from dashboards.summaries import stream_summaries

filters = current_filters()

st.title("DORA: deployment frequency")
st.caption(
    "A production deployment is a deployment to an environment matching the stream's "
    "production pattern whose final status is success; it counts in the week (Monday to "
    "Sunday, in the stream's timezone) in which it finished."
)

if not filters.value_stream_ids:
    st.info("Pick at least one value stream in the sidebar.")
    st.stop()

weekly = queries.weekly_deployment_frequency(
    filters.value_stream_ids, filters.first_week, filters.last_week
)
failed = queries.failed_production_attempts(
    filters.value_stream_ids, filters.first_week, filters.last_week
)
streams = queries.value_streams().set_index("value_stream_id")
if weekly.empty:
    st.info("No production deployments in the selected value streams and period yet.")
    st.stop()
summaries = stream_summaries(weekly, failed)

st.subheader("Current band")
st.caption(
    "What it shows: each stream's average production deployments per week over the 12 weeks "
    "to its last complete week in the period, and the DORA band that average falls in."
)
columns = st.columns(max(len(summaries), 1))
for column, summary in zip(columns, summaries.itertuples(index=False), strict=False):
    if pd.isna(summary.band_week):
        column.metric(summary.value_stream_name, "–", help="No complete week in the period yet.")
        continue
    column.metric(
        summary.value_stream_name,
        f"{per_week(summary.band_trailing_12w)} / week",
        delta=band_label(summary.band),
        delta_color=BAND_METRIC_COLOURS.get(str(summary.band), "gray"),
        delta_arrow="off",
        delta_description=f"trailing 12 weeks to the {week_of(summary.band_week)}",
        border=True,
    )
    column.caption(
        f"{count_of(summary.deployments, 'production deployment')} and "
        f"{count_of(summary.failed_attempts, 'failed production attempt')} "
        f"in {count_of(summary.weeks, 'week')}."
    )

st.subheader("Weekly production deployments")
st.caption(
    "What it shows: production deployments per week (bars, coloured by the week's band; the "
    "week in progress is faded) and the trailing 12-week average per week (dashed line)."
)
for _, one_stream in weekly.groupby("value_stream_id", sort=False):
    st.markdown(f"**{one_stream['value_stream_name'].iloc[0]}**")
    st.altair_chart(charts.weekly_deployments_chart(one_stream), width="stretch")

if len(summaries) > 1:
    st.subheader("Trailing 12-week average by stream")
    st.caption(
        "What it shows: the trailing 12-week average of production deployments per week, one "
        "line per value stream (dash and point shape tell them apart), each point coloured by "
        "its week's band."
    )
    st.altair_chart(charts.trailing_average_chart(weekly), width="stretch")

st.subheader("Deployments behind a week")
st.caption(
    "What it shows: the production deployments one week of one stream counts, and the failed "
    "production attempts of that week (shown for context, not counted)."
)
names = dict(zip(summaries["value_stream_id"], summaries["value_stream_name"], strict=True))
pick_stream, pick_week = st.columns(2)
stream_id = pick_stream.selectbox(
    "Value stream", list(names), format_func=lambda sid: names[sid], key="dora_drill_stream"
)
stream_weeks = weekly[weekly["value_stream_id"] == stream_id].sort_values(
    "week_start", ascending=False
)
week_counts = dict(zip(stream_weeks["week_start"], stream_weeks["deployments"], strict=True))
in_progress = set(stream_weeks.loc[stream_weeks["week_in_progress"], "week_start"])
week_options = list(week_counts)
complete_weeks = [week for week in week_options if week not in in_progress]
default_week = complete_weeks[0] if complete_weeks else week_options[0]


def _week_option(week: object) -> str:
    suffix = ", in progress" if week in in_progress else ""
    return f"{week_label(week)}: {count_of(week_counts[week], 'deployment')}{suffix}"  # type: ignore[arg-type]


week = pick_week.selectbox(
    "Week",
    week_options,
    index=week_options.index(default_week),
    format_func=_week_option,
    key=f"dora_drill_week_{stream_id}",
)

timezone = str(streams.loc[stream_id, "timezone"])
deployments = queries.production_deployments(stream_id, week)
failed_that_week = failed[(failed["value_stream_id"] == stream_id) & (failed["week_start"] == week)]
failed_count = int(failed_that_week["failed_attempts"].sum())

table = pd.DataFrame(
    {
        "Repository": deployments["repository"].astype(str),
        "Service": deployments["service"].astype(str),
        "Environment": deployments["environment"].astype(str),
        "Commit": [str(sha)[:7] for sha in deployments["sha"]],
        f"Finished ({timezone})": [
            timestamp(moment, timezone) for moment in deployments["finished_at"]
        ],
        "Changes": [change_count(value) for value in deployments["change_count"]],
    }
)
st.markdown(
    f"**{names[stream_id]}, {week_label(week)}**: "
    f"{count_of(len(table), 'production deployment')} "
    f"(the mart counts {week_counts[week]}); "
    f"{count_of(failed_count, 'failed production attempt')}."
)
if len(table) != week_counts[week]:
    st.warning(
        "The deployments listed differ from the week's count in the mart: the marts may be "
        "mid-rebuild; reload in a minute."
    )
st.dataframe(table, hide_index=True, width="stretch")
st.caption("Changes reads *unknown* for a service's first known deployment (no commit range).")
