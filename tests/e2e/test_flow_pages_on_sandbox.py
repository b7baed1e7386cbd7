"""The Flow and Value stream map pages over the marts of a real refresh show what the
sandbox generated: each stream's flow headline over the default twelve weeks, and the work
map of its latest week, worked out here from the sandbox's Jira ground truth."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.formatting import duration_or_dash, percent
from ingestion.sandbox.jira.truth import local_week, percentile
from tests.e2e.conftest import NOW, PipelineHome

pytestmark = pytest.mark.e2e

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEZONES = {"payments": "UTC", "storefront": "Europe/Berlin"}


@pytest.fixture(scope="module")
def published(refreshed: dict[str, object], pipeline_home: PipelineHome) -> PipelineHome:
    """The small tier's refreshes (the pages read what the last one published)."""
    for run in ("first", "second"):
        result = refreshed[run]
        assert result.returncode == 0, result.stderr[-4000:]
    return pipeline_home


def _app(page: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    return app


def test_flow_page_shows_the_sandbox_numbers(published: PipelineHome, monkeypatch):
    pipeline_home = published
    monkeypatch.setenv("VSM_MARTS", str(pipeline_home.marts))
    truth = pipeline_home.truth.flow
    assert truth is not None
    this_week = NOW.date() - timedelta(days=NOW.weekday())
    first_week = this_week - timedelta(weeks=11)
    app = _app("app_pages/flow.py")

    expected = []
    for stream_id in sorted(TIMEZONES, key=lambda s: s.capitalize()):
        tz = ZoneInfo(TIMEZONES[stream_id])
        done = [
            item
            for item in truth.items
            if item.value_stream_id == stream_id
            and not item.canceled
            and item.completion is not None
            and item.work_start is not None
            and first_week <= local_week(item.completion, tz) <= this_week
        ]
        if not [i for i in truth.items if i.value_stream_id == stream_id and not i.canceled]:
            continue
        times = [float(i.flow_time_s) for i in done]
        loads = [
            row["load"]
            for row in truth.flow_load_daily
            if row["value_stream_id"] == stream_id
            and first_week <= row["day"] - timedelta(days=row["day"].weekday()) <= this_week
        ]
        in_flight = sum(
            1
            for i in truth.items
            if i.value_stream_id == stream_id
            and not i.canceled
            and i.visits[-1].state in ("active", "waiting")
        )
        expected += [
            ("Flow velocity", str(len(done))),
            ("Flow time (median)", duration_or_dash(percentile(times, 0.5))),
            ("Flow efficiency", percent(sum(i.active_s for i in done) / sum(times))),
            ("Flow load", f"{sum(loads) / len(loads):.1f}"),
            ("In flight now", str(in_flight)),
        ]
    assert expected, "the small tier has flow items"
    assert [(m.label, m.value) for m in app.metric] == expected


def test_value_stream_map_page_shows_the_sandbox_work_map(published: PipelineHome, monkeypatch):
    pipeline_home = published
    monkeypatch.setenv("VSM_MARTS", str(pipeline_home.marts))
    truth = pipeline_home.truth.flow
    assert truth is not None
    this_week = NOW.date() - timedelta(days=NOW.weekday())
    first_week = this_week - timedelta(weeks=11)
    app = _app("app_pages/value_stream_map.py")
    stream_id = app.selectbox(key="vsm_stream").value
    weeks = [
        row
        for row in truth.work_map_summary
        if row["value_stream_id"] == stream_id and first_week <= row["week_start"] <= this_week
    ]
    assert weeks, f"the small tier's {stream_id} has a work map in the last 12 weeks"
    shown: date = app.selectbox(key=f"vsm_period_{stream_id}_week").value
    # The period picker defaults to the latest week that has either map.
    assert shown >= max(row["week_start"] for row in weeks)
    app.selectbox(key=f"vsm_period_{stream_id}_week").set_value(
        max(row["week_start"] for row in weeks)
    ).run()
    assert not app.exception
    week = max(weeks, key=lambda row: row["week_start"])
    work = [(m.label, m.value) for m in app.metric][:5]
    assert work == [
        ("Lead time", duration_or_dash(week["total_lt_median_s"])),
        ("Process time", duration_or_dash(week["total_pt_median_s"])),
        ("Activity ratio", percent(week["activity_ratio"])),
        ("Rolled %C&A", percent(week["rolled_pct_complete_accurate"])),
        ("Bottleneck", week["bottleneck"]),
    ]
    stages = [
        row
        for row in truth.work_map
        if row["value_stream_id"] == stream_id and row["week_start"] == week["week_start"]
    ]
    table = app.dataframe[0].value
    assert list(table["Items"]) == [row["visits"] for row in stages]
    assert list(table["LT median"]) == [duration_or_dash(row["lt_median_s"]) for row in stages]
