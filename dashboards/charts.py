"""Chart builders: pure functions from a query's DataFrame to an Altair chart.

They read no data and call no Streamlit, so tests can inspect the Vega-Lite spec.
Weeks are an ordinal axis of ISO dates (one band per week, labelled with its Monday):
a week_start is a calendar date in the stream's own timezone, so it is formatted as UTC
and the browser's own offset never shifts it to the previous day.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboards.formatting import BAND_COLOURS, BANDS, band_label

WEEK_AXIS = alt.Axis(
    labelExpr="utcFormat(toDate(datum.value), '%d %b %Y')",
    labelAngle=-45,
    labelOverlap=True,
    title="Week (starting Monday)",
)
BAND_SCALE = alt.Scale(
    domain=[band_label(band) for band in BANDS],
    range=[BAND_COLOURS[band] for band in BANDS],
)
TRAILING_LINE_COLOUR = "#31333f"


def weekly_frame(weekly: pd.DataFrame) -> pd.DataFrame:
    """The columns the charts plot, from `queries.weekly_deployment_frequency` rows."""
    frame = pd.DataFrame(
        {
            "value_stream": weekly["value_stream_name"].astype(str),
            "week": [f"{week:%Y-%m-%d}" for week in weekly["week_start"]],
            "week_label": [f"{week:%d %b %Y}" for week in weekly["week_start"]],
            "deployments": weekly["deployments"].astype(int),
            "deployment_days": weekly["deployment_days"].astype(int),
            "trailing_12w": weekly["trailing_12w_deployments_per_week"].astype(float).round(2),
            "band": [band_label(band) for band in weekly["band"]],
            "status": [
                "in progress" if in_progress else "complete"
                for in_progress in weekly["week_in_progress"]
            ],
        }
    )
    return frame.reset_index(drop=True)


def _week_x() -> alt.X:
    return alt.X("week:O", axis=WEEK_AXIS, sort="ascending")


def _tooltips() -> list[alt.Tooltip]:
    return [
        alt.Tooltip("value_stream:N", title="Value stream"),
        alt.Tooltip("week_label:N", title="Week of"),
        alt.Tooltip("status:N", title="Week"),
        alt.Tooltip("deployments:Q", title="Production deployments"),
        alt.Tooltip("deployment_days:Q", title="Deployment days"),
        alt.Tooltip("trailing_12w:Q", title="Trailing 12 weeks, per week", format=".2f"),
        alt.Tooltip("band:N", title="Band"),
    ]


def weekly_deployments_chart(weekly: pd.DataFrame) -> alt.LayerChart:
    """One value stream: a bar per week (production deployments, coloured by the week's
    band, the week in progress faded) and its trailing 12-week average per week as a line."""
    streams = weekly["value_stream_id"].unique()
    if len(streams) != 1:
        raise ValueError(f"expected the weeks of one value stream, got {len(streams)}")
    frame = weekly_frame(weekly)
    base = alt.Chart(frame).encode(x=_week_x(), tooltip=_tooltips())
    bars = base.mark_bar().encode(
        y=alt.Y("deployments:Q", title="Deployments per week"),
        color=alt.Color("band:N", scale=BAND_SCALE, title="Band (trailing 12 weeks)"),
        opacity=alt.condition(alt.datum.status == "in progress", alt.value(0.35), alt.value(1.0)),
    )
    trailing = base.mark_line(
        point=alt.OverlayMarkDef(color=TRAILING_LINE_COLOUR),
        color=TRAILING_LINE_COLOUR,
        strokeDash=[4, 3],
    ).encode(
        y=alt.Y("trailing_12w:Q", title="Deployments per week"),
    )
    return alt.layer(bars, trailing).properties(height=260)


def trailing_average_chart(weekly: pd.DataFrame) -> alt.LayerChart:
    """All selected value streams: the trailing 12-week average of deployments per week as
    one line per stream (told apart by dash and point shape), each point coloured by its
    week's band."""
    frame = weekly_frame(weekly)
    base = alt.Chart(frame).encode(
        x=_week_x(),
        y=alt.Y("trailing_12w:Q", title="Per week, trailing 12 weeks"),
        tooltip=_tooltips(),
    )
    lines = base.mark_line(color=TRAILING_LINE_COLOUR).encode(
        strokeDash=alt.StrokeDash("value_stream:N", title="Value stream"),
    )
    points = base.mark_point(filled=True, size=90, opacity=1).encode(
        color=alt.Color("band:N", scale=BAND_SCALE, title="Band"),
        shape=alt.Shape("value_stream:N", title="Value stream"),
    )
    return alt.layer(lines, points).properties(height=300)


# ---------------------------------------------------------------------------------------
# Any DORA metric per period: one line per series (a stream, team or service), each point
# coloured by its period's band when the metric has one.

PERIOD_TITLES = {
    "day": "Day",
    "week": "Week (starting Monday)",
    "month": "Month",
    "quarter": "Quarter",
}
STAGE_ORDER = ["Coding", "Pickup", "Review", "Deploy"]
STAGE_COLOURS = ["#7b8fa6", "#f59f45", "#3d7cc9", "#21a366"]


def duration_unit(seconds: pd.Series) -> tuple[float, str]:
    """The divisor and name of the friendliest unit for a series of durations in seconds:
    minutes below 2 hours, hours below 3 days, else days."""
    largest = seconds.dropna().abs().max() if not seconds.dropna().empty else 0.0
    if largest < 2 * 3600:
        return 60.0, "minutes"
    if largest < 3 * 86400:
        return 3600.0, "hours"
    return 86400.0, "days"


