"""Run the ``refresh`` job from the command line, with a progress display."""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import dagster as dg
from dagster import DagsterEventType
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from orchestration.paths import vsm_home

PROGRESS_EVENTS = {
    DagsterEventType.ASSET_MATERIALIZATION,
    DagsterEventType.STEP_START,
    DagsterEventType.STEP_SUCCESS,
    DagsterEventType.STEP_FAILURE,
}


class WarehouseBusy(RuntimeError):
    """Another refresh holds the warehouse."""


@contextmanager
def warehouse_lock() -> Iterator[None]:
    """One writer at a time: DuckDB allows a single writing process per file."""
    path = vsm_home() / "warehouse.lock"
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WarehouseBusy(
                f"another refresh is writing the warehouse (lock {path}); wait for it to finish"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class RefreshSummary:
    run_id: str
    success: bool
    seconds: float
    materialized: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def run_refresh(
    console: Console | None = None,
    show_progress: bool = True,
    audit: bool = False,
    full_refresh: bool = False,
) -> RefreshSummary:
    """Run the ``refresh`` job once in this process, recorded in the Dagster instance;
    ``audit`` also runs the nightly audit's tests, ``full_refresh`` rebuilds the
    incremental models from the whole history."""
    from dagster._core.utils import make_new_run_id

    from orchestration.assets.transform import refresh_run_config
    from orchestration.definitions import defs

    console = console or Console(stderr=True)
    job = defs.resolve_job_def("refresh")
    total_assets = len(defs.resolve_asset_graph().get_all_asset_keys())
    instance = dg.DagsterInstance.get()
    run_id = make_new_run_id()
    outcome: dict[str, object] = {}

    def execute() -> None:
        try:
            outcome["result"] = job.execute_in_process(
                run_config=refresh_run_config(audit=audit, full_refresh=full_refresh),
                instance=instance,
                run_id=run_id,
                raise_on_error=False,
            )
        except Exception as exc:  # surfaced below, in the caller's thread
            outcome["error"] = exc

    started = time.monotonic()
    with warehouse_lock():
        worker = threading.Thread(target=execute, name="vsm-refresh", daemon=True)
        worker.start()
        materialized: list[str] = []
        failures: list[str] = []
        with Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} assets"),
            TimeElapsedColumn(),
            console=console,
            disable=not show_progress,
            transient=False,
        ) as progress:
            task = progress.add_task("refresh: starting", total=total_assets)
            seen = 0
            while worker.is_alive() or seen == 0:
                worker.join(timeout=0.5)
                records = instance.all_logs(run_id)
                for record in records[seen:]:
                    event = record.dagster_event
                    if event is None or event.event_type not in PROGRESS_EVENTS:
                        continue
                    if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                        key = event.asset_key.to_user_string() if event.asset_key else "?"
                        materialized.append(key)
                        progress.update(task, completed=len(materialized), description=key)
                    elif event.event_type == DagsterEventType.STEP_START:
                        progress.update(task, description=f"running {event.step_key}")
                    elif event.event_type == DagsterEventType.STEP_FAILURE:
                        failures.append(f"{event.step_key}: {_failure_text(event)}")
                seen = len(records)
                if not worker.is_alive():
                    break
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    result = outcome["result"]
    return RefreshSummary(
        run_id=run_id,
        success=bool(result.success),  # type: ignore[attr-defined]
        seconds=time.monotonic() - started,
        materialized=materialized,
        failures=failures,
    )


def _failure_text(event: dg.DagsterEvent) -> str:
    data = event.step_failure_data
    if data is None or data.error is None:
        return "failed"
    message = data.error.message.strip().splitlines()
    return message[0] if message else data.error.cls_name or "failed"
