"""The Flow and Value stream map pages under AppTest, on the hand-built marts (the numbers
are worked out in marts_fixture.py)."""

from __future__ import annotations

from datetime import date

import pytest
from marts_fixture import write_marts
from streamlit.testing.v1 import AppTest
from test_dashboard_app import assert_no_errors, metrics, run_app

FLOW_PAGE = "app_pages/flow.py"
VSM_PAGE = "app_pages/value_stream_map.py"


def flow_app() -> AppTest:
    app = run_app()
    app.switch_page(FLOW_PAGE).run()
    return app


def explanations(app: AppTest) -> list[str]:
    return [c.value for c in app.caption if c.value.startswith("What it shows:")]


def charts_drawn(app: AppTest) -> int:
    return len(app.get("vega_lite_chart"))


def test_flow_page_over_all_weeks(marts_file):
    app = flow_app()
    assert_no_errors(app)
    assert app.title[0].value == "Flow metrics"
    # Six items completed (PAY-7 canceled and the epic PAY-8 left out); flow time median
    # 2.5 d, p85 7.5 d, p95 8.5 d; 540,000 s active of 1,922,400 s (time-weighted); load
    # 36 items over 21 measured days; PAY-9 and PAY-10 in flight.
    assert [(label, value) for label, value, _ in metrics(app)] == [
        ("Flow velocity", "6"),
        ("Flow time (median)", "2.5 d"),
        ("Flow efficiency", "28.1 %"),
        ("Flow load", "1.7"),
        ("In flight now", "2"),
    ]
    captions = [c.value for c in app.caption]
    assert "p85 7.5 d · p95 8.5 d" in captions
    assert "mean of 21 days" in captions
    # The control chart's lines are the same percentiles, over the same six items.
    assert "6 items: median 2.5 d, p85 7.5 d, p95 8.5 d." in captions
    (storefront,) = app.info
    assert storefront.value.startswith("No flow items for **Storefront** yet")
    # Headline, trends and its five tabs, control chart, cumulative flow, aging, forecast.
    assert len(explanations(app)) == 11
    assert len(app.tabs) == 5
    # Velocity, distribution (2), flow time, efficiency, load, control chart, cumulative
    # flow, aging and the forecast.
    assert charts_drawn(app) == 10

    aging, by_date, for_items = app.dataframe
    assert aging.value.to_dict("records") == [
        {
            "Item": "PAY-10",
            "Type": "defect",
            "Status": "In Progress",
            "State": "waiting (flagged)",
            "Age": "11.0 d",
            "Against recent": "beyond p95",
        },
        {
            "Item": "PAY-9",
            "Type": "feature",
            "Status": "In Progress",
            "State": "active",
            "Age": "3.0 d",
            "Against recent": "beyond p50",
        },
    ]
    assert (
        "As of 2026-11-23 09:00 UTC; last 90 days, 6 items: p50 2.5 d, p85 7.5 d, p95 8.5 d."
        in captions
    )
    assert by_date.value.to_dict("records") == [
        {"By the end of": "Sun 29 Nov 2026", "50 %": "0", "85 %": "0", "95 %": "0"},
        {"By the end of": "Sun 06 Dec 2026", "50 %": "1", "85 %": "0", "95 %": "0"},
        {"By the end of": "Sun 13 Dec 2026", "50 %": "1", "85 %": "1", "95 %": "0"},
    ]
    assert for_items.value.to_dict("records") == [
        {
            "Items": "2 (work in progress)",
            "50 %": "20 Dec 2026",
            "85 %": "17 Jan 2027",
            "95 %": "07 Feb 2027",
        },
        {
            "Items": "10",
            "50 %": "11 Apr 2027",
            "85 %": "16 May 2027",
            "95 %": "13 Jun 2027",
        },
        {
            "Items": "25",
            "50 %": "14 Nov 2027",
            "85 %": "09 Jan 2028",
            "95 %": "not reached",
        },
    ]
    assert any(
        caption.startswith(
            "As of 23 Nov 2026: 10,000 trials (seed 20260101) drawing from the "
            "84 days of 31 Aug 2026 to 22 Nov 2026, 6 items completed (0.07 a day)"
        )
        for caption in captions
    )


def test_flow_page_over_the_last_two_weeks(marts_file):
    """Weeks of 16 and 23 Nov: PAY-5 (3 d, 1 d active) and PAY-6 (9 d, 1.5 d active)."""
    app = run_app()
    app.slider(key="filter_weeks").set_value(2).run()
    app.switch_page(FLOW_PAGE).run()
    assert_no_errors(app)
    assert [(label, value) for label, value, _ in metrics(app)] == [
        ("Flow velocity", "2"),
        ("Flow time (median)", "6.0 d"),  # (259,200 + 777,600) / 2
        ("Flow efficiency", "20.8 %"),  # 216,000 / 1,036,800
        ("Flow load", "2.1"),  # 15 / 7: the week of 23 Nov has no whole day yet
        ("In flight now", "2"),
    ]
    captions = [c.value for c in app.caption]
    assert "p85 8.1 d · p95 8.7 d" in captions
    assert "mean of 7 days" in captions


@pytest.mark.parametrize("grain", ["week", "month", "quarter", "day"])
@pytest.mark.parametrize("slice_name", ["value_stream", "team", "flow_item_type"])
def test_flow_trends_run_for_every_grain_and_slice(marts_file, grain, slice_name):
    app = flow_app()
    app.radio(key="flow_grain").set_value(grain)
    app.radio(key="flow_slice").set_value(slice_name).run()
    assert_no_errors(app)
    assert len(app.tabs) == 5


