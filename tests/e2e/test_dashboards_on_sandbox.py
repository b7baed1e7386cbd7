"""The DORA page over the marts of a real refresh shows what the sandbox generated."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.e2e.conftest import NOW, PipelineHome

pytestmark = pytest.mark.e2e

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
# DORA 2023 deployment-frequency bands, per week (metrics.md 2.1), worked out here
# independently of the seed table the SQL reads.
BANDS = [(7.0, "Elite"), (1.0, "High"), (0.25, "Medium"), (0.0, "Low")]


def _expected_headline(weeks: dict[date, int], last_complete: date) -> tuple[str, str]:
    window = [count for week, count in sorted(weeks.items()) if week <= last_complete][-12:]
    per_week = sum(window) / len(window)
    band = next(name for floor, name in BANDS if per_week >= floor)
    return f"{per_week:.2f} / week", band


def test_dora_page_shows_the_sandbox_numbers(refreshed, pipeline_home: PipelineHome, monkeypatch):
    monkeypatch.setenv("VSM_MARTS", str(pipeline_home.marts))
    per_stream: dict[str, dict[date, int]] = {}
    for row in pipeline_home.truth.deployment_frequency:
        per_stream.setdefault(row["value_stream_id"], {})[row["week_start"]] = row["deployments"]
    this_week = NOW.date() - timedelta(days=NOW.weekday())
    last_complete = this_week - timedelta(days=7)

    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    app.switch_page("app_pages/dora.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]

    shown = {metric.label: (metric.value, metric.delta) for metric in app.metric}
    assert shown == {
        "Payments": _expected_headline(per_stream["payments"], last_complete),
        "Storefront": _expected_headline(per_stream["storefront"], last_complete),
    }

    # The drill-down of the last complete week lists exactly the sandbox's deployments.
    for stream in ("payments", "storefront"):
        app.selectbox(key="dora_drill_stream").set_value(stream).run()
        app.selectbox(key=f"dora_drill_week_{stream}").set_value(last_complete).run()
        (table,) = app.dataframe
        assert len(table.value) == per_stream[stream][last_complete]
