"""Flow marts on the sandbox's `medium` tier equal its Jira ground truth (issue 6's
end-to-end acceptance): every flow item, every value stream and ISO week of velocity by
type, distribution, flow time (median, p85, p95, mean within one second), time-weighted
efficiency and load, and every day's end-of-day load."""

from __future__ import annotations

import pytest

from tests.e2e import flow_checks
from tests.e2e.conftest import MediumHome

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def medium(medium_home: MediumHome) -> MediumHome:
    assert medium_home.run.returncode == 0, medium_home.run.stderr[-4000:]
    assert medium_home.truth.flow is not None
    return medium_home


def test_every_flow_item_equals_the_truth(medium: MediumHome) -> None:
    assert flow_checks.check_work_items(medium.marts, medium.truth.flow) > 10_000


def test_weekly_flow_marts_equal_the_truth(medium: MediumHome) -> None:
    streams = {row["value_stream_id"] for row in medium.truth.flow.flow_weekly}
    assert len(streams) == 6
    assert flow_checks.check_weekly(medium.marts, medium.truth.flow) > 5_000


def test_daily_flow_load_equals_the_truth(medium: MediumHome) -> None:
    assert flow_checks.check_load_daily(medium.marts, medium.truth.flow) > 2_000
