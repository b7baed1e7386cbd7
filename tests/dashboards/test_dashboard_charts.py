"""Chart builders: the Vega-Lite spec carries the right rows, encodings and colours."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import pytest

from dashboards import charts
from dashboards.formatting import BAND_COLOURS


def weekly_rows() -> pd.DataFrame:
    """Rows shaped like queries.weekly_deployment_frequency returns them."""
    return pd.DataFrame(
        {
            "value_stream_id": ["payments", "payments", "storefront", "storefront"],
            "value_stream_name": ["Payments", "Payments", "Storefront", "Storefront"],
            "week_start": [date(2026, 11, 16), date(2026, 11, 23)] * 2,
            "deployments": [6, 1, 2, 1],
            "deployment_days": [4, 1, 2, 1],
            "trailing_12w_deployments_per_week": [18 / 12, 19 / 12, 3 / 12, 4 / 12],
            "band": ["high", "high", "medium", "medium"],
            "week_in_progress": [False, True, False, True],
        }
    )


def spec_values(spec: dict) -> list[dict]:
    (values,) = spec["datasets"].values()
    return values


def test_weekly_frame_columns_and_values():
    frame = charts.weekly_frame(weekly_rows())
    assert list(frame.columns) == [
        "value_stream",
        "week",
        "week_label",
        "deployments",
        "deployment_days",
        "trailing_12w",
        "band",
        "status",
    ]
    assert frame.to_dict("records")[0] == {
        "value_stream": "Payments",
        "week": "2026-11-16",
        "week_label": "16 Nov 2026",
        "deployments": 6,
        "deployment_days": 4,
        "trailing_12w": 1.5,
        "band": "High",
        "status": "complete",
    }
    assert list(frame["status"]) == ["complete", "in progress"] * 2
    assert list(frame["trailing_12w"]) == [1.5, 1.58, 0.25, 0.33]


def test_weekly_deployments_chart_spec():
    payments = weekly_rows().iloc[:2]
    chart = charts.weekly_deployments_chart(payments)
    assert isinstance(chart, alt.LayerChart)
    spec = chart.to_dict()

    assert [row["deployments"] for row in spec_values(spec)] == [6, 1]
    assert [row["week"] for row in spec_values(spec)] == ["2026-11-16", "2026-11-23"]

    bars, line = spec["layer"]
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["y"]["field"] == "deployments"
    assert bars["encoding"]["x"]["field"] == "week"
    assert bars["encoding"]["x"]["type"] == "ordinal"
    assert "utcFormat" in bars["encoding"]["x"]["axis"]["labelExpr"]
    colour = bars["encoding"]["color"]
    assert colour["field"] == "band"
    assert colour["scale"]["domain"] == ["Elite", "High", "Medium", "Low"]
    assert colour["scale"]["range"] == [BAND_COLOURS[b] for b in ("elite", "high", "medium", "low")]
    assert colour["title"] == "Band (trailing 12 weeks)"
    # the week in progress is faded
    assert bars["encoding"]["opacity"]["condition"]["value"] == 0.35
    assert bars["encoding"]["opacity"]["value"] == 1.0

    assert line["mark"]["type"] == "line"
    assert line["encoding"]["y"]["field"] == "trailing_12w"

    tooltip_fields = [tip["field"] for tip in bars["encoding"]["tooltip"]]
    assert tooltip_fields == [
        "value_stream",
        "week_label",
        "status",
        "deployments",
        "deployment_days",
        "trailing_12w",
        "band",
    ]


def test_weekly_deployments_chart_takes_one_stream():
    with pytest.raises(ValueError, match="one value stream, got 2"):
        charts.weekly_deployments_chart(weekly_rows())


def test_trailing_average_chart_spec():
    spec = charts.trailing_average_chart(weekly_rows()).to_dict()
    values = spec_values(spec)
    assert [(row["value_stream"], row["trailing_12w"]) for row in values] == [
        ("Payments", 1.5),
        ("Payments", 1.58),
        ("Storefront", 0.25),
        ("Storefront", 0.33),
    ]
    lines, points = spec["layer"]
    assert lines["mark"]["type"] == "line"
    assert lines["encoding"]["strokeDash"]["field"] == "value_stream"
    assert lines["encoding"]["y"]["field"] == "trailing_12w"
    assert points["encoding"]["color"]["field"] == "band"
    assert points["encoding"]["color"]["scale"]["domain"] == ["Elite", "High", "Medium", "Low"]
    assert points["encoding"]["shape"]["field"] == "value_stream"


# ---------------------------------------------------------------------------------------
# Flow and the value stream map.


def datasets(chart: alt.TopLevelMixin) -> list[list[dict]]:
    return list(chart.to_dict()["datasets"].values())


def test_percentile_lines_are_continuous_percentiles():
    """Six flow times: median (172,800 + 259,200) / 2; p85 at rank 4.25, p95 at 4.75."""
    seconds = pd.Series([777600.0, 21600.0, 604800.0, 86400.0, 259200.0, 172800.0, None])
    assert charts.percentile_lines(seconds) == {
        "median": 216000.0,
        "p85": 648000.0,
        "p95": 734400.0,
    }
    assert charts.percentile_lines(pd.Series([], dtype=float)) == {}


def test_velocity_chart_stacks_the_types_completed():
    periods = pd.DataFrame(
        {
            "grain": ["week", "week"],
            "period_start": [date(2026, 11, 9), date(2026, 11, 16)],
            "period_in_progress": [False, True],
            "items_completed": [3, 1],
            "features_completed": [2, 0],
            "defects_completed": [1, 0],
            "risks_completed": [0, 0],
            "debts_completed": [0, 1],
            "unclassified_completed": [0, 0],
        }
    )
    chart = charts.velocity_chart(periods)
    (rows,) = datasets(chart)
    assert [(r["period"], r["type"], r["items"], r["status"]) for r in rows] == [
        ("2026-11-09", "feature", 2, "complete"),
        ("2026-11-09", "defect", 1, "complete"),
        ("2026-11-16", "debt", 1, "in progress"),
    ]
    spec = chart.to_dict()
    assert spec["encoding"]["y"]["stack"] == "zero"
    assert spec["encoding"]["color"]["scale"]["domain"] == charts.FLOW_TYPES


def test_cumulative_flow_has_every_state_every_day():
    daily = pd.DataFrame(
        {
            "flow_date": [date(2026, 11, 16), date(2026, 11, 16), date(2026, 11, 17)],
            "flow_state": ["active", "done", "done"],
            "items": [2, 5, 6],
        }
    )
    (rows,) = datasets(charts.cumulative_flow_chart(daily))
    assert {(r["day"], r["state"]): r["items"] for r in rows} == {
        ("2026-11-16", "done"): 5,
        ("2026-11-16", "active"): 2,
        ("2026-11-16", "waiting"): 0,
        ("2026-11-16", "new"): 0,
        ("2026-11-17", "done"): 6,
        ("2026-11-17", "active"): 0,
        ("2026-11-17", "waiting"): 0,
        ("2026-11-17", "new"): 0,
    }


def vsm_stages() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stage_name": ["review", "coding", "pickup"],
            "stage_order": [2, 0, 1],
            "items": [2, 3, 2],
            "lt_median_s": [600.0, 200.0, 2000.0],
            "pt_median_s": [600.0, 200.0, 0.0],
            "wait_median_s": [0.0, 0.0, 2000.0],
            "pct_complete_accurate": [0.5, None, None],
        }
    )


def test_value_stream_map_draws_the_stages_left_to_right_with_the_bottleneck():
    chart = charts.value_stream_map_chart(vsm_stages(), "pickup")
    stage_rows, arrow_rows = sorted(datasets(chart), key=len, reverse=True)
    assert [(r["position"], r["stage"], r["is_bottleneck"]) for r in stage_rows] == [
        (0, "coding", False),
        (1, "pickup", True),
        (2, "review", False),
    ]
    assert [(r["lt"], r["pt"], r["ca"], r["items"]) for r in stage_rows] == [
        ("LT 3 min", "PT 3 min", "%C&A –", "3 items"),
        ("LT 33 min", "PT 0 s", "%C&A –", "2 items"),
        ("LT 10 min", "PT 10 min", "%C&A 50.0 %", "2 items"),
    ]
    # an arrow after every stage but the last, between its box and the next one's
    assert [r["stage"] for r in arrow_rows] == ["coding", "pickup"]
    assert all(r["right"] < r["arrow"] < r["left"] + 1 for r in arrow_rows)
    boxes, *texts, _ = chart.to_dict()["layer"]
    assert boxes["encoding"]["color"]["condition"]["value"] == charts.BOTTLENECK_COLOUR
    assert len(texts) == 5  # stage, LT, PT, %C&A, items


def test_value_stream_timeline_marks_the_bottlenecks_wait():
    (rows,) = datasets(charts.value_stream_timeline_chart(vsm_stages(), "pickup"))
    assert [(r["stage"], r["part"], r["value"]) for r in rows] == [
        ("coding", "process", 3.33),
        ("coding", "wait", 0.0),
        ("pickup", "process", 0.0),
        ("pickup", "wait (bottleneck)", 33.33),
        ("review", "process", 10.0),
        ("review", "wait", 0.0),
    ]
