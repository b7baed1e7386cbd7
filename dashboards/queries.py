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


# ---------------------------------------------------------------------------------------
# DORA: the five metrics per period and slice, their headline over the picked weeks, and
# the rows behind a week.

# The metric marts the DORA page reads, by metric key (the names are not user input).
DORA_MARTS = {
    "deployment_frequency": "mart_dora_deployment_frequency",
    "change_lead_time": "mart_dora_change_lead_time",
    "change_failure_rate": "mart_dora_change_failure_rate",
    "failed_deployment_recovery_time": "mart_dora_failed_deployment_recovery_time",
    "time_to_restore": "mart_dora_time_to_restore",
    "deployment_rework_rate": "mart_dora_deployment_rework_rate",
}
GRAINS = ("week", "month", "quarter", "day")
SLICES = ("value_stream", "team", "service")

# A naive UTC timestamp column as the wall-clock time of the stream's timezone (the same
# conversion the dbt models use), for cutting weeks in the dashboards' own queries.
_LOCAL = "timezone(vs.timezone, timezone('UTC', {column}))"


def dora_bands() -> pd.DataFrame:
    """The DORA bands the marts use: metric, band, band_rank, lower/upper bound, unit."""
    return run_query(
        """
        select report_year, metric, band, band_rank, lower_bound, upper_bound, unit
        from dim_dora_bands
        order by metric, band_rank
        """
    )


def _mart_periods(
    table: str,
    value_stream_ids: Sequence[str],
    grain: str,
    slice_name: str,
    first_day: date,
    last_day: date,
    extra_filter: str = "",
) -> pd.DataFrame:
    """Rows of a metric mart (grain, period_start, slice, value_stream_id, slice_value, ...)
    for the streams, grain and slice whose period starts between first_day and last_day,
    with `slice_label` (a team's name, else the slice value) and `period_in_progress`
    (the slice's latest period, not over yet)."""
    frame = run_query(
        f"""
        select
            m.*,
            coalesce(t.team_name, m.slice_value) as slice_label,
            m.period_start = latest.last_period as period_in_progress
        from {table} as m
        join (
            select value_stream_id, slice_value, max(period_start) as last_period
            from {table}
            where grain = ? and slice = ?
            group by value_stream_id, slice_value
        ) as latest
          on latest.value_stream_id = m.value_stream_id
         and latest.slice_value = m.slice_value
        left join dim_teams as t on m.slice = 'team' and t.team_id = m.slice_value
        where m.grain = ? and m.slice = ?
          and list_contains(?, m.value_stream_id)
          and m.period_start between ? and ?
          {extra_filter}
        order by m.value_stream_name, slice_label, m.period_start
        """,
        [grain, slice_name, grain, slice_name, list(value_stream_ids), first_day, last_day],
    )
    frame = _as_dates(frame, "period_start")
    frame["period_in_progress"] = frame["period_in_progress"].astype(bool)
    return frame


def metric_periods(
    metric: str,
    value_stream_ids: Sequence[str],
    grain: str,
    slice_name: str,
    first_day: date,
    last_day: date,
) -> pd.DataFrame:
    """Rows of one DORA metric mart for the streams, grain and slice, whose period starts
    between first_day and last_day (inclusive); the time to restore keeps priority 'all'.
    Adds `period_in_progress` (the slice's latest period, not over yet)."""
    if metric not in DORA_MARTS or grain not in GRAINS or slice_name not in SLICES:
        raise ValueError(f"unknown metric, grain or slice: {metric!r}, {grain!r}, {slice_name!r}")
    priority = "and m.priority = 'all'" if metric == "time_to_restore" else ""
    return _mart_periods(
        DORA_MARTS[metric], value_stream_ids, grain, slice_name, first_day, last_day, priority
    )


