"""The Streamlit app, run headless with AppTest: every page runs and shows the marts' numbers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from marts_fixture import DEPLOYMENTS, VALUE_STREAMS, WEEKS, write_marts
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
DORA_PAGE = "app_pages/dora.py"
OVERVIEW_PAGE = "app_pages/overview.py"


def run_app() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    return app


def metrics(app: AppTest) -> list[tuple[str, str, str]]:
    return [(metric.label, metric.value, metric.delta) for metric in app.metric]


def assert_no_errors(app: AppTest) -> None:
    assert not app.exception, [exception.value for exception in app.exception]
    assert not app.error, [error.value for error in app.error]
    assert not app.warning, [warning.value for warning in app.warning]


def test_missing_marts_file_explains_what_to_run(missing_marts):
    app = run_app()
    assert not app.exception
    (message,) = app.info
    assert str(missing_marts) in message.value
    assert "`vsm run`" in message.value
    assert "`make demo`" in message.value
    assert not app.metric


def test_overview_shows_freshness_and_headlines(marts_file, expected):
    app = run_app()
    assert_no_errors(app)
    assert app.title[0].value == "Valuestream"

    shown = metrics(app)
    assert shown[0] == ("Latest deployment finished", expected.latest_finished, "")
    assert shown[1][0] == "Marts published"
    per_stream = shown[2:]
    assert len(per_stream) == 10
    for index, stream in enumerate(expected.streams.values()):
        block = per_stream[index * 5 : index * 5 + 5]
        assert [(label, value) for label, value, _ in block] == [
            ("Production deployments", str(stream.deployments)),
            ("Per week", stream.per_week),
            ("Deployment days", str(stream.deployment_days)),
            ("Failed attempts", str(stream.failed_attempts)),
            ("Band", stream.band),
        ]
    captions = " ".join(caption.value for caption in app.caption)
    # Storefront's last deployment, shown in its own timezone (Sunday 23:30 UTC).
    assert "last production deployment 2026-11-23 00:30 CET" in captions
    assert str(marts_file) in captions


def test_sidebar_filters_reach_the_pages(marts_file):
    app = run_app()
    app.multiselect(key="filter_value_streams").set_value(["storefront"]).run()
    assert_no_errors(app)
    labels = [label for label, _, _ in metrics(app)]
    assert labels.count("Production deployments") == 1
    assert app.metric[2].value == "4"  # storefront only

    # The last 2 weeks only: payments' 16 and 23 Nov (7 deployments, band of 16 Nov).
    app.multiselect(key="filter_value_streams").set_value(["payments"])
    app.slider(key="filter_weeks").set_value(2).run()
    assert_no_errors(app)
    assert [metric.value for metric in app.metric[2:]] == ["7", "3.50", "5", "2", "High"]

    app.switch_page(DORA_PAGE).run()
    assert_no_errors(app)
    # Weeks of 16 and 23 Nov: 7 production deployments; changes c3 and c4 (1 and 2 days):
    # median 1.5 d; 1016 and 1018 failed (2 of 7); 1016 recovered by its rollback in
    # 21.4 h, 1018 still open; 1017 is a rollback (1 of 7); no incident resolved.
    assert metrics(app) == [
        ("Deployment frequency", "1.50 / week", "High"),
        ("Change lead time", "1.5 d", "High"),
        ("Change failure rate", "28.6 %", "Low"),
        ("Failed deployment recovery", "21.4 h", "High"),
        ("Deployment rework rate", "14.3 %", ""),
        ("Time to restore service", "–", ""),
    ]


def test_date_range_filter(marts_file):
    app = run_app()
    app.radio(key="filter_period_mode").set_value("Date range").run()
    # 4 to 12 Nov touches the weeks of 2 and 9 Nov.
    app.date_input(key="filter_dates").set_value((date(2026, 11, 4), date(2026, 11, 12))).run()
    assert_no_errors(app)
    values = [metric.value for metric in app.metric[2:]]
    # payments: 4 + 3 deployments on 3 + 3 days, 0 failed, band of 9 Nov (high);
    # storefront: 1 + 0 on 1 day, 0 failed, band of 9 Nov (low).
    assert values == ["7", "3.50", "6", "0", "High", "1", "0.50", "1", "0", "Low"]


def test_dora_page_bands_chart_and_drill_down(marts_file, expected):
    app = run_app()
    app.switch_page(DORA_PAGE).run()
    assert_no_errors(app)
    assert app.title[0].value == "DORA metrics"

    # All six weeks. Payments: changes of 1, 2, 24 and 48 h, median 13.0 h (elite); 3 of
    # 19 deployments failed (15.8 %, low); recoveries of 2 h and 21.4 h, median 11.7 h
    # (high), one failed deployment open; one rollback (5.3 %); incidents resolved in 1 h
    # and 2 h, median 1.5 h. Storefront: no change, failure, recovery nor incident.
    payments, storefront = expected.streams.values()
    assert metrics(app) == [
        ("Deployment frequency", payments.band_per_week, payments.band),
        ("Change lead time", "13.0 h", "Elite"),
        ("Change failure rate", "15.8 %", "Low"),
        ("Failed deployment recovery", "11.7 h", "High"),
        ("Deployment rework rate", "5.3 %", ""),
        ("Time to restore service", "1.5 h", ""),
        ("Deployment frequency", storefront.band_per_week, storefront.band),
        ("Change lead time", "–", ""),
        ("Change failure rate", "0.0 %", "Elite"),
        ("Failed deployment recovery", "–", ""),
        ("Deployment rework rate", "0.0 %", ""),
        ("Time to restore service", "–", ""),
    ]
    assert [m.value for m in app.markdown[:2]] == ["**Payments**", "**Storefront**"]
    explanations = [c.value for c in app.caption if c.value.startswith("What it shows:")]
    assert len(explanations) == 3  # headline, trends, drill-down
    assert len(app.tabs) == 6 + 4  # a tab per metric's trend, four behind a week

    # Drill-down defaults to the first stream and its last complete week.
    stream_box, week_box = app.selectbox
    assert stream_box.value == "payments"
    assert week_box.value == expected.drill_week
    assert week_box.options[0] == "Week of 23 Nov 2026 (W48): 1 deployment, in progress"
    table, changes, pulls, incidents = app.dataframe
    assert len(table.value) == expected.drill_rows["payments"] == 6
    assert list(table.value.columns) == [
        "Repository",
        "Service",
        "Environment",
        "Commit",
        "Finished (UTC)",
        "Changes",
        "Failed",
        "Why",
        "Rollback / hotfix",
        "Recovered (UTC)",
        "Recovered by",
        "Recovery",
    ]
    assert table.value["Commit"].str.len().eq(7).all()
    assert list(table.value["Finished (UTC)"])[-1] == "2026-11-22 23:50 UTC"
    failed_rows = table.value[table.value["Failed"] == "yes"]
    assert list(failed_rows["Why"]) == ["rollback", "incident"]
    assert list(failed_rows["Recovery"]) == ["21.4 h", "open"]  # 1018's incident is still open
    assert list(table.value["Rollback / hotfix"]).count("rollback") == 1
    summary = [m.value for m in app.markdown if "the mart counts" in m.value]
    assert summary == [
        "**Payments, Week of 16 Nov 2026 (W47)**: 6 production deployments "
        "(the mart counts 6), 2 failed; 2 failed production attempts (not counted)."
    ]
    # The changes shipped that week (c3, c4, and c5 excluded: authored after the deploy).
    assert list(changes.value["Lead time"]) == ["2.0 d", "1.0 d", "-1.0 h"]
    assert list(changes.value["Excluded"]) == ["", "", "negative lead time"]
    assert list(pulls.value["Pull request"]) == ["#42"]
    assert list(pulls.value["Pickup"]) == ["30 min"]
    assert list(incidents.value["Incident"]) == ["PD-2"]
    assert list(incidents.value["Caused by deployment"])[0].endswith("(explicit)")


@pytest.mark.parametrize(
    ("week", "rows", "failed"),
    [
        (date(2026, 11, 23), 1, 0),
        (date(2026, 11, 16), 2, 1),
        (date(2026, 11, 9), 0, 0),
        (date(2026, 11, 2), 1, 0),
    ],
)
def test_dora_drill_down_rows_equal_the_weeks_count(marts_file, week, rows, failed):
    """Each of Storefront's weeks lists as many deployments as the mart counts."""
    app = run_app()
    app.switch_page(DORA_PAGE).run()
    app.selectbox(key="dora_drill_stream").set_value("storefront").run()
    app.selectbox(key="dora_drill_week_storefront").set_value(week).run()
    assert_no_errors(app)
    table = app.dataframe[0]
    assert len(table.value) == rows
    summary = next(m.value for m in app.markdown if "the mart counts" in m.value)
    assert f"(the mart counts {rows})" in summary
    assert summary.endswith(
        f"{failed} failed production attempt{'' if failed == 1 else 's'} (not counted)."
    )


