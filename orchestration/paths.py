"""Where Valuestream keeps its files: every path derives from VSM_HOME and VSM_CONFIG."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ingestion import pipelines

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DAGSTER_YAML = PROJECT_ROOT / "dagster.yaml"

# Telemetry of every tool we ship stays off, whatever entry point imports us first.
TELEMETRY_OFF = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
}


def disable_telemetry() -> None:
    """Turn off usage reporting of dbt, dlt, Dagster and Streamlit in this process."""
    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")


def vsm_home() -> Path:
    """The data folder (`VSM_HOME`, default `./.vsm`) as an absolute path, created when
    missing; the rule itself lives with the pipelines (`ingestion.pipelines.vsm_home`)."""
    home = pipelines.vsm_home().expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def warehouse_path() -> Path:
    """The DuckDB warehouse that dlt and dbt write (`VSM_WAREHOUSE` overrides), absolute."""
    vsm_home()
    return pipelines.warehouse_path().expanduser().resolve()


def marts_path() -> Path:
    """The published, read-only copy of the marts (`VSM_MARTS` overrides)."""
    override = os.environ.get("VSM_MARTS")
    return Path(override).expanduser().resolve() if override else vsm_home() / "marts.duckdb"


def config_path(explicit: str | Path | None = None) -> Path:
    """The config file: an explicit path, else `VSM_CONFIG`, else `./valuestream.yml`."""
    chosen = explicit or os.environ.get("VSM_CONFIG") or "valuestream.yml"
    return Path(chosen).expanduser().resolve()


def dagster_home() -> Path:
    """Dagster's instance folder under VSM_HOME, holding a copy of the project's dagster.yaml."""
    home = vsm_home() / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists() or target.read_bytes() != DAGSTER_YAML.read_bytes():
        shutil.copyfile(DAGSTER_YAML, target)
    return home


def export_environment(config: str | Path | None = None) -> dict[str, str]:
    """Pin every path in the environment so child processes (dbt, Dagster) agree with us."""
    disable_telemetry()
    values = {
        "VSM_HOME": str(vsm_home()),
        "VSM_WAREHOUSE": str(warehouse_path()),
        "VSM_MARTS": str(marts_path()),
        "VSM_CONFIG": str(config_path(config)),
        "DAGSTER_HOME": str(dagster_home()),
    }
    os.environ.update(values)
    return values
