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
