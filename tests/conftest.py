"""The suite runs on two pytest-xdist workers (`make test`: `-n 2 --dist loadgroup`).

The tests that share one session-scoped pipeline run go to the same worker, so each pipeline
runs once: the small tier's refreshes (`sandbox_small`, `pipeline_home`, `refreshed`) in one
group and the medium tier's run (`medium_home`) in another.
"""

from __future__ import annotations

import pytest

GROUPS = {
    "sandbox_small": "small_pipeline",
    "pipeline_home": "small_pipeline",
    "refreshed": "small_pipeline",
    "medium_home": "medium_pipeline",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        groups = {GROUPS[name] for name in getattr(item, "fixturenames", ()) if name in GROUPS}
        if len(groups) > 1:
            raise pytest.UsageError(f"{item.nodeid} uses both shared pipelines: {groups}")
        if groups:
            item.add_marker(pytest.mark.xdist_group(groups.pop()))
