"""Overview: what Valuestream is, how fresh the data is, and each stream's headline numbers."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboards import queries
from dashboards.filters import current_filters
from dashboards.formatting import (
    ago,
    band_label,
    count_of,
    per_week,
    timestamp,
    week_of,
)
from dashboards.summaries import stream_summaries

filters = current_filters()
now = datetime.now(UTC)

st.title("Valuestream")
st.markdown(
    "Valuestream connects the delivery tools your organisation already uses into one data "
    "model and measures how value flows through each value stream: DORA metrics first, "
    "then flow metrics and the value stream map. Every number comes from the published "
    "marts; pick value streams and a period in the sidebar."
)

st.subheader("Data freshness")
latest = queries.latest_finished_at()
published = queries.marts_file_modified_at()
left, right = st.columns(2)
left.metric(
    "Latest deployment finished",
    timestamp(latest) if latest else "none yet",
    help="The latest finish time of any deployment attempt in the marts.",
)
if latest:
    left.caption(f"{ago(latest, now)}")
right.metric(
    "Marts published",
    timestamp(published),
    help="When the pipeline last replaced the published marts file.",
)
right.caption(f"{ago(published, now)} · `{queries.marts_path()}`")

st.subheader("Value streams")
if not filters.value_stream_ids:
    st.info("Pick at least one value stream in the sidebar.")
    st.stop()

weekly = queries.weekly_deployment_frequency(
    filters.value_stream_ids, filters.first_week, filters.last_week
)
failed = queries.failed_production_attempts(
    filters.value_stream_ids, filters.first_week, filters.last_week
)
last_deployments = queries.last_production_deployments().set_index("value_stream_id")
streams = queries.value_streams().set_index("value_stream_id")
summaries = stream_summaries(weekly, failed)

st.caption(
    f"Weeks of {filters.first_week:%d %b %Y} to {filters.last_week:%d %b %Y}; "
    "each stream's weeks are cut in its own timezone."
)
if summaries.empty:
    st.info("No production deployments in the selected value streams and period yet.")

for summary in summaries.itertuples(index=False):
    timezone = streams.loc[summary.value_stream_id, "timezone"]
    with st.container(border=True):
        st.markdown(f"**{summary.value_stream_name}** · timezone {timezone}")
        columns = st.columns(5)
        columns[0].metric(
            "Production deployments",
            f"{summary.deployments}",
            help="Successful deployments to production finished in the period.",
        )
        columns[1].metric(
            "Per week",
            per_week(summary.deployments_per_week),
            help="Production deployments per week, averaged over the stream's weeks in the period.",
        )
        columns[2].metric("Deployment days", f"{summary.deployment_days}")
        columns[3].metric(
            "Failed attempts",
            f"{summary.failed_attempts}",
            help="Production attempts whose final state was failure or error; "
            "they are not counted as deployments.",
        )
        has_band = pd.notna(summary.band_week)
        band = summary.band if has_band else None
        columns[4].metric(
            "Band",
            band_label(band),
            help="DORA deployment frequency band of the trailing 12 weeks to the last complete "
            "week in the period.",
        )
        notes = [f"{count_of(summary.weeks, 'week')} in the period"]
        if has_band:
            notes.append(
                f"band from the {week_of(summary.band_week)}: "
                f"{per_week(summary.band_trailing_12w)} deployments/week over 12 weeks"
            )
        if summary.value_stream_id in last_deployments.index:
            last_at = last_deployments.loc[summary.value_stream_id, "last_deployment_at"]
            notes.append(
                f"last production deployment {timestamp(last_at, timezone)} ({ago(last_at, now)})"
            )
        st.caption(" · ".join(notes))
