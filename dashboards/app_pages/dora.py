"""DORA: the five metrics per value stream with their bands, their trends by period and
slice, and the deployments, changes, pull requests and incidents behind a week."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, queries
from dashboards.filters import current_filters
from dashboards.formatting import (
    BAND_METRIC_COLOURS,
    band_label,
    band_of,
    change_count,
    count_of,
    duration_or_dash,
    per_week,
    percent,
    timestamp,
    week_label,
    week_of,
)
from dashboards.summaries import stream_summaries

filters = current_filters()

st.title("DORA metrics")
st.caption(
    "A production deployment is a deployment to an environment matching the stream's "
    "production pattern whose final status is success; it counts in the period (in the "
    "stream's timezone, weeks from Monday) in which it finished. Definitions: "
    "docs/metrics.md."
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
headline = queries.dora_headline(filters.value_stream_ids, filters.first_week, filters.last_week)
headline = headline.set_index("value_stream_id")
bands = queries.dora_bands()
report_year = int(bands["report_year"].iloc[0]) if not bands.empty else None


def _band_delta(
    column: st.delta_generator.DeltaGenerator,
    label: str,
    value: str,
    band: object,
    description: str,
    help_text: str,
) -> None:
    column.metric(
        label,
        value,
        delta=band_label(band) if band is not None else None,
        delta_color=BAND_METRIC_COLOURS.get(str(band), "gray"),
        delta_arrow="off",
        delta_description=description if band is not None else None,
        help=help_text,
        border=True,
    )


st.subheader("Over the picked weeks")
st.caption(
    "What it shows: each stream's five DORA metrics (and the time to restore service) over "
    f"the {count_of(filters.week_count, 'week')} picked in the sidebar, with their band"
    + (f" (State of DevOps {report_year})" if report_year else "")
    + ". Medians are taken over the rows of the whole period. Deployment frequency takes "
    "the band of its trailing 12-week average to the last complete week; the rework rate "
    "has no band."
)
for summary in summaries.itertuples(index=False):
    row = headline.loc[summary.value_stream_id]
    st.markdown(f"**{summary.value_stream_name}**")
    # Two rows of three, so that each card has room for its label, value and band.
    cards = [*st.columns(3), *st.columns(3)]
    if pd.isna(summary.band_week):
        cards[0].metric("Deployment frequency", "–", help="No complete week in the period yet.")
    else:
        _band_delta(
            cards[0],
            "Deployment frequency",
            f"{per_week(summary.band_trailing_12w)} / week",
            summary.band,
            f"trailing 12 weeks to the {week_of(summary.band_week)}",
            f"{count_of(summary.deployments, 'production deployment')} and "
            f"{count_of(summary.failed_attempts, 'failed production attempt')} in the period.",
        )
    lead = row["lead_time_median_seconds"]
    _band_delta(
        cards[1],
        "Change lead time",
        duration_or_dash(lead),
        band_of(lead, "change_lead_time", bands),
        f"median of {count_of(int(row['changes']), 'change')}",
        "Median of deployment finish minus commit authored time, over the changes shipped "
        "to production in the period.",
    )
    deployments = int(row["deployments"])
    cfr = row["failed_deployments"] / deployments if deployments else None
    _band_delta(
        cards[2],
        "Change failure rate",
        percent(cfr),
        band_of(cfr, "change_failure_rate", bands),
        f"{row['failed_deployments']} of {count_of(deployments, 'deployment')}",
        "Production deployments that caused an incident, were rolled back or needed a "
        "hotfix, over the production deployments finished in the period.",
    )
    recovery = row["recovery_median_seconds"]
    _band_delta(
        cards[3],
        "Failed deployment recovery",
        duration_or_dash(recovery),
        band_of(recovery, "failed_deployment_recovery_time", bands),
        f"median of {row['recovered_deployments']} recovered; "
        f"{row['open_failed_deployments']} open",
        "From a failed deployment's finish to the earlier of its incidents' resolution and "
        "the rollback or hotfix that followed, for failed deployments recovered in the "
        "period.",
    )
    rework = row["rework_deployments"] / deployments if deployments else None
    cards[4].metric(
        "Deployment rework rate",
        percent(rework),
        help="Rollback or hotfix deployments over the production deployments of the period.",
        border=True,
    )
    cards[4].caption(f"{row['rework_deployments']} of {count_of(deployments, 'deployment')}")
    cards[5].metric(
        "Time to restore service",
        duration_or_dash(row["restore_median_seconds"]),
        help="Median of resolution minus start over the incidents resolved in the period.",
        border=True,
    )
    cards[5].caption(f"median of {count_of(int(row['incidents_resolved']), 'incident')}")

st.subheader("Trends")
st.caption(
    "What it shows: one metric per tab, per period, as a line per value stream, team or "
    "service; each point is coloured by its period's band. A period without any event "
    "has no value (a gap, not zero); the period in progress is faded."
)
pick_grain, pick_slice = st.columns(2)
grain = pick_grain.radio(
    "Period",
    ["week", "month", "quarter", "day"],
    format_func=str.capitalize,
    horizontal=True,
    key="dora_grain",
)
slice_name = pick_slice.radio(
    "Lines per",
    ["value_stream", "team", "service"],
    format_func=lambda s: {"value_stream": "Value stream", "team": "Team", "service": "Service"}[s],
    horizontal=True,
    key="dora_slice",
)
first_day, last_day = filters.first_week, filters.last_week + pd.Timedelta(days=6)
TRENDS = [
    (
        "Deployment frequency",
        "deployment_frequency",
        "deployments",
        "Production deployments",
        "deployments",
        "Deployments",
        "count",
    ),
    (
        "Change lead time",
        "change_lead_time",
        "median_seconds",
        "Median lead time",
        "changes",
        "Changes",
        "seconds",
    ),
    (
        "Change failure rate",
        "change_failure_rate",
        "rate",
        "Change failure rate",
        "deployments",
        "Production deployments",
        "ratio",
    ),
    (
        "Recovery time",
        "failed_deployment_recovery_time",
        "median_seconds",
        "Median recovery time",
        "recovered_deployments",
        "Recovered deployments",
        "seconds",
    ),
    (
        "Rework rate",
        "deployment_rework_rate",
        "rate",
        "Deployment rework rate",
        "deployments",
        "Production deployments",
        "ratio",
    ),
    (
        "Time to restore",
        "time_to_restore",
        "median_seconds",
        "Median time to restore",
        "incidents_resolved",
        "Incidents resolved",
        "seconds",
    ),
]
for tab, (title, metric, value_column, value_title, count_column, count_title, kind) in zip(
    st.tabs([t[0] for t in TRENDS]), TRENDS, strict=True
):
    with tab:
        periods = queries.metric_periods(
            metric, filters.value_stream_ids, grain, slice_name, first_day, last_day
        )
        if periods.empty:
            st.info(f"No {title.lower()} figures for this choice yet.")
            continue
        if metric == "deployment_frequency" and grain == "week" and slice_name == "value_stream":
            for _, one_stream in weekly.groupby("value_stream_id", sort=False):
                st.markdown(f"**{one_stream['value_stream_name'].iloc[0]}**")
                st.altair_chart(charts.weekly_deployments_chart(one_stream), width="stretch")
            continue
        st.altair_chart(
            charts.metric_trend_chart(
                periods, value_column, value_title, count_column, count_title, kind
            ),
            width="stretch",
        )
        if metric == "change_lead_time" and grain == "week" and slice_name == "value_stream":
            st.markdown(
                "**Where the lead time goes: median per stage of the pull requests shipped**"
            )
            for _, one_stream in periods.groupby("value_stream_id", sort=False):
                st.caption(str(one_stream["value_stream_name"].iloc[0]))
                st.altair_chart(charts.lead_time_stages_chart(one_stream), width="stretch")

st.subheader("Behind a week")
st.caption(
    "What it shows: the rows one week of one stream is computed from: its production "
    "deployments (failed or not, and how each failed one recovered), the changes and pull "
    "requests they shipped, and the incidents resolved in the week or linked to its "
    "deployments."
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
deployments = queries.week_deployments(stream_id, week)
failed_that_week = failed[(failed["value_stream_id"] == stream_id) & (failed["week_start"] == week)]
failed_count = int(failed_that_week["failed_attempts"].sum())
local = f"({timezone})"


def _when(moment: object) -> str:
    return "" if moment is None or pd.isna(moment) else timestamp(moment, timezone)  # type: ignore[arg-type]


def _reasons(value: object) -> str:
    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return value
    return ", ".join(str(v) for v in value)


failed_deployments = int(deployments["is_failed"].fillna(False).astype(bool).sum())
st.markdown(
    f"**{names[stream_id]}, {week_label(week)}**: "
    f"{count_of(len(deployments), 'production deployment')} "
    f"(the mart counts {week_counts[week]}), {failed_deployments} failed; "
    f"{count_of(failed_count, 'failed production attempt')} (not counted)."
)
if len(deployments) != week_counts[week]:
    st.warning(
        "The deployments listed differ from the week's count in the mart: the marts may be "
        "mid-rebuild; reload in a minute."
    )
tab_deployments, tab_changes, tab_pulls, tab_incidents = st.tabs(
    ["Deployments", "Changes", "Pull requests", "Incidents"]
)
with tab_deployments:
    st.dataframe(
        pd.DataFrame(
            {
                "Repository": deployments["repository"].astype(str),
                "Service": deployments["service"].astype(str),
                "Environment": deployments["environment"].astype(str),
                "Commit": [str(sha)[:7] for sha in deployments["sha"]],
                f"Finished {local}": [_when(m) for m in deployments["finished_at"]],
                "Changes": [change_count(value) for value in deployments["change_count"]],
                "Failed": ["yes" if f is True else "" for f in deployments["is_failed"]],
                "Why": [_reasons(r) for r in deployments["failure_reasons"]],
                "Rollback / hotfix": [
                    "rollback" if rb is True else "hotfix" if hf is True else ""
                    for rb, hf in zip(
                        deployments["is_rollback"], deployments["is_hotfix"], strict=True
                    )
                ],
                f"Recovered {local}": [_when(m) for m in deployments["recovered_at"]],
                "Recovered by": deployments["recovered_by"].fillna("").astype(str),
                "Recovery": [
                    ("open" if pd.isna(v) else duration_or_dash(v)) if f is True else ""
                    for v, f in zip(
                        deployments["recovery_seconds"], deployments["is_failed"], strict=True
                    )
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Changes reads *unknown* for a service's first known deployment (no commit range). "
        "A failed deployment without a recovery time is still open."
    )
with tab_changes:
    changes = queries.week_changes(stream_id, week)
    kept = changes[changes["exclusion_reason"].isna()]
    st.markdown(
        f"{count_of(len(kept), 'change')} shipped, median lead time "
        f"{duration_or_dash(kept['lead_time_seconds'].median() if len(kept) else None)}; "
        f"{count_of(len(changes) - len(kept), 'change')} excluded."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Repository": changes["repository"].astype(str),
                "Commit": [str(sha)[:7] for sha in changes["sha"]],
                "Pull request": [
                    "" if pd.isna(n) else f"#{int(n)}" for n in changes["pull_request_number"]
                ],
                f"Authored {local}": [_when(m) for m in changes["authored_at"]],
                f"Deployed {local}": [_when(m) for m in changes["deployed_at"]],
                "Lead time": [duration_or_dash(v) for v in changes["lead_time_seconds"]],
                "Excluded": changes["exclusion_reason"].fillna("").astype(str),
            }
        ),
        hide_index=True,
        width="stretch",
    )
with tab_pulls:
    pulls = queries.week_pull_requests(stream_id, week)
    st.markdown(f"{count_of(len(pulls), 'pull request')} shipped.")
    st.dataframe(
        pd.DataFrame(
            {
                "Repository": pulls["repository"].astype(str),
                "Pull request": [f"#{int(n)}" for n in pulls["pull_request_number"]],
                "Title": pulls["title"].fillna("").astype(str),
                "Author": pulls["author_login"].fillna("").astype(str),
                "Coding": [duration_or_dash(v) for v in pulls["coding_seconds"]],
                "Pickup": [duration_or_dash(v) for v in pulls["pickup_seconds"]],
                "Review": [duration_or_dash(v) for v in pulls["review_seconds"]],
                "Deploy": [duration_or_dash(v) for v in pulls["deploy_seconds"]],
                "Approved": ["yes" if a is True else "no" for a in pulls["is_approved"]],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Coding: first commit to opened. Pickup: opened (or ready for review) to the first "
        "review by someone other than the author or a bot. Review: first review to merge. "
        "Deploy: merge to the production deployment that shipped it."
    )
with tab_incidents:
    incidents = queries.week_incidents(stream_id, week)
    st.markdown(
        f"{count_of(int(incidents['resolved_in_week'].sum()), 'incident')} resolved in the "
        f"week; {count_of(int(incidents['linked_to_week'].sum()), 'incident')} linked to its "
        "deployments."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Source": incidents["source"].astype(str),
                "Incident": incidents["source_id"].astype(str),
                "Title": incidents["title"].fillna("").astype(str),
                "Priority": incidents["priority"].fillna("").astype(str),
                f"Started {local}": [_when(m) for m in incidents["started_at"]],
                f"Resolved {local}": [_when(m) for m in incidents["resolved_at"]],
                "Time to restore": [
                    duration_or_dash(v) for v in incidents["time_to_restore_seconds"]
                ],
                "Caused by deployment": [
                    "" if pd.isna(sha) else f"{str(sha)[:7]} ({how})"
                    for sha, how in zip(
                        incidents["deployment_sha"], incidents["attribution"], strict=True
                    )
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "An incident is linked to a deployment explicitly (its text names the deployment, "
        "its commit or one of its pull requests) or else by the attribution window (the "
        "service's latest production deployment finished shortly before it started)."
    )
