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
