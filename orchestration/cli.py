"""The ``vsm`` command line: check the config, run the pipeline, serve the dashboards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from orchestration.paths import PROJECT_ROOT, config_path, export_environment, marts_path

app = typer.Typer(
    help="Valuestream: value stream management from your delivery tools.",
    no_args_is_help=True,
    add_completion=False,
)
config_app = typer.Typer(help="Check the configuration file.", no_args_is_help=True)
sandbox_app = typer.Typer(help="The simulated organisation used by the demo and the tests.")
app.add_typer(config_app, name="config")
app.add_typer(sandbox_app, name="sandbox")

console = Console(stderr=True, soft_wrap=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="The config file (default: $VSM_CONFIG, else ./valuestream.yml).",
        show_default=False,
    ),
]


def _load_config_or_exit(config: Path | None):  # noqa: ANN202
    from ingestion.config import ConfigError, load_config

    path = config_path(config)
    try:
        return load_config(path)
    except ConfigError as exc:
        for line in exc.errors:
            console.print(line, style="red", markup=False, highlight=False)
        console.print(f"{len(exc.errors)} error(s): the pipeline will not start.", style="red")
        raise typer.Exit(code=2) from exc


@config_app.command("check")
def config_check(config: ConfigOption = None) -> None:
    """Validate the config: print each error (file, key path, expectation) or a summary."""
    loaded = _load_config_or_exit(config)
    typer.echo(loaded.summary())


def _parse_now(now: str | None) -> datetime | None:
    if now is None:
        return None
    parsed = datetime.fromisoformat(now.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


TierOption = Annotated[str, typer.Option(help="small, medium or large.")]
SeedOption = Annotated[int, typer.Option(help="Same seed, same organisation.")]
NowOption = Annotated[
    str | None,
    typer.Option(help="The sandbox clock, ISO 8601 (default: today 00:00 UTC)."),
]


@sandbox_app.command("serve")
def sandbox_serve(
    tier: TierOption = "small",
    seed: SeedOption = 7,
    now: NowOption = None,
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = 0,
) -> None:
    """Serve the sandbox organisation as GitHub REST on 127.0.0.1 until interrupted."""
    from ingestion.sandbox import serve

    serve(tier=tier, seed=seed, now=_parse_now(now), port=port)


@sandbox_app.command("truth")
def sandbox_truth(
    tier: TierOption = "small",
    seed: SeedOption = 7,
    now: NowOption = None,
    format: Annotated[str, typer.Option("--format", help="json or table.")] = "table",
) -> None:
    """Print the sandbox's ground truth: what every metric must come out as."""
    from ingestion.sandbox import generate_organisation, ground_truth

    truth = ground_truth(generate_organisation(tier=tier, seed=seed, now=_parse_now(now)))
    if format == "json":
        typer.echo(truth.to_json())
    elif format == "table":
        typer.echo(truth.to_table())
    else:
        raise typer.BadParameter("expected json or table", param_hint="--format")


@sandbox_app.command("export")
def sandbox_export(
    folder: Annotated[Path, typer.Argument(help="Where to write one JSONL file per record kind.")],
    tier: TierOption = "small",
    seed: SeedOption = 7,
    now: NowOption = None,
) -> None:
    """Write the sandbox's raw records as JSONL (a floor for benchmarks and other tools)."""
    from ingestion.sandbox import generate_organisation, write_jsonl

    counts = write_jsonl(generate_organisation(tier=tier, seed=seed, now=_parse_now(now)), folder)
    for name, rows in sorted(counts.items()):
        typer.echo(f"{rows:>10}  {folder / name}")


@sandbox_app.command("config")
def sandbox_config(
    tier: TierOption = "small",
    seed: SeedOption = 7,
    now: NowOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the file here (default: print it).", show_default=False),
    ] = None,
) -> None:
    """Print (or write) a valuestream.yml describing the sandbox organisation of a tier."""
    from ingestion.config import ConfigError, load_config
    from ingestion.sandbox import generate_organisation
    from ingestion.sandbox.config import render_sandbox_config

    text = render_sandbox_config(generate_organisation(tier=tier, seed=seed, now=_parse_now(now)))
    if out is None:
        typer.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    try:
        loaded = load_config(out)
    except ConfigError as exc:  # a defect of the renderer, reported as the check would
        for line in exc.errors:
            console.print(line, style="red", markup=False, highlight=False)
        raise typer.Exit(code=2) from exc
    console.print(loaded.summary(str(out)), markup=False, highlight=False)


