"""Value stream map: the work map (the workflow's statuses) and the delivery map (coding,
pickup, review, deploy) of a stream in a period, stage by stage, with the bottleneck."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboards import charts, queries
from dashboards.filters import current_filters
from dashboards.formatting import count_of, duration_or_dash, percent

filters = current_filters()

st.title("Value stream map")
st.caption(
    "Two maps per value stream, each a chain of stages from left to right. The work map: "
    "the workflow's statuses, each visit of a flow item to a status counted in the period "
    "in which it left it. The delivery map: coding, pickup, review and deploy of the pull "
    "requests shipped to production in the period. LT is the lead time in a stage, PT the "
    "part of it spent working (active statuses; coding and review), %C&A the share that "
    "went on complete and accurate. Definitions: docs/metrics.md."
)

if not filters.value_stream_ids:
    st.info("Pick at least one value stream in the sidebar.")
    st.stop()

MAPS = {
    "work": (
        "Work map",
        "no flow item left a workflow status in this period (no Jira project configured "
        "for the stream's teams, or no issue ingested yet)",
    ),
    "delivery": ("Delivery map", "no pull request was shipped to production in this period"),
}
missing = set(
    queries.missing_tables([table for pair in queries.VSM_MARTS.values() for table in pair])
)
available = [m for m, tables in queries.VSM_MARTS.items() if not missing.intersection(tables)]
if not available:
    st.info(
        "The published marts hold no value stream map yet. Run `vsm run` to rebuild them "
        "with this version, then reload this page.",
        icon=":material/info:",
    )
    st.stop()

streams = queries.value_streams().set_index("value_stream_id")
picked = [sid for sid in filters.value_stream_ids if sid in streams.index]
pick_stream, pick_grain, pick_period = st.columns([2, 2, 3])
stream_id = pick_stream.selectbox(
    "Value stream",
    picked,
    format_func=lambda sid: str(streams.loc[sid, "value_stream_name"]),
    key="vsm_stream",
)
grain = pick_grain.radio(
    "Period",
    ["week", "month", "quarter", "day"],
    format_func=str.capitalize,
    horizontal=True,
    key="vsm_grain",
)
first_day, last_day = filters.first_week, filters.last_week + pd.Timedelta(days=6)
summaries = {
    m: queries.vsm_summaries(m, [stream_id], grain, first_day, last_day) for m in available
}
periods = sorted(
    {day for frame in summaries.values() for day in frame["period_start"]}, reverse=True
)
if not periods:
    st.info(
        f"No value stream map for {streams.loc[stream_id, 'value_stream_name']} in the picked "
        "weeks yet: no flow item left a workflow status and no pull request was shipped to "
        "production in them."
    )
    st.stop()


bounds = queries.week_bounds()
week_in_progress = bounds[1] if bounds else None


def _in_progress(day: date) -> bool:
    """Whether a week, month or quarter holds the week the marts were refreshed in."""
    if week_in_progress is None or grain == "day":
        return False
    if grain == "week":
        return day == week_in_progress
    months = 1 if grain == "month" else 3
    end_month = day.month - 1 + months
    period_end = date(day.year + end_month // 12, end_month % 12 + 1, 1)
    return day <= week_in_progress < period_end


def _period_label(day: date) -> str:
    if grain == "day":
        label = f"{day:%a %d %b %Y}"
    elif grain == "week":
        label = f"Week of {day:%d %b %Y} (W{day.isocalendar().week:02d})"
    elif grain == "month":
        label = f"{day:%B %Y}"
    else:
        label = f"Q{(day.month - 1) // 3 + 1} {day:%Y}"
    return f"{label}, in progress" if _in_progress(day) else label


# The latest complete period by default, as on the DORA page.
complete = [day for day in periods if not _in_progress(day)]
period = pick_period.selectbox(
    "Period shown",
    periods,
    index=periods.index(complete[0]) if complete else 0,
    format_func=_period_label,
    key=f"vsm_period_{stream_id}_{grain}",
)

for map_name in MAPS:
    title, nothing = MAPS[map_name]
    st.subheader(title)
    if map_name == "work":
        st.caption(
            "What it shows: the workflow's statuses from new to done, each box the median "
            "lead time (LT) and process time (PT) of the visits that ended in the period, "
            "the share of items that never came back to it or an earlier status (%C&A) and "
            "the visits; the bottleneck (largest median wait, LT - PT) in red."
        )
    else:
        st.caption(
            "What it shows: coding (first commit to opened), pickup (opened to first "
            "review), review (first review to merge) and deploy (merge to production) of "
            "the pull requests shipped in the period; coding and review are process time, "
            "pickup and deploy wait. %C&A: review, approved without changes requested; "
            "deploy, 1 - change failure rate. The bottleneck in red."
        )
    if map_name not in available:
        st.info(f"The {title.lower()} is not in the published marts yet; run `vsm run` again.")
        continue
    summary = summaries[map_name]
    summary = summary[summary["period_start"] == period]
    if summary.empty:
        st.info(f"No {title.lower()} for {_period_label(period)}: {nothing}.")
        continue
    row = summary.iloc[0]
    stages = queries.vsm_stages(map_name, stream_id, grain, period)
    bottleneck = str(row["bottleneck"]) if pd.notna(row["bottleneck"]) else None
    cards = st.columns([1, 1, 1, 1, 1.8])
    cards[0].metric(
        "Lead time",
        duration_or_dash(row["total_lt_median_s"]),
        help="The total lead time of the map: the sum of the stages' median lead times, a "
        "typical item's way through the map.",
        border=True,
    )
    cards[0].caption(f"sum of {count_of(int(row['stages']), 'stage')}' medians")
    cards[1].metric(
        "Process time",
        duration_or_dash(row["total_pt_median_s"]),
        help="The total process time of the map: the sum of the stages' median process times.",
        border=True,
    )
    cards[1].caption("sum of the stages' medians")
    cards[2].metric(
        "Activity ratio",
        percent(row["activity_ratio"]),
        help="Sum of process time over sum of lead time, over every row of every stage.",
        border=True,
    )
    cards[2].caption(
        f"{duration_or_dash(row['total_pt_s'])} of {duration_or_dash(row['total_lt_s'])}"
    )
    cards[3].metric(
        "Rolled %C&A",
        percent(row["rolled_pct_complete_accurate"]),
        help="The product of the stages' %C&A: the share that goes through the whole map "
        "without rework.",
        border=True,
    )
    cards[3].caption("product of the stages' %C&A")
    cards[4].metric(
        "Bottleneck",
        bottleneck or "–",
        help="The stage with the largest median wait (lead time minus process time).",
        border=True,
    )
    cards[4].caption(f"median wait {duration_or_dash(row['bottleneck_wait_median_s'])}")
    st.altair_chart(charts.value_stream_map_chart(stages, bottleneck), width="stretch")
    st.altair_chart(charts.value_stream_timeline_chart(stages, bottleneck), width="stretch")
    st.dataframe(
        pd.DataFrame(
            {
                "Stage": [
                    f"{name} (bottleneck)" if name == bottleneck else str(name)
                    for name in stages["stage_name"]
                ],
                "Items": stages["items"].astype(int),
                "LT median": [duration_or_dash(v) for v in stages["lt_median_s"]],
                "PT median": [duration_or_dash(v) for v in stages["pt_median_s"]],
                "Wait median": [duration_or_dash(v) for v in stages["wait_median_s"]],
                "%C&A": [percent(v) for v in stages["pct_complete_accurate"]],
                "LT sum": [duration_or_dash(v) for v in stages["lt_sum_s"]],
                "PT sum": [duration_or_dash(v) for v in stages["pt_sum_s"]],
            }
        ),
        hide_index=True,
        width="stretch",
    )