def test_dora_drill_down_shows_stream_time_and_unknown_changes(marts_file):
    app = run_app()
    app.switch_page(DORA_PAGE).run()
    app.selectbox(key="dora_drill_stream").set_value("storefront").run()
    assert_no_errors(app)
    rows = app.dataframe[0].value.to_dict("records")
    assert [row["Finished (Europe/Berlin)"] for row in rows] == [
        "2026-11-16 00:30 CET",
        "2026-11-18 13:00 CET",
    ]
    assert [row["Changes"] for row in rows] == ["unknown", "5"]
    assert [row["Environment"] for row in rows] == ["prod", "production"]


def test_every_page_runs_without_exception(marts_file):
    app = run_app()
    for page in (DORA_PAGE, OVERVIEW_PAGE, DORA_PAGE):
        app.switch_page(page).run()
        assert_no_errors(app)
        assert app.metric


def test_a_stream_without_a_complete_week_has_no_band_yet(tmp_path, monkeypatch):
    """A stream whose first production deployment is in the week in progress."""
    streams = [*VALUE_STREAMS, ("platform", "Platform", "UTC")]
    weeks = [*WEEKS, ("platform", "2026-11-23", 0, 0, 0.0, "low")]
    path = write_marts(tmp_path / "marts.duckdb", streams, DEPLOYMENTS, weeks)
    monkeypatch.setenv("VSM_MARTS", str(path))
    app = run_app()
    assert_no_errors(app)
    bands = [m.value for m in app.metric if m.label == "Band"]
    assert bands == ["High", "No band", "Medium"]

    app.switch_page(DORA_PAGE).run()
    assert_no_errors(app)
    shown = metrics(app)
    assert [m for m in shown if m[0] == "Deployment frequency"] == [
        ("Deployment frequency", "1.50 / week", "High"),
        ("Deployment frequency", "–", ""),
        ("Deployment frequency", "0.25 / week", "Medium"),
    ]
    assert shown[6:12] == [
        ("Deployment frequency", "–", ""),
        ("Change lead time", "–", ""),
        ("Change failure rate", "–", ""),
        ("Failed deployment recovery", "–", ""),
        ("Deployment rework rate", "–", ""),
        ("Time to restore service", "–", ""),
    ]
    app.selectbox(key="dora_drill_stream").set_value("platform").run()
    assert_no_errors(app)
    assert len(app.dataframe[0].value) == 0


def test_a_marts_file_without_the_tables_gives_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "marts.duckdb"
    duckdb.connect(str(path)).close()
    monkeypatch.setenv("VSM_MARTS", str(path))
    app = run_app()
    assert not app.exception
    (error,) = app.error
    assert f"The published marts at `{path}` could not be read" in error.value
    assert "Run `vsm run` again" in error.value


@pytest.mark.parametrize("grain", ["month", "quarter", "day"])
@pytest.mark.parametrize("slice_name", ["value_stream", "team", "service"])
def test_dora_trends_run_for_every_grain_and_slice(marts_file, grain, slice_name):
    app = run_app()
    app.switch_page(DORA_PAGE).run()
    app.radio(key="dora_grain").set_value(grain)
    app.radio(key="dora_slice").set_value(slice_name).run()
    assert_no_errors(app)
    assert len(app.tabs) == 6 + 4