def _refresh_or_exit(audit: bool = False, full_refresh: bool = False) -> None:
    from orchestration.runner import WarehouseBusy, run_refresh

    try:
        summary = run_refresh(console=console, audit=audit, full_refresh=full_refresh)
    except WarehouseBusy as exc:
        console.print(str(exc), style="red")
        raise typer.Exit(code=3) from exc
    if not summary.success:
        for failure in summary.failures:
            console.print(failure, style="red", markup=False, highlight=False)
        console.print(f"refresh failed (run {summary.run_id}); see `vsm ui` for the logs.")
        raise typer.Exit(code=1)
    console.print(
        f"refresh done in {summary.seconds:.1f} s: {len(summary.materialized)} assets; "
        f"marts published to {marts_path()}"
    )


@app.command("run")
def run(
    config: ConfigOption = None,
    audit: Annotated[
        bool,
        typer.Option(
            help="Also check that each incremental model equals a full rebuild, as the "
            "nightly audit does (slower: it rebuilds the whole history)."
        ),
    ] = False,
    full_refresh: Annotated[
        bool,
        typer.Option(
            help="Rebuild the incremental models from the whole history: after a change of "
            "a value stream's timezone or name, or when the audit finds a difference."
        ),
    ] = False,
) -> None:
    """Run one refresh against the configured tools: ingest, transform, publish."""
    _load_config_or_exit(config)
    export_environment(config)
    _refresh_or_exit(audit=audit, full_refresh=full_refresh)


def _dashboards_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "dashboards" / "app.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def _serve_until_interrupted(
    command: list[str], url: str, label: str, cwd: Path | None = None
) -> None:
    process = subprocess.Popen(command, start_new_session=True, cwd=cwd)
    console.print(f"{label}: {url}", style="bold green")

    def _stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # SIGTERM (a service manager, a test) stops the server as Ctrl-C does.
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        while process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)


PortOption = Annotated[int, typer.Option(help="Port on 127.0.0.1.")]


@app.command("dashboards")
def dashboards(config: ConfigOption = None, port: PortOption = 8501) -> None:
    """Serve the Streamlit dashboards over the published marts."""
    export_environment(config)
    _serve_until_interrupted(_dashboards_command(port), f"http://127.0.0.1:{port}", "dashboards")


@app.command("ui")
def ui(config: ConfigOption = None, port: PortOption = 3000) -> None:
    """Open the pipeline in the Dagster UI (assets, lineage, runs, the hourly schedule)."""
    _load_config_or_exit(config)
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "orchestration.definitions",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    # A scripted `dagster dev` ignores SIGINT: it runs in its own process group,
    # which we stop as a whole.
    # From its own instance folder, so the project's dagster.yaml in the working folder
    # is not mistaken for the instance's.
    paths = export_environment(config)
    _serve_until_interrupted(
        command, f"http://127.0.0.1:{port}", "Dagster UI", cwd=Path(paths["DAGSTER_HOME"])
    )


@app.command("demo")
def demo(
    config: ConfigOption = None,
    port: PortOption = 8501,
    seed: SeedOption = 7,
    now: NowOption = None,
    serve: Annotated[bool, typer.Option(help="Serve the dashboards after the refresh.")] = True,
) -> None:
    """Start the sandbox, run one refresh through it, then serve the dashboards."""
    from ingestion.sandbox import SandboxServer, generate_organisation

    _load_config_or_exit(config)
    export_environment(config)
    clock = _parse_now(now) or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    console.print(f"sandbox: generating the small organisation (seed {seed}) ...")
    organisation = generate_organisation(tier="small", seed=seed, now=clock)
    drop = write_sandbox_drop_folder(organisation)
    with SandboxServer(organisation) as sandbox:
        os.environ.update(sandbox.environment())
        os.environ["SOURCES__FILES__FOLDER"] = str(drop)
        os.environ["VSM_AS_OF"] = clock.isoformat()
        console.print(
            f"sandbox: GitHub {sandbox.github_api_url}, Jira {sandbox.jira_url}, "
            f"PagerDuty {sandbox.pagerduty_url}"
        )
        _refresh_or_exit()
    if serve:
        _serve_until_interrupted(
            _dashboards_command(port), f"http://127.0.0.1:{port}", "dashboards"
        )


def write_sandbox_drop_folder(organisation: object) -> Path:
    """The sandbox's files for the files source (environment bookings) in $VSM_HOME/drop."""
    from ingestion.sandbox.jira.generator import write_bookings_csv
    from orchestration.paths import vsm_home

    drop = vsm_home() / "drop"
    write_bookings_csv(organisation.jira, drop / "environment_bookings.csv")  # type: ignore[attr-defined]
    return drop


def main() -> None:
    """Entry point of the ``vsm`` console script."""
    app()


if __name__ == "__main__":
    main()
