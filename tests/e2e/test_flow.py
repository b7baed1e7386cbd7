"""Flow marts on the sandbox's `small` tier (the committed valuestream.yml) equal its Jira
ground truth: every flow item, every value stream and ISO week, every day's load."""

from __future__ import annotations

import pytest

from tests.e2e import flow_checks
from tests.e2e.conftest import PipelineHome

pytestmark = pytest.mark.e2e


def test_every_flow_item_equals_the_sandbox(refreshed, pipeline_home: PipelineHome) -> None:
    assert flow_checks.check_work_items(pipeline_home.marts, pipeline_home.truth.flow) > 1_000


def test_weekly_flow_marts_equal_the_sandbox(refreshed, pipeline_home: PipelineHome) -> None:
    assert flow_checks.check_weekly(pipeline_home.marts, pipeline_home.truth.flow) > 1_000


def test_daily_flow_load_equals_the_sandbox(refreshed, pipeline_home: PipelineHome) -> None:
    assert flow_checks.check_load_daily(pipeline_home.marts, pipeline_home.truth.flow) > 500
