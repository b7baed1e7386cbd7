"""A dashboard-like reader, run in its own process by the end-to-end tests (spawned
processes import their target by module name, so it cannot live in a conftest)."""

from __future__ import annotations

import multiprocessing as mp
import time

import duckdb


def read_marts_in_a_loop(path: str, stop, queue: mp.Queue) -> None:
    reads, errors = 0, []
    while not stop.is_set():
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                con.execute("select count(*) from mart_dora_deployment_frequency").fetchone()
            finally:
                con.close()
            reads += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.01)
    queue.put((reads, errors))
