"""The dbt command lines Dagster runs (pure, so they are unit-tested)."""

from __future__ import annotations

# The audit tests (tests/audit/ and the tests of int_work_item_status_intervals): each
# incremental model equals a rebuild of the whole history. They cost in proportion to the
# history, not to what changed, so the hourly refresh leaves them to the nightly audit.
AUDIT_SELECTOR = "tag:audit"


def dbt_build_args(
    full_refresh: bool = False,
    select: str | None = None,
    unit_tests: bool = False,
    audit: bool = True,
    exclude: str | None = None,
) -> list[str]:
    """Arguments for ``dbt build``: models, seeds and data tests in one pass.

    Unit tests check the models' SQL against fixed rows, not the data, so a refresh leaves
    them out (as dbt advises for production runs) and the test suite runs them;
    ``unit_tests=True`` keeps them. ``audit=False`` leaves out the audit tests
    (``tag:audit``), as the hourly refresh does; ``exclude`` leaves out more nodes.
    """
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    excluded = [part for part in (exclude, None if audit else AUDIT_SELECTOR) if part]
    if excluded:
        args += ["--exclude", " ".join(excluded)]
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    return args