def test_flow_velocity_by_team_draws_a_chart_per_team(marts_file):
    app = flow_app()
    app.radio(key="flow_slice").set_value("team").run()
    assert_no_errors(app)
    names = [m.value for m in app.markdown if m.value.startswith("**Payments · ")]
    assert names == ["**Payments · Billing**", "**Payments · Checkout**"]


def test_flow_page_says_when_no_stream_has_flow_items(marts_file):
    app = run_app()
    app.multiselect(key="filter_value_streams").set_value(["storefront"]).run()
    app.switch_page(FLOW_PAGE).run()
    assert_no_errors(app)
    (message,) = app.info
    assert message.value.startswith("No flow items in the selected value streams yet.")
    assert "`sources.jira`" in message.value and "`jira_projects`" in message.value
    assert not app.metric


@pytest.mark.parametrize("page", [FLOW_PAGE, VSM_PAGE])
def test_marts_published_before_flow_say_what_to_run(tmp_path, monkeypatch, page):
    path = write_marts(tmp_path / "marts.duckdb", with_flow=False)
    monkeypatch.setenv("VSM_MARTS", str(path))
    app = run_app()
    app.switch_page(page).run()
    assert_no_errors(app)
    (message,) = app.info
    assert "Run `vsm run`" in message.value
    assert not app.metric


def test_value_stream_map_of_the_latest_week(marts_file):
    app = run_app()
    app.switch_page(VSM_PAGE).run()
    assert_no_errors(app)
    assert app.title[0].value == "Value stream map"
    assert app.selectbox(key="vsm_stream").value == "payments"
    assert app.selectbox(key="vsm_period_payments_week").value == date(2026, 11, 16)
    # Work map, week of 16 Nov: stage medians 3.4 d + 18.0 h + 4.8 d = 766,800 s; PT
    # 64,800 s; sums 129,600 / 1,533,600 s; %C&A 1 * 1 * 0.5. Delivery map: PR #42.
    assert [(label, value) for label, value, _ in metrics(app)] == [
        ("Lead time", "8.9 d"),
        ("Process time", "18.0 h"),
        ("Activity ratio", "8.5 %"),
        ("Rolled %C&A", "50.0 %"),
        ("Bottleneck", "Ready for Review"),
        ("Lead time", "3.7 h"),
        ("Process time", "3.0 h"),
        ("Activity ratio", "81.8 %"),
        ("Rolled %C&A", "66.7 %"),
        ("Bottleneck", "pickup"),
    ]
    captions = [c.value for c in app.caption]
    assert "median wait 4.8 d" in captions and "median wait 30 min" in captions
    assert "1.5 d of 17.8 d" in captions  # the work map's sums behind its activity ratio
    work, delivery = app.dataframe
    assert work.value.to_dict("records") == [
        {
            "Stage": "Backlog",
            "Items": 2,
            "LT median": "3.4 d",
            "PT median": "0 s",
            "Wait median": "3.4 d",
            "%C&A": "100.0 %",
            "LT sum": "6.8 d",
            "PT sum": "0 s",
        },
        {
            "Stage": "In Progress",
            "Items": 2,
            "LT median": "18.0 h",
            "PT median": "18.0 h",
            "Wait median": "0 s",
            "%C&A": "100.0 %",
            "LT sum": "1.5 d",
            "PT sum": "1.5 d",
        },
        {
            "Stage": "Ready for Review (bottleneck)",
            "Items": 2,
            "LT median": "4.8 d",
            "PT median": "0 s",
            "Wait median": "4.8 d",
            "%C&A": "50.0 %",
            "LT sum": "9.5 d",
            "PT sum": "0 s",
        },
    ]
    assert list(delivery.value["Stage"]) == ["coding", "pickup (bottleneck)", "review", "deploy"]
    assert list(delivery.value["%C&A"]) == ["–", "–", "100.0 %", "66.7 %"]
    assert len(explanations(app)) == 2
    assert charts_drawn(app) == 4  # a map and a timeline per map


def test_value_stream_map_of_a_week_without_deliveries(marts_file):
    app = run_app()
    app.switch_page(VSM_PAGE).run()
    app.selectbox(key="vsm_period_payments_week").set_value(date(2026, 11, 9)).run()
    assert_no_errors(app)
    # Week of 9 Nov: waits 2.4 d, 5.0 d, 0 and 12.0 h: Selected for Development.
    assert [(label, value) for label, value, _ in metrics(app)] == [
        ("Lead time", "8.9 d"),
        ("Process time", "1.0 d"),
        ("Activity ratio", "21.5 %"),
        ("Rolled %C&A", "66.7 %"),
        ("Bottleneck", "Selected for Development"),
    ]
    (message,) = app.info
    assert message.value == (
        "No delivery map for Week of 09 Nov 2026 (W46): no pull request was shipped to "
        "production in this period."
    )


@pytest.mark.parametrize("grain", ["month", "quarter", "day"])
def test_value_stream_map_without_rows_for_the_grain_says_so(marts_file, grain):
    app = run_app()
    app.switch_page(VSM_PAGE).run()
    app.radio(key="vsm_grain").set_value(grain).run()
    assert_no_errors(app)
    (message,) = app.info
    assert message.value.startswith("No value stream map for Payments in the picked weeks")


def test_value_stream_map_of_a_stream_without_data(marts_file):
    app = run_app()
    app.switch_page(VSM_PAGE).run()
    app.selectbox(key="vsm_stream").set_value("storefront").run()
    assert_no_errors(app)
    (message,) = app.info
    assert message.value.startswith("No value stream map for Storefront in the picked weeks")