def dora_headline(
    value_stream_ids: Sequence[str], first_week: date, last_week: date
) -> pd.DataFrame:
    """Per stream, the DORA metrics over the picked weeks, recomputed from the facts (a
    median over the weeks is a median of their rows, never of the weekly medians):
    production deployments, failed, rework; changes and their median lead time; recovered
    failed deployments and their median recovery; open failed deployments (finished in
    the weeks, not recovered); resolved incidents and their median time to restore."""
    params = [list(value_stream_ids), first_week, last_week]
    local_week = "cast(date_trunc('week', " + _LOCAL + ") as date)"
    frame = run_query(
        f"""
        with
        deployments as (
            select d.value_stream_id, count(*) as deployments,
                count(*) filter (where d.is_failed) as failed_deployments,
                count(*) filter (where d.is_rework) as rework_deployments
            from fct_deployments as d
            where d.is_production_deployment and list_contains(?, d.value_stream_id)
              and d.finished_week between ? and ?
            group by d.value_stream_id
        ),
        changes as (
            select c.value_stream_id, count(*) as changes,
                median(c.lead_time_seconds) as lead_time_median_seconds
            from fct_changes as c
            join dim_value_streams as vs on vs.value_stream_id = c.value_stream_id
            where c.exclusion_reason is null and list_contains(?, c.value_stream_id)
              and {local_week.format(column="c.deployed_at")} between ? and ?
            group by c.value_stream_id
        ),
        recovered as (
            select f.value_stream_id, count(*) as recovered_deployments,
                median(f.recovery_seconds) as recovery_median_seconds
            from fct_failed_deployments as f
            join dim_value_streams as vs on vs.value_stream_id = f.value_stream_id
            where f.recovery_seconds >= 0 and list_contains(?, f.value_stream_id)
              and {local_week.format(column="f.recovered_at")} between ? and ?
            group by f.value_stream_id
        ),
        still_open as (
            select f.value_stream_id, count(*) as open_failed_deployments
            from fct_failed_deployments as f
            join dim_value_streams as vs on vs.value_stream_id = f.value_stream_id
            where f.is_open and list_contains(?, f.value_stream_id)
              and {local_week.format(column="f.finished_at")} between ? and ?
            group by f.value_stream_id
        ),
        restored as (
            select i.value_stream_id, count(*) as incidents_resolved,
                median(i.time_to_restore_seconds) as restore_median_seconds
            from fct_incidents as i
            where i.is_resolved and i.time_to_restore_seconds >= 0
              and list_contains(?, i.value_stream_id)
              and i.resolved_week between ? and ?
            group by i.value_stream_id
        )
        select
            vs.value_stream_id, vs.value_stream_name,
            coalesce(d.deployments, 0) as deployments,
            coalesce(d.failed_deployments, 0) as failed_deployments,
            coalesce(d.rework_deployments, 0) as rework_deployments,
            coalesce(c.changes, 0) as changes, c.lead_time_median_seconds,
            coalesce(r.recovered_deployments, 0) as recovered_deployments,
            r.recovery_median_seconds,
            coalesce(o.open_failed_deployments, 0) as open_failed_deployments,
            coalesce(t.incidents_resolved, 0) as incidents_resolved, t.restore_median_seconds
        from dim_value_streams as vs
        left join deployments as d on d.value_stream_id = vs.value_stream_id
        left join changes as c on c.value_stream_id = vs.value_stream_id
        left join recovered as r on r.value_stream_id = vs.value_stream_id
        left join still_open as o on o.value_stream_id = vs.value_stream_id
        left join restored as t on t.value_stream_id = vs.value_stream_id
        where list_contains(?, vs.value_stream_id)
        order by vs.value_stream_name, vs.value_stream_id
        """,
        params * 5 + [list(value_stream_ids)],
    )
    for column in (
        "deployments",
        "failed_deployments",
        "rework_deployments",
        "changes",
        "recovered_deployments",
        "open_failed_deployments",
        "incidents_resolved",
    ):
        frame[column] = frame[column].astype(int)
    return frame


def week_deployments(value_stream_id: str, week_start: date) -> pd.DataFrame:
    """The production deployments of a stream's week with their failure and recovery."""
    frame = run_query(
        """
        select d.deployment_key, d.repository, d.service, d.environment, d.sha,
            d.finished_at, d.change_count, d.is_failed, d.failure_reasons,
            d.is_rollback, d.is_hotfix, f.recovered_at, f.recovered_by, f.recovery_seconds
        from fct_deployments as d
        left join fct_failed_deployments as f on f.deployment_key = d.deployment_key
        where d.value_stream_id = ? and d.finished_week = ? and d.is_production_deployment
        order by d.finished_at, d.repository, d.sha
        """,
        [value_stream_id, week_start],
    )
    return _as_utc(frame, "finished_at", "recovered_at")