def metric_trend_frame(
    periods: pd.DataFrame, value_column: str, count_column: str, kind: str
) -> tuple[pd.DataFrame, str]:
    """The plotted columns from `queries.metric_periods` rows, and the value's unit:
    `kind` is "count" (as is), "ratio" (a percentage) or "seconds" (in the friendliest
    unit for the whole series)."""
    values = periods[value_column].astype(float)
    if kind == "ratio":
        values, unit = values * 100, "%"
    elif kind == "seconds":
        divisor, unit = duration_unit(values)
        values = values / divisor
    else:
        unit = ""
    frame = pd.DataFrame(
        {
            "series": periods["slice_label"].astype(str)
            if periods["slice"].iloc[0] != "value_stream"
            else periods["value_stream_name"].astype(str),
            "value_stream": periods["value_stream_name"].astype(str),
            "period": [f"{day:%Y-%m-%d}" for day in periods["period_start"]],
            "value": values.round(2),
            "count": periods[count_column].astype("Int64"),
            "band": [band_label(b) for b in periods["band"]]
            if "band" in periods
            else ["No band"] * len(periods),
            "status": [
                "in progress" if in_progress else "complete"
                for in_progress in periods["period_in_progress"]
            ],
        }
    )
    return frame.reset_index(drop=True), unit


def metric_trend_chart(
    periods: pd.DataFrame,
    value_column: str,
    value_title: str,
    count_column: str,
    count_title: str,
    kind: str = "count",
) -> alt.LayerChart:
    """A line per series over the periods of `periods` (rows of one grain and slice);
    a period without a value (no events: NULL, not 0) leaves a gap in its line."""
    if periods.empty:
        raise ValueError("no periods to chart")
    grain = str(periods["grain"].iloc[0])
    frame, unit = metric_trend_frame(periods, value_column, count_column, kind)
    title = f"{value_title} ({unit})" if unit else value_title
    axis = alt.Axis(
        labelExpr="utcFormat(toDate(datum.value), '%d %b %Y')"
        if grain in ("day", "week")
        else "utcFormat(toDate(datum.value), '%b %Y')",
        labelAngle=-45,
        labelOverlap=True,
        title=PERIOD_TITLES[grain],
    )
    tooltips = [
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("period:N", title="Period from"),
        alt.Tooltip("status:N", title="Period"),
        alt.Tooltip("value:Q", title=title, format=".2f"),
        alt.Tooltip("count:Q", title=count_title),
        alt.Tooltip("band:N", title="Band"),
    ]
    base = alt.Chart(frame).encode(
        x=alt.X("period:O", axis=axis, sort="ascending"),
        y=alt.Y("value:Q", title=title),
        tooltip=tooltips,
    )
    lines = base.mark_line(color=TRAILING_LINE_COLOUR).encode(
        strokeDash=alt.StrokeDash("series:N", title="Series"),
    )
    has_band = (frame["band"] != "No band").any()
    points = base.mark_point(filled=True, size=70, opacity=1).encode(
        color=alt.Color("band:N", scale=BAND_SCALE, title="Band")
        if has_band
        else alt.value(TRAILING_LINE_COLOUR),
        shape=alt.Shape("series:N", title="Series"),
        opacity=alt.condition(alt.datum.status == "in progress", alt.value(0.35), alt.value(1.0)),
    )
    return alt.layer(lines, points).properties(height=280)


def lead_time_stages_chart(periods: pd.DataFrame) -> alt.Chart:
    """Per period, the median coding, pickup, review and deploy times of the pull requests
    shipped in it, stacked (medians of each stage, so the stack is not the lead time)."""
    stages = {
        "Coding": "median_coding_seconds",
        "Pickup": "median_pickup_seconds",
        "Review": "median_review_seconds",
        "Deploy": "median_deploy_seconds",
    }
    long = periods.melt(
        id_vars=["period_start", "value_stream_name", "pull_requests_shipped"],
        value_vars=list(stages.values()),
        var_name="column",
        value_name="seconds",
    )
    divisor, unit = duration_unit(long["seconds"].astype(float))
    frame = pd.DataFrame(
        {
            "period": [f"{day:%Y-%m-%d}" for day in long["period_start"]],
            "stage": long["column"].map({v: k for k, v in stages.items()}),
            "value": (long["seconds"].astype(float) / divisor).round(2),
            "pull_requests": long["pull_requests_shipped"].astype(int),
        }
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("period:O", axis=WEEK_AXIS, sort="ascending"),
            y=alt.Y("value:Q", title=f"Median per stage ({unit})", stack="zero"),
            color=alt.Color(
                "stage:N",
                scale=alt.Scale(domain=STAGE_ORDER, range=STAGE_COLOURS),
                sort=STAGE_ORDER,
                title="Stage",
            ),
            order=alt.Order("stage_order:Q"),
            tooltip=[
                alt.Tooltip("period:N", title="Week of"),
                alt.Tooltip("stage:N", title="Stage"),
                alt.Tooltip("value:Q", title=f"Median ({unit})", format=".2f"),
                alt.Tooltip("pull_requests:Q", title="Pull requests shipped"),
            ],
        )
        .transform_calculate(stage_order=f"indexof({STAGE_ORDER!r}, datum.stage)")
        .properties(height=240)
    )
