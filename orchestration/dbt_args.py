"""The dbt command lines Dagster runs (pure, so they are unit-tested)."""

from __future__ import annotations


def dbt_build_args(full_refresh: bool = False, select: str | None = None) -> list[str]:
    """Arguments for ``dbt build``: models, seeds, unit tests and data tests in one pass."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    return args