def week_changes(value_stream_id: str, week_start: date) -> pd.DataFrame:
    """The changes a stream's week shipped (by deployment finish, stream timezone), with
    lead times; excluded ones (negative lead time) keep their reason."""
    frame = run_query(
        f"""
        select c.repository, c.sha, c.pull_request_number, c.authored_at, c.deployed_at,
            c.lead_time_seconds, c.exclusion_reason
        from fct_changes as c
        join dim_value_streams as vs on vs.value_stream_id = c.value_stream_id
        where c.value_stream_id = ?
          and cast(date_trunc('week', {_LOCAL.format(column="c.deployed_at")}) as date) = ?
        order by c.deployed_at, c.repository, c.authored_at
        """,
        [value_stream_id, week_start],
    )
    return _as_utc(frame, "authored_at", "deployed_at")


def week_pull_requests(value_stream_id: str, week_start: date) -> pd.DataFrame:
    """The pull requests a stream's week shipped, with their lead time stages."""
    frame = run_query(
        f"""
        select p.repository, p.pull_request_number, p.title, p.author_login, p.url,
            p.coding_seconds, p.pickup_seconds, p.review_seconds, p.deploy_seconds,
            p.is_approved, p.deployed_at
        from fct_pull_requests as p
        join dim_value_streams as vs on vs.value_stream_id = p.value_stream_id
        where p.value_stream_id = ? and p.deployed_at is not null
          and cast(date_trunc('week', {_LOCAL.format(column="p.deployed_at")}) as date) = ?
        order by p.deployed_at, p.repository, p.pull_request_number
        """,
        [value_stream_id, week_start],
    )
    return _as_utc(frame, "deployed_at")


def week_incidents(value_stream_id: str, week_start: date) -> pd.DataFrame:
    """The incidents behind a stream's week: those resolved in it (time to restore) and
    those linked to its production deployments (change failure rate), once each."""
    frame = run_query(
        """
        select i.source, i.source_id, i.title, i.priority_slice as priority, i.service,
            i.started_at, i.resolved_at, i.time_to_restore_seconds, i.attribution,
            d.sha as deployment_sha, d.finished_at as deployment_finished_at,
            i.resolved_week = ? as resolved_in_week,
            coalesce(d.finished_week = ?, false) as linked_to_week
        from fct_incidents as i
        left join fct_deployments as d on d.deployment_key = i.deployment_key
        where i.value_stream_id = ? and (i.resolved_week = ? or d.finished_week = ?)
        order by i.started_at, i.source, i.source_id
        """,
        [week_start, week_start, value_stream_id, week_start, week_start],
    )
    return _as_utc(frame, "started_at", "resolved_at", "deployment_finished_at")


# ---------------------------------------------------------------------------------------
# Flow (metrics.md 3): the metrics per period and slice, their headline over the picked
# weeks, every completed item, the cumulative flow, aging work in progress and the forecast.

FLOW_MARTS = {
    "velocity": "mart_flow_velocity",
    "distribution": "mart_flow_distribution",
    "flow_time": "mart_flow_time",
    "efficiency": "mart_flow_efficiency",
    "load": "mart_flow_load",
}
FLOW_SLICES = ("value_stream", "team", "flow_item_type")
FLOW_TABLES = (
    "fct_work_items",
    "fct_flow_daily",
    "mart_flow_aging_wip",
    "mart_flow_forecast",
    *FLOW_MARTS.values(),
)
# The value stream map's marts, by map: (stages, summary).
VSM_MARTS = {
    "work": ("mart_value_stream_map_work", "mart_value_stream_map_work_summary"),
    "delivery": ("mart_value_stream_map_delivery", "mart_value_stream_map_delivery_summary"),
}


def missing_tables(names: Sequence[str]) -> list[str]:
    """Which of the tables are not in the published marts (published by an older version)."""
    frame = run_query(
        "select table_name from information_schema.tables where list_contains(?, table_name)",
        [list(names)],
    )
    present = set(frame["table_name"])
    return [name for name in names if name not in present]


def flow_periods(
    metric: str,
    value_stream_ids: Sequence[str],
    grain: str,
    slice_name: str,
    first_day: date,
    last_day: date,
) -> pd.DataFrame:
    """Rows of one flow metric mart for the streams, grain and slice (value stream, team or
    flow item type) whose period starts between first_day and last_day (inclusive)."""
    if metric not in FLOW_MARTS or grain not in GRAINS or slice_name not in FLOW_SLICES:
        raise ValueError(f"unknown metric, grain or slice: {metric!r}, {grain!r}, {slice_name!r}")
    return _mart_periods(
        FLOW_MARTS[metric], value_stream_ids, grain, slice_name, first_day, last_day
    )


