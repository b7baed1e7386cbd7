"""The dbt command lines Dagster runs (pure, so they are unit-tested)."""

from __future__ import annotations


def dbt_build_args(
    full_refresh: bool = False, select: str | None = None, unit_tests: bool = False
) -> list[str]:
    """Arguments for ``dbt build``: models, seeds and data tests in one pass.

    Unit tests check the models' SQL against fixed rows, not the data, so a refresh leaves
    them out (as dbt advises for production runs) and the test suite runs them;
    ``unit_tests=True`` keeps them.
    """
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    return args
