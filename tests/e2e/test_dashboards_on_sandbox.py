"""The DORA page over the marts of a real refresh shows what the sandbox generated: each
stream's five headline metrics over the default twelve weeks, worked out here from the
sandbox's ground truth (and the 2023 bands written out below, independently of the seed
table the SQL reads), and the deployments behind a week."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.formatting import duration_or_dash, percent
from ingestion.sandbox.truth import percentile, week_start
from tests.e2e.conftest import NOW, PipelineHome

pytestmark = pytest.mark.e2e

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
# DORA 2023 deployment-frequency bands, per week (metrics.md 2.1), worked out here
# independently of the seed table the SQL reads.
BANDS = [(7.0, "Elite"), (1.0, "High"), (0.25, "Medium"), (0.0, "Low")]
DAY = 86400.0


def _band_below(value: float | None, limits: list[tuple[float, str]]) -> str:
    """The first band whose (exclusive) upper limit is above `value`, else Low."""
    if value is None:
        return ""
    return next((name for limit, name in limits if value < limit), "Low")


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

    truth = pipeline_home.truth
    timezones = {"payments": "UTC", "storefront": "Europe/Berlin"}
    first_week = this_week - timedelta(weeks=11)

    def in_weeks(moment, stream: str) -> bool:  # noqa: ANN001
        return (
            moment is not None and first_week <= week_start(moment, timezones[stream]) <= this_week
        )

    expected = []
    for stream in ("payments", "storefront"):
        lead = [
            r["lead_time_seconds"]
            for r in truth.changes
            if r["value_stream_id"] == stream and in_weeks(r["deployed_at"], stream)
        ]
        weeks = [
            r
            for r in truth.change_failure_rate
            if r["value_stream_id"] == stream and first_week <= r["week_start"] <= this_week
        ]
        deployments = sum(r["deployments"] for r in weeks)
        failed = sum(r["failed"] for r in weeks)
        rework = sum(
            r["rework"]
            for r in truth.deployment_rework_rate
            if r["value_stream_id"] == stream and first_week <= r["week_start"] <= this_week
        )
        recovery = [
            r["recovery_seconds"]
            for r in truth.failed_deployments
            if r["value_stream_id"] == stream and in_weeks(r["recovered_at"], stream)
        ]
        restore = [
            (r["resolved_at"] - r["triggered_at"]).total_seconds()
            for r in truth.incidents
            if r["value_stream_id"] == stream and in_weeks(r["resolved_at"], stream)
        ]
        assert lead and deployments and recovery and restore  # every metric is exercised
        cfr = failed / deployments
        median_lead, median_recovery = percentile(lead, 0.5), percentile(recovery, 0.5)
        expected += [
            ("Deployment frequency", *_expected_headline(per_stream[stream], last_complete)),
            (
                "Change lead time",
                duration_or_dash(median_lead),
                _band_below(median_lead, [(DAY, "Elite"), (7 * DAY, "High"), (30 * DAY, "Medium")]),
            ),
            (
                "Change failure rate",
                percent(cfr),
                next(
                    name
                    for top, name in [
                        (0.05, "Elite"),
                        (0.10, "High"),
                        (0.15, "Medium"),
                        (1.0, "Low"),
                    ]
                    if cfr <= top
                ),
            ),
            (
                "Failed deployment recovery",
                duration_or_dash(median_recovery),
                _band_below(median_recovery, [(3600, "Elite"), (DAY, "High"), (7 * DAY, "Medium")]),
            ),
            ("Deployment rework rate", percent(rework / deployments), ""),
            ("Time to restore service", duration_or_dash(percentile(restore, 0.5)), ""),
        ]
    shown = [(metric.label, metric.value, metric.delta) for metric in app.metric]
    assert shown == expected

    # The drill-down of the last complete week lists exactly the sandbox's deployments.
    for stream in ("payments", "storefront"):
        app.selectbox(key="dora_drill_stream").set_value(stream).run()
        app.selectbox(key=f"dora_drill_week_{stream}").set_value(last_complete).run()
        table = app.dataframe[0]
        assert len(table.value) == per_stream[stream][last_complete]
        failed_rows = table.value[table.value["Failed"] == "yes"]
        wanted_failed = next(
            (
                r["failed"]
                for r in truth.change_failure_rate
                if r["value_stream_id"] == stream and r["week_start"] == last_complete
            ),
            0,
        )
        assert len(failed_rows) == wanted_failed
