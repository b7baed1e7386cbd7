"""Every read the dashboards make, and the only module that opens the published marts.

The pipeline rebuilds the marts in a temporary file and swaps it in with ``os.replace``.
So each query opens the file read-only, runs one parameterised statement and closes it
again: a connection held open would keep reading a replaced file, and DuckDB would
refuse a writer on a file that a reader keeps open. Results are cached for a minute,
keyed on the file's identity (inode, size, mtime), so a freshly published file is read
at the next rerun rather than after the cache expires.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

DEFAULT_HOME = ".vsm"
MARTS_FILE_NAME = "marts.duckdb"
# The publish step copies the marts into the file's `main` schema: tables are named bare.

# Final states of a production attempt that failed (not counted as a deployment).
FAILED_STATES = ("failure", "error")


class MartsNotFoundError(FileNotFoundError):
    """The published marts file does not exist (the pipeline has not run yet)."""


def marts_path() -> Path:
    """The published marts file: `VSM_MARTS`, else `$VSM_HOME/marts.duckdb`, else `./.vsm/`."""
    override = os.environ.get("VSM_MARTS")
    if override:
        return Path(override).expanduser().resolve()
    home = os.environ.get("VSM_HOME") or DEFAULT_HOME
    return (Path(home).expanduser() / MARTS_FILE_NAME).resolve()


def marts_available() -> bool:
    """Whether the published marts file exists."""
    return marts_path().is_file()


def _file_version(path: Path) -> tuple[int, int, int]:
    try:
        stat = path.stat()
    except FileNotFoundError as missing:
        raise MartsNotFoundError(str(path)) from missing
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


@st.cache_data(ttl=60, show_spinner=False)
def _cached_query(
    path: str, file_version: tuple[int, int, int], sql: str, params: tuple[Any, ...]
) -> pd.DataFrame:
    del file_version  # part of the cache key only: a replaced file is a new key
    con = duckdb.connect(path, read_only=True)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def run_query(sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Run one parameterised statement against the published marts and return its rows."""
    path = marts_path()
    version = _file_version(path)
    frame = _cached_query(str(path), version, sql, tuple(params))
    # Callers may add columns; never let them change the cached frame.
    return frame.copy()


def marts_file_modified_at() -> datetime:
    """When the published marts file was last replaced (aware, UTC)."""
    path = marts_path()
    _file_version(path)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _as_dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def _as_utc(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        values = pd.to_datetime(frame[column])
        if values.dt.tz is None:
            values = values.dt.tz_localize("UTC")
        frame[column] = values.dt.tz_convert("UTC")
    return frame


def value_streams() -> pd.DataFrame:
    """All value streams: value_stream_id, value_stream_name, timezone (by name)."""
    return run_query(
        """
        select value_stream_id, value_stream_name, timezone
        from dim_value_streams
        order by value_stream_name, value_stream_id
        """
    )


def week_bounds() -> tuple[date, date] | None:
    """The first and last week_start in the deployment frequency mart, or None when empty."""
    frame = run_query(
        """
        select min(period_start) as first_week, max(period_start) as last_week
        from mart_dora_deployment_frequency
        where grain = 'week' and slice = 'value_stream'
        """
    )
    if frame.empty or pd.isna(frame.loc[0, "first_week"]):
        return None
    frame = _as_dates(frame, "first_week", "last_week")
    return frame.loc[0, "first_week"], frame.loc[0, "last_week"]


def weekly_deployment_frequency(
    value_stream_ids: Sequence[str], first_week: date, last_week: date
) -> pd.DataFrame:
    """One row per (stream, week) in the period, with `week_in_progress` marking each
    stream's latest week (the week the pipeline ran in, not complete yet)."""
    frame = run_query(
        """
        select
            f.value_stream_id,
            f.value_stream_name,
            f.period_start as week_start,
            f.iso_year,
            f.iso_week,
            f.deployments,
            f.deployment_days,
            f.deployments_per_day,
            f.trailing_12w_deployments_per_week,
            f.band,
            f.report_year,
            f.period_start = latest.last_week as week_in_progress
        from mart_dora_deployment_frequency as f
        join (
            select value_stream_id, max(period_start) as last_week
            from mart_dora_deployment_frequency
            where grain = 'week' and slice = 'value_stream'
            group by value_stream_id
        ) as latest on latest.value_stream_id = f.value_stream_id
        where f.grain = 'week' and f.slice = 'value_stream'
          and list_contains(?, f.value_stream_id)
          and f.period_start between ? and ?
        order by f.value_stream_name, f.period_start
        """,
        [list(value_stream_ids), first_week, last_week],
    )
    frame = _as_dates(frame, "week_start")
    frame["week_in_progress"] = frame["week_in_progress"].astype(bool)
    return frame


def production_deployments(value_stream_id: str, week_start: date) -> pd.DataFrame:
    """The successful production deployments a stream's week counts, oldest first."""
    frame = run_query(
        """
        select repository, service, environment, sha, finished_at, change_count
        from fct_deployments
        where value_stream_id = ?
          and finished_week = ?
          and is_production_deployment
        order by finished_at, repository, sha
        """,
        [value_stream_id, week_start],
    )
    return _as_utc(frame, "finished_at")


def failed_production_attempts(
    value_stream_ids: Sequence[str], first_week: date, last_week: date
) -> pd.DataFrame:
    """Failed production attempts (final state failure or error) per stream and week."""
    frame = run_query(
        f"""
        select value_stream_id, finished_week as week_start, count(*) as failed_attempts
        from fct_deployments
        where list_contains(?, value_stream_id)
          and finished_week between ? and ?
          and is_production_environment
          and final_state in ({", ".join("?" for _ in FAILED_STATES)})
        group by value_stream_id, finished_week
        order by value_stream_id, finished_week
        """,
        [list(value_stream_ids), first_week, last_week, *FAILED_STATES],
    )
    frame = _as_dates(frame, "week_start")
    frame["failed_attempts"] = frame["failed_attempts"].astype(int)
    return frame


def last_production_deployments() -> pd.DataFrame:
    """Per stream: when its latest production deployment finished (aware UTC)."""
    frame = run_query(
        """
        select value_stream_id, max(finished_at) as last_deployment_at
        from fct_deployments
        where is_production_deployment
        group by value_stream_id
        """
    )
    return _as_utc(frame, "last_deployment_at")


def latest_finished_at() -> datetime | None:
    """The latest finish time of any deployment attempt in the marts (aware UTC)."""
    frame = run_query("select max(finished_at) as latest from fct_deployments")
    frame = _as_utc(frame, "latest")
    latest = frame.loc[0, "latest"]
    return None if pd.isna(latest) else latest.to_pydatetime()
