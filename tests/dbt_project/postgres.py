"""A throwaway PostgreSQL server for the dbt project's cross-database test.

The server binaries come from the system (Debian's `postgresql`, which `make setup`
installs when missing). PostgreSQL refuses to run as root, so under root the server runs
as the `postgres` account the package creates, in a folder of its own under /tmp (the test
runner's own temporary folders are closed to other accounts).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2

USER = "valuestream"
DATABASE = "valuestream"


def server_binaries() -> Path:
    """The folder holding initdb and pg_ctl (the newest installed version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError(
        "PostgreSQL's server is not installed (initdb not found): `make setup` installs "
        "Debian's postgresql package"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[dict[str, str]]:
    """Start a server with an empty database; yields the VSM_POSTGRES_* settings of the
    dbt profile's `postgres` target. The server and its files are removed afterwards."""
    binaries = server_binaries()
    as_server: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="vsm-postgres-"))
    if os.geteuid() == 0:
        as_server = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, user="postgres")
    data, port = folder / "data", _free_port()
    try:
        subprocess.run(
            [*as_server, str(binaries / "initdb"), "-D", str(data), "-U", USER]
            + ["--auth=trust", "--encoding=UTF8", "--no-sync"],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*as_server, str(binaries / "pg_ctl"), "-D", str(data), "-o", options]
            + ["-l", str(folder / "server.log"), "-w", "start"],
            check=True,
            capture_output=True,
        )
        try:
            con = psycopg2.connect(host="127.0.0.1", port=port, user=USER, dbname="postgres")
            try:
                con.autocommit = True
                con.cursor().execute(f"create database {DATABASE}")
            finally:
                con.close()
            yield {
                "VSM_POSTGRES_HOST": "127.0.0.1",
                "VSM_POSTGRES_PORT": str(port),
                "VSM_POSTGRES_USER": USER,
                "VSM_POSTGRES_PASSWORD": "",
                "VSM_POSTGRES_DATABASE": DATABASE,
            }
        finally:
            subprocess.run(
                [*as_server, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate"]
                + ["stop"],
                capture_output=True,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _connect(settings: dict[str, str]) -> psycopg2.extensions.connection:
    return psycopg2.connect(
        host=settings["VSM_POSTGRES_HOST"],
        port=int(settings["VSM_POSTGRES_PORT"]),
        user=settings["VSM_POSTGRES_USER"],
        dbname=settings["VSM_POSTGRES_DATABASE"],
    )


def run_sql(settings: dict[str, str], sql: str) -> None:
    """Run `sql` (several statements) in the server's database."""
    con = _connect(settings)
    try:
        con.autocommit = True
        con.cursor().execute(sql)
    finally:
        con.close()


def fetch(settings: dict[str, str], sql: str) -> list[tuple]:
    """The rows of `sql` in the server's database."""
    con = _connect(settings)
    try:
        with con.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    finally:
        con.close()
