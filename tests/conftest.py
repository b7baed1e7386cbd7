"""How `make test` spreads the suite over the machine's cores (pytest-xdist, `-n auto
--dist loadgroup`): each test runs in the group of the expensive session fixture it uses
(the served and refreshed `small` and `medium` tiers), else with the rest of its module, and
a group runs whole on one worker, so no fixture is built twice."""

from __future__ import annotations

import pytest

# Session fixtures shared across modules, by the group their users run in (a test's
# fixturenames hold every fixture it needs, so `refreshed` and `pipeline_home` bring
# `sandbox_small`).
SHARED_FIXTURES = {"medium_home": "e2e-medium", "sandbox_small": "e2e-small"}


# Before xdist's own hook, which names each test's group from these marks.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        used = getattr(item, "fixturenames", ())
        group = next(
            (group for name, group in SHARED_FIXTURES.items() if name in used),
            item.nodeid.split("::")[0],
        )
        item.add_marker(pytest.mark.xdist_group(group))