def flow_headline(
    value_stream_ids: Sequence[str], first_week: date, last_week: date
) -> pd.DataFrame:
    """Per stream, the flow metrics over the picked weeks, recomputed from the work items
    completed in them (by completion, stream timezone; canceled and non-flow items left
    out): items completed, flow time median/p85/p95, time-weighted efficiency; the mean
    end-of-day flow load over the measured days of the weeks; the flow items it has at all
    and those in flight now."""
    local_week = "cast(date_trunc('week', " + _LOCAL.format(column="w.completed_at") + ") as date)"
    frame = run_query(
        f"""
        with
        completed as (
            select w.value_stream_id, count(*) as items_completed,
                quantile_cont(w.flow_time_s, 0.5) as flow_time_median_s,
                quantile_cont(w.flow_time_s, 0.85) as flow_time_p85_s,
                quantile_cont(w.flow_time_s, 0.95) as flow_time_p95_s,
                sum(w.active_time_s) as active_s, sum(w.flow_time_s) as flow_s
            from fct_work_items as w
            join dim_value_streams as vs on vs.value_stream_id = w.value_stream_id
            where w.is_flow_item and not w.is_canceled and w.completed_at is not null
              and list_contains(?, w.value_stream_id)
              and {local_week} between ? and ?
            group by w.value_stream_id
        ),
        items as (
            select value_stream_id, count(*) as flow_items,
                count(*) filter (where flow_state in ('active', 'waiting')) as in_flight_now
            from fct_work_items
            where is_flow_item and not is_canceled and list_contains(?, value_stream_id)
            group by value_stream_id
        ),
        load as (
            select value_stream_id,
                sum(flow_load * days_measured) / nullif(sum(days_measured), 0) as flow_load,
                sum(days_measured) as days_measured
            from mart_flow_load
            where grain = 'week' and slice = 'value_stream'
              and list_contains(?, value_stream_id) and period_start between ? and ?
            group by value_stream_id
        )
        select vs.value_stream_id, vs.value_stream_name,
            coalesce(i.flow_items, 0) as flow_items,
            coalesce(i.in_flight_now, 0) as in_flight_now,
            coalesce(c.items_completed, 0) as items_completed,
            c.flow_time_median_s, c.flow_time_p85_s, c.flow_time_p95_s,
            c.active_s / nullif(c.flow_s, 0) as flow_efficiency,
            l.flow_load, coalesce(l.days_measured, 0) as days_measured
        from dim_value_streams as vs
        left join completed as c on c.value_stream_id = vs.value_stream_id
        left join items as i on i.value_stream_id = vs.value_stream_id
        left join load as l on l.value_stream_id = vs.value_stream_id
        where list_contains(?, vs.value_stream_id)
        order by vs.value_stream_name, vs.value_stream_id
        """,
        [
            list(value_stream_ids),
            first_week,
            last_week,
            list(value_stream_ids),
            list(value_stream_ids),
            first_week,
            last_week,
            list(value_stream_ids),
        ],
    )
    for column in ("flow_items", "in_flight_now", "items_completed", "days_measured"):
        frame[column] = frame[column].astype(int)
    return frame


def completed_work_items(
    value_stream_ids: Sequence[str], first_week: date, last_week: date
) -> pd.DataFrame:
    """Every flow item completed in the picked weeks (by completion, stream timezone), with
    its flow time, active time and efficiency: the points of the flow time control chart."""
    local_week = "cast(date_trunc('week', " + _LOCAL.format(column="w.completed_at") + ") as date)"
    frame = run_query(
        f"""
        select w.work_item_key, w.value_stream_id, vs.value_stream_name, w.team_id,
            w.flow_item_type, w.issue_type, w.work_started_at, w.completed_at,
            w.flow_time_s, w.active_time_s, w.flow_efficiency, w.reopen_count
        from fct_work_items as w
        join dim_value_streams as vs on vs.value_stream_id = w.value_stream_id
        where w.is_flow_item and not w.is_canceled and w.completed_at is not null
          and w.flow_time_s is not null
          and list_contains(?, w.value_stream_id)
          and {local_week} between ? and ?
        order by vs.value_stream_name, w.completed_at, w.work_item_key
        """,
        [list(value_stream_ids), first_week, last_week],
    )
    return _as_utc(frame, "work_started_at", "completed_at")


