"""Chart builders: pure functions from a query's DataFrame to an Altair chart.

They read no data and call no Streamlit, so tests can inspect the Vega-Lite spec.
Weeks are an ordinal axis of ISO dates (one band per week, labelled with its Monday):
a week_start is a calendar date in the stream's own timezone, so it is formatted as UTC
and the browser's own offset never shifts it to the previous day.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboards.formatting import (
    BAND_COLOURS,
    BANDS,
    band_label,
    count_of,
    duration_or_dash,
    percent,
)

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


# ---------------------------------------------------------------------------------------
# Flow (metrics.md 3). Instants are shown as the wall clock of the stream's timezone,
# written as UTC and read on a UTC scale, so the browser's own offset never moves them.

FLOW_TYPES = ["feature", "defect", "risk", "debt", "unclassified"]
FLOW_TYPE_COLOURS = ["#21a366", "#d8423a", "#f59f45", "#6f5bd6", "#9aa3ad"]
FLOW_TYPE_SCALE = alt.Scale(domain=FLOW_TYPES, range=FLOW_TYPE_COLOURS)
FLOW_STATES = ["done", "active", "waiting", "new"]  # bottom to top in the cumulative flow
FLOW_STATE_COLOURS = ["#21a366", "#3d7cc9", "#f59f45", "#c3c8cf"]
FLOW_STATE_SCALE = alt.Scale(domain=FLOW_STATES, range=FLOW_STATE_COLOURS)
AGE_BANDS = ["within p50", "beyond p50", "beyond p85", "beyond p95", "no recent completions"]
AGE_BAND_SCALE = alt.Scale(
    domain=AGE_BANDS, range=["#21a366", "#3d7cc9", "#f59f45", "#d8423a", "#9aa3ad"]
)
PERCENTILE_LINES = [("median", "p50"), ("p85", "p85"), ("p95", "p95")]
VELOCITY_COLUMNS = {
    "feature": "features_completed",
    "defect": "defects_completed",
    "risk": "risks_completed",
    "debt": "debts_completed",
    "unclassified": "unclassified_completed",
}


def _period_axis(grain: str) -> alt.Axis:
    return alt.Axis(
        labelExpr="utcFormat(toDate(datum.value), '%d %b %Y')"
        if grain in ("day", "week")
        else "utcFormat(toDate(datum.value), '%b %Y')",
        labelAngle=-45,
        labelOverlap=True,
        title=PERIOD_TITLES[grain],
    )


def _local_iso(moments: pd.Series, timezone: str) -> list[str]:
    """Aware instants as the wall clock of `timezone`, written as UTC ISO strings."""
    local = pd.to_datetime(moments).dt.tz_convert(timezone)
    return [f"{moment:%Y-%m-%dT%H:%M:%S}Z" for moment in local]


def velocity_chart(periods: pd.DataFrame) -> alt.Chart:
    """One series (a stream, team or type): items completed per period, stacked by flow
    item type; the period in progress is faded."""
    if periods.empty:
        raise ValueError("no periods to chart")
    grain = str(periods["grain"].iloc[0])
    long = periods.melt(
        id_vars=["period_start", "period_in_progress", "items_completed"],
        value_vars=list(VELOCITY_COLUMNS.values()),
        var_name="column",
        value_name="items",
    )
    frame = pd.DataFrame(
        {
            "period": [f"{day:%Y-%m-%d}" for day in long["period_start"]],
            "type": long["column"].map({v: k for k, v in VELOCITY_COLUMNS.items()}),
            "items": long["items"].fillna(0).astype(int),
            "total": long["items_completed"].fillna(0).astype(int),
            "status": ["in progress" if p else "complete" for p in long["period_in_progress"]],
        }
    )
    return (
        alt.Chart(frame[frame["items"] > 0])
        .mark_bar()
        .encode(
            x=alt.X("period:O", axis=_period_axis(grain), sort="ascending"),
            y=alt.Y("items:Q", title="Items completed", stack="zero"),
            color=alt.Color("type:N", scale=FLOW_TYPE_SCALE, title="Flow item type"),
            order=alt.Order("type_order:Q"),
            opacity=alt.condition(
                alt.datum.status == "in progress", alt.value(0.35), alt.value(1.0)
            ),
            tooltip=[
                alt.Tooltip("period:N", title="Period from"),
                alt.Tooltip("type:N", title="Type"),
                alt.Tooltip("items:Q", title="Items completed"),
                alt.Tooltip("total:Q", title="All types"),
                alt.Tooltip("status:N", title="Period"),
            ],
        )
        .transform_calculate(type_order=f"indexof({FLOW_TYPES!r}, datum.type)")
        .properties(height=240)
    )


def distribution_chart(periods: pd.DataFrame, measure: str) -> alt.Chart:
    """One series: each flow item type's share per period of the items completed in it
    (`measure` "completed") or in flight at its end ("in_flight"), as 100 % stacked bars."""
    if measure not in ("completed", "in_flight"):
        raise ValueError(f"unknown measure {measure!r}")
    grain = str(periods["grain"].iloc[0])
    frame = pd.DataFrame(
        {
            "period": [f"{day:%Y-%m-%d}" for day in periods["period_start"]],
            "type": periods["flow_item_type"].astype(str),
            "items": periods[f"items_{measure}"].fillna(0).astype(int),
            "share": (periods[f"share_{measure}"].astype(float) * 100).round(1),
        }
    )
    title = "Completed" if measure == "completed" else "In flight at period end"
    return (
        alt.Chart(frame[frame["items"] > 0])
        .mark_bar()
        .encode(
            x=alt.X("period:O", axis=_period_axis(grain), sort="ascending"),
            y=alt.Y(
                "items:Q", stack="normalize", title=f"{title} (share)", axis=alt.Axis(format="%")
            ),
            color=alt.Color("type:N", scale=FLOW_TYPE_SCALE, title="Flow item type"),
            order=alt.Order("type_order:Q"),
            tooltip=[
                alt.Tooltip("period:N", title="Period from"),
                alt.Tooltip("type:N", title="Type"),
                alt.Tooltip("items:Q", title="Items"),
                alt.Tooltip("share:Q", title="Share (%)", format=".1f"),
            ],
        )
        .transform_calculate(type_order=f"indexof({FLOW_TYPES!r}, datum.type)")
        .properties(height=220, title=title)
    )


def percentile_lines(seconds: pd.Series) -> dict[str, float]:
    """Continuous median, p85 and p95 (as percentile_cont) of a series of durations."""
    values = seconds.dropna().astype(float)
    if values.empty:
        return {}
    return {
        "median": float(values.quantile(0.5)),
        "p85": float(values.quantile(0.85)),
        "p95": float(values.quantile(0.95)),
    }


def _rules(lines: dict[str, float], divisor: float, field: str) -> alt.LayerChart:
    frame = pd.DataFrame(
        {"line": list(lines), field: [round(value / divisor, 2) for value in lines.values()]}
    )
    base = alt.Chart(frame).encode(y=alt.Y(f"{field}:Q"))
    rules = base.mark_rule(strokeDash=[6, 3], color=TRAILING_LINE_COLOUR).encode(
        tooltip=[alt.Tooltip("line:N", title="Line"), alt.Tooltip(f"{field}:Q", format=".2f")]
    )
    # p85 is labelled under its line, the others above, so close lines keep legible labels.
    above = base.transform_filter(alt.datum.line != "p85").mark_text(
        align="left", baseline="bottom", dy=-2, color=TRAILING_LINE_COLOUR
    )
    below = base.transform_filter(alt.datum.line == "p85").mark_text(
        align="left", baseline="top", dy=2, color=TRAILING_LINE_COLOUR
    )
    return alt.layer(
        rules,
        above.encode(text="line:N", x=alt.value(4)),
        below.encode(text="line:N", x=alt.value(4)),
    )


def flow_time_control_chart(items: pd.DataFrame, timezone: str) -> alt.LayerChart:
    """One stream: every completed item as a point (completion, flow time), coloured by its
    type, with dashed lines at the median, p85 and p95 of the items shown."""
    if items.empty:
        raise ValueError("no items to chart")
    divisor, unit = duration_unit(items["flow_time_s"].astype(float))
    frame = pd.DataFrame(
        {
            "item": items["work_item_key"].astype(str),
            "type": items["flow_item_type"].astype(str),
            "completed": _local_iso(items["completed_at"], timezone),
            "completed_label": [
                f"{moment:%Y-%m-%d %H:%M %Z}"
                for moment in pd.to_datetime(items["completed_at"]).dt.tz_convert(timezone)
            ],
            "flow_time": (items["flow_time_s"].astype(float) / divisor).round(2),
            "efficiency": (items["flow_efficiency"].astype(float) * 100).round(1),
        }
    )
    points = (
        alt.Chart(frame)
        .mark_circle(size=70, opacity=0.85)
        .encode(
            x=alt.X(
                "completed:T",
                scale=alt.Scale(type="utc", padding=12),
                axis=alt.Axis(format="%d %b %Y", labelAngle=-45),
                title="Completed",
            ),
            y=alt.Y("flow_time:Q", title=f"Flow time ({unit})"),
            color=alt.Color("type:N", scale=FLOW_TYPE_SCALE, title="Flow item type"),
            tooltip=[
                alt.Tooltip("item:N", title="Item"),
                alt.Tooltip("type:N", title="Type"),
                alt.Tooltip("completed_label:N", title="Completed"),
                alt.Tooltip("flow_time:Q", title=f"Flow time ({unit})", format=".2f"),
                alt.Tooltip("efficiency:Q", title="Flow efficiency (%)", format=".1f"),
            ],
        )
    )
    lines = _rules(percentile_lines(items["flow_time_s"]), divisor, "flow_time")
    return alt.layer(points, lines).properties(height=280)


def cumulative_flow_chart(daily: pd.DataFrame) -> alt.Chart:
    """One stream: flow items per flow state at the end of each day, stacked areas (done at
    the bottom, then active, waiting and new)."""
    if daily.empty:
        raise ValueError("no days to chart")
    frame = pd.DataFrame(
        {
            "day": [f"{day:%Y-%m-%d}" for day in daily["flow_date"]],
            "state": daily["flow_state"].astype(str),
            "items": daily["items"].astype(int),
        }
    )
    frame = frame[frame["state"].isin(FLOW_STATES)]
    # Every state on every day (zero where none), so the areas do not interpolate across gaps.
    full = pd.MultiIndex.from_product([sorted(frame["day"].unique()), FLOW_STATES])
    frame = (
        frame.groupby(["day", "state"])["items"]
        .sum()
        .reindex(full, fill_value=0)
        .rename_axis(["day", "state"])
        .reset_index()
    )
    return (
        alt.Chart(frame)
        .mark_area(opacity=0.9)
        .encode(
            x=alt.X(
                "day:T",
                scale=alt.Scale(type="utc"),
                axis=alt.Axis(format="%d %b %Y", labelAngle=-45),
                title="Day (end of day)",
            ),
            y=alt.Y("items:Q", stack="zero", title="Flow items"),
            color=alt.Color(
                "state:N", scale=FLOW_STATE_SCALE, sort=FLOW_STATES, title="Flow state"
            ),
            order=alt.Order("state_order:Q"),
            tooltip=[
                alt.Tooltip("day:N", title="Day"),
                alt.Tooltip("state:N", title="Flow state"),
                alt.Tooltip("items:Q", title="Items"),
            ],
        )
        .transform_calculate(state_order=f"indexof({FLOW_STATES!r}, datum.state)")
        .properties(height=260)
    )


def aging_wip_chart(items: pd.DataFrame) -> alt.LayerChart:
    """One stream: each item in flight as a point (its status, its age), coloured by how
    its age compares with the stream's p50/p85/p95 flow time of the last 90 days, which are
    drawn as dashed lines."""
    if items.empty:
        raise ValueError("no items to chart")
    sle = items.iloc[0]
    lines = {
        name: float(sle[f"sle_{column}_s"])
        for name, column in PERCENTILE_LINES
        if pd.notna(sle[f"sle_{column}_s"])
    }
    divisor, unit = duration_unit(pd.concat([items["age_s"].astype(float), pd.Series(lines)]))
    frame = pd.DataFrame(
        {
            "item": items["work_item_key"].astype(str),
            "type": items["flow_item_type"].astype(str),
            "status": [
                f"{status} ({state})"
                for status, state in zip(items["status_name"], items["flow_state"], strict=True)
            ],
            "age": (items["age_s"].astype(float) / divisor).round(2),
            "band": items["age_band"].astype(str),
            "flagged": ["yes" if flagged is True else "" for flagged in items["is_flagged"]],
        }
    )
    points = (
        alt.Chart(frame)
        .mark_circle(size=110, opacity=0.9)
        .encode(
            x=alt.X(
                "status:N",
                title="Status (flow state)",
                axis=alt.Axis(labelAngle=0, labelLimit=220),
            ),
            xOffset=alt.XOffset("item:N"),
            y=alt.Y("age:Q", title=f"Age ({unit})"),
            color=alt.Color(
                "band:N",
                scale=AGE_BAND_SCALE,
                title="Age against the last 90 days",
                legend=alt.Legend(orient="bottom", columns=3),
            ),
            tooltip=[
                alt.Tooltip("item:N", title="Item"),
                alt.Tooltip("type:N", title="Type"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("age:Q", title=f"Age ({unit})", format=".2f"),
                alt.Tooltip("band:N", title="Age"),
                alt.Tooltip("flagged:N", title="Flagged"),
            ],
        )
    )
    if not lines:
        return alt.layer(points).properties(height=320)
    return alt.layer(points, _rules(lines, divisor, "age")).properties(height=320)


CONFIDENCE_COLOURS = ["#3d7cc9", "#f59f45", "#d8423a"]


def forecast_items_chart(rows: pd.DataFrame) -> alt.Chart:
    """One stream: the items done by each coming week's end, a line per confidence (the
    count reached in at least that share of the trials)."""
    if rows.empty:
        raise ValueError("no forecast rows to chart")
    frame = pd.DataFrame(
        {
            "week_end": [f"{day:%Y-%m-%d}" for day in rows["target_date"]],
            "confidence": [f"{c * 100:.0f} %" for c in rows["confidence"]],
            "items": rows["items"].astype(int),
        }
    )
    order = sorted(frame["confidence"].unique(), key=lambda text: float(text.rstrip(" %")))
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "week_end:T",
                scale=alt.Scale(type="utc"),
                axis=alt.Axis(format="%d %b %Y", labelAngle=-45),
                title="By the end of (Sunday)",
            ),
            y=alt.Y("items:Q", title="Items done", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color(
                "confidence:N",
                scale=alt.Scale(domain=order, range=CONFIDENCE_COLOURS[: len(order)]),
                title="Confidence",
            ),
            tooltip=[
                alt.Tooltip("week_end:N", title="By"),
                alt.Tooltip("confidence:N", title="Confidence"),
                alt.Tooltip("items:Q", title="At least this many items"),
            ],
        )
        .properties(height=240)
    )


# ---------------------------------------------------------------------------------------
# Value stream map (metrics.md 4): the stages left to right, the bottleneck in red.

BOTTLENECK_COLOUR = "#d8423a"
STAGE_COLOUR = "#3d7cc9"


def value_stream_map_chart(stages: pd.DataFrame, bottleneck: str | None) -> alt.LayerChart:
    """One map of one stream and period: a box per stage, left to right with an arrow
    between each two, holding its median lead time (LT), process time (PT), %C&A and
    items; the bottleneck (largest median wait) is drawn in red."""
    if stages.empty:
        raise ValueError("no stages to chart")
    ordered = stages.sort_values(["stage_order", "stage_name"]).reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "position": range(len(ordered)),
            "stage": ordered["stage_name"].astype(str),
            "is_bottleneck": [name == bottleneck for name in ordered["stage_name"]],
            "lt": [f"LT {duration_or_dash(v)}" for v in ordered["lt_median_s"]],
            "pt": [f"PT {duration_or_dash(v)}" for v in ordered["pt_median_s"]],
            "ca": [f"%C&A {percent(v)}" for v in ordered["pct_complete_accurate"]],
            "items": [count_of(int(v), "item") for v in ordered["items"]],
            "wait": [duration_or_dash(v) for v in ordered["wait_median_s"]],
        }
    )
    frame["role"] = ["bottleneck" if b else "stage" for b in frame["is_bottleneck"]]
    frame["left"] = frame["position"] + 0.06
    frame["right"] = frame["position"] + 0.86
    frame["centre"] = frame["position"] + 0.46
    frame["arrow"] = frame["position"] + 0.96
    stage_count = len(frame)
    x_scale = alt.Scale(domain=[0, stage_count], nice=False, zero=True)
    y_scale = alt.Scale(domain=[0, 6])
    base = alt.Chart(frame).encode(
        tooltip=[
            alt.Tooltip("stage:N", title="Stage"),
            alt.Tooltip("lt:N", title="Median lead time"),
            alt.Tooltip("pt:N", title="Median process time"),
            alt.Tooltip("wait:N", title="Median wait"),
            alt.Tooltip("ca:N", title="Complete and accurate"),
            alt.Tooltip("items:N", title="Items"),
            alt.Tooltip("role:N", title="Role"),
        ],
    )
    colour = alt.condition(
        alt.datum.is_bottleneck, alt.value(BOTTLENECK_COLOUR), alt.value(STAGE_COLOUR)
    )
    boxes = (
        base.mark_rect(cornerRadius=6, opacity=0.16, strokeWidth=2, strokeOpacity=0.9)
        .encode(
            x=alt.X("left:Q", scale=x_scale, axis=None),
            x2="right:Q",
            y=alt.Y("top:Q", scale=y_scale, axis=None),
            y2="bottom:Q",
            color=colour,
            stroke=colour,
        )
        .transform_calculate(top="5.7", bottom="0.3")
    )
    layers: list[alt.Chart] = [boxes]
    for field, height in (("stage", 4.8), ("lt", 3.7), ("pt", 2.8), ("ca", 1.9), ("items", 1.0)):
        layers.append(
            base.mark_text(
                fontSize=14 if field == "stage" else 13,
                fontWeight="bold" if field == "stage" else "normal",
                limit=170,
            )
            .encode(
                x=alt.X("centre:Q", scale=x_scale, axis=None),
                y=alt.Y("height:Q", scale=y_scale, axis=None),
                text=f"{field}:N",
                color=alt.condition(
                    alt.datum.is_bottleneck, alt.value(BOTTLENECK_COLOUR), alt.value("#31333f")
                ),
            )
            .transform_calculate(height=str(height))
        )
    arrows = (
        alt.Chart(frame[frame["position"] < stage_count - 1])
        .mark_text(text="➜", fontSize=20, color="#7b8fa6")
        .encode(
            x=alt.X("arrow:Q", scale=x_scale, axis=None),
            y=alt.Y("middle:Q", scale=y_scale, axis=None),
        )
        .transform_calculate(middle="3")
    )
    layers.append(arrows)
    return alt.layer(*layers).properties(height=170)


def value_stream_timeline_chart(stages: pd.DataFrame, bottleneck: str | None) -> alt.Chart:
    """One map: per stage, its median process time and median wait (LT - PT), stacked, so
    where the time goes reads left to right; the bottleneck's wait is red."""
    ordered = stages.sort_values(["stage_order", "stage_name"]).reset_index(drop=True)
    divisor, unit = duration_unit(ordered["lt_median_s"].astype(float))
    rows = []
    for position, row in ordered.iterrows():
        for part, column in (("process", "pt_median_s"), ("wait", "wait_median_s")):
            value = row[column]
            rows.append(
                {
                    "position": position,
                    "stage": str(row["stage_name"]),
                    "part": "wait (bottleneck)"
                    if part == "wait" and row["stage_name"] == bottleneck
                    else part,
                    "value": round(float(value) / divisor, 2) if pd.notna(value) else 0.0,
                }
            )
    frame = pd.DataFrame(rows)
    labels = {int(p): s for p, s in zip(frame["position"], frame["stage"], strict=True)}
    label_expr = " : ".join(f"datum.value == {p} ? {s!r}" for p, s in labels.items()) + " : ''"
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "position:O",
                axis=alt.Axis(
                    labelExpr=label_expr,
                    labelAngle=0,
                    labelOverlap=False,
                    labelLimit=160,
                    title="Stage",
                ),
            ),
            y=alt.Y("value:Q", stack="zero", title=f"Median per stage ({unit})"),
            color=alt.Color(
                "part:N",
                scale=alt.Scale(
                    domain=["process", "wait", "wait (bottleneck)"],
                    range=[STAGE_COLOUR, "#c3c8cf", BOTTLENECK_COLOUR],
                ),
                title="Time",
            ),
            tooltip=[
                alt.Tooltip("stage:N", title="Stage"),
                alt.Tooltip("part:N", title="Part"),
                alt.Tooltip("value:Q", title=f"Median ({unit})", format=".2f"),
            ],
        )
        .properties(height=220)
    )