def cumulative_flow(
    value_stream_ids: Sequence[str], first_day: date, last_day: date
) -> pd.DataFrame:
    """Flow items per stream, local day and flow state at the end of each day (the
    cumulative flow diagram), between first_day and last_day."""
    frame = run_query(
        """
        select d.value_stream_id, vs.value_stream_name, d.flow_date, d.flow_state,
            sum(d.items) as items
        from fct_flow_daily as d
        join dim_value_streams as vs on vs.value_stream_id = d.value_stream_id
        where list_contains(?, d.value_stream_id) and d.flow_date between ? and ?
        group by all
        order by vs.value_stream_name, d.flow_date, d.flow_state
        """,
        [list(value_stream_ids), first_day, last_day],
    )
    frame = _as_dates(frame, "flow_date")
    frame["items"] = frame["items"].astype(int)
    return frame


def aging_wip(value_stream_ids: Sequence[str]) -> pd.DataFrame:
    """The flow items in flight now with their age and the service level expectation
    (p50/p85/p95 flow time of the last 90 days) of their stream, oldest first."""
    frame = run_query(
        """
        select work_item_key, value_stream_id, value_stream_name, team_id, flow_item_type,
            issue_type, status_name, flow_state, is_flagged, work_started_at, age_s,
            sle_items, sle_p50_s, sle_p85_s, sle_p95_s, age_band, as_of
        from mart_flow_aging_wip
        where list_contains(?, value_stream_id)
        order by value_stream_name, age_s desc, work_item_key
        """,
        [list(value_stream_ids)],
    )
    return _as_utc(frame, "work_started_at", "as_of")


def flow_forecast(value_stream_ids: Sequence[str]) -> pd.DataFrame:
    """The Monte Carlo forecast rows of the streams (both questions, every confidence)."""
    frame = run_query(
        """
        select f.*, vs.value_stream_name
        from mart_flow_forecast as f
        join dim_value_streams as vs on vs.value_stream_id = f.value_stream_id
        where list_contains(?, f.value_stream_id)
        order by vs.value_stream_name, f.question, f.items, f.target_date, f.confidence
        """,
        [list(value_stream_ids)],
    )
    return _as_dates(frame, "as_of_date", "target_date", "history_start", "history_end")


# ---------------------------------------------------------------------------------------
# Value stream map (metrics.md 4): the work map and the delivery map per period.


def vsm_summaries(
    map_name: str, value_stream_ids: Sequence[str], grain: str, first_day: date, last_day: date
) -> pd.DataFrame:
    """The map's summary rows (one per stream and period with stages) in the range."""
    if map_name not in VSM_MARTS or grain not in GRAINS:
        raise ValueError(f"unknown map or grain: {map_name!r}, {grain!r}")
    frame = run_query(
        f"""
        select s.*, vs.value_stream_name
        from {VSM_MARTS[map_name][1]} as s
        join dim_value_streams as vs on vs.value_stream_id = s.value_stream_id
        where s.grain = ? and list_contains(?, s.value_stream_id)
          and s.period_start between ? and ?
        order by vs.value_stream_name, s.period_start
        """,
        [grain, list(value_stream_ids), first_day, last_day],
    )
    return _as_dates(frame, "period_start")


def vsm_stages(map_name: str, value_stream_id: str, grain: str, period_start: date) -> pd.DataFrame:
    """The stages of one stream's map in one period, left to right."""
    if map_name not in VSM_MARTS or grain not in GRAINS:
        raise ValueError(f"unknown map or grain: {map_name!r}, {grain!r}")
    frame = run_query(
        f"""
        select stage_name, stage_order, items, lt_median_s, lt_sum_s, pt_median_s, pt_sum_s,
            wait_median_s, wait_sum_s, pct_complete_accurate
        from {VSM_MARTS[map_name][0]}
        where value_stream_id = ? and grain = ? and period_start = ?
        order by stage_order, stage_name
        """,
        [value_stream_id, grain, period_start],
    )
    frame["items"] = frame["items"].astype(int)
    return frame
