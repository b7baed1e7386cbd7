"""The dashboards in a real browser: `streamlit run` against the hand-built marts, driven by
Debian's Chromium through Playwright. Screenshots go to `VSM_SCREENSHOT_DIR` (default
tests/dashboards/screenshots, ignored by git)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = REPO_ROOT / "dashboards" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 60
CONTENT_TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"streamlit did not listen on port {port} within {STARTUP_SECONDS}s")


def stop_process_group(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def screenshot_dir() -> Path:
    directory = Path(
        os.environ.get("VSM_SCREENSHOT_DIR", REPO_ROOT / "tests" / "dashboards" / "screenshots")
    )
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def dashboard_url(marts_file: Path, tmp_path: Path) -> Iterator[str]:
    """`streamlit run dashboards/app.py` on a free port, in its own process group."""
    port = free_port()
    log = tmp_path / "streamlit.log"
    env = {**os.environ, "VSM_MARTS": str(marts_file), "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(APP),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process_group(process)


def assert_non_trivial(path: Path) -> None:
    """A rendered page, not a blank or a spinner: big enough, and many colours."""
    assert path.stat().st_size > 30_000, f"{path} is only {path.stat().st_size} bytes"
    with Image.open(path) as image:
        width, height = image.size
        assert width >= 1200 and height >= 1000
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 200, f"{path} looks blank"


# `make test` installs Chromium; in CI a missing browser is a failure, not a skip.
@pytest.mark.skipif(
    not CHROMIUM.exists() and os.environ.get("CI") != "true",
    reason=f"Debian's Chromium is not installed at {CHROMIUM} (run `make browser`)",
)
def test_pages_render_in_chromium(dashboard_url: str, screenshot_dir: Path, expected) -> None:
    from playwright.sync_api import expect, sync_playwright

    payments = expected.streams["payments"]
    storefront = expected.streams["storefront"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # Streamlit scrolls inside its main container, so a full-page screenshot is
            # only the viewport: make the viewport tall enough for the whole page.
            page = browser.new_page(viewport={"width": 1400, "height": 2600})

            page.goto(f"{dashboard_url}/dora")
            main = page.get_by_test_id("stMain")
            expect(main.get_by_text("DORA metrics", exact=True)).to_be_visible(
                timeout=CONTENT_TIMEOUT_MS
            )
            expect(main.get_by_text(payments.band_per_week)).to_be_visible(
                timeout=CONTENT_TIMEOUT_MS
            )
            expect(main.get_by_text(storefront.band_per_week)).to_be_visible()
            expect(main.get_by_text("the mart counts 6")).to_be_visible()
            expect(main.get_by_text("Change failure rate").first).to_be_visible()
            expect(main.get_by_text("15.8 %")).to_be_visible()
            # Vega renders the open tab's charts (one per stream) at least.
            charts = page.locator(".vega-embed canvas, .vega-embed svg")
            expect(charts.first).to_be_visible(timeout=CONTENT_TIMEOUT_MS)
            assert charts.count() >= 2
            expect(page.get_by_test_id("stException")).to_have_count(0)
            page.wait_for_timeout(1000)  # let the charts finish their first paint
            dora_shot = screenshot_dir / "dora.png"
            page.screenshot(path=str(dora_shot), full_page=True)
            assert_non_trivial(dora_shot)

            page.goto(dashboard_url)
            main = page.get_by_test_id("stMain")
            expect(main.get_by_text("Data freshness")).to_be_visible(timeout=CONTENT_TIMEOUT_MS)
            expect(main.get_by_text(expected.latest_finished, exact=True)).to_be_visible()
            expect(main.get_by_text(payments.per_week, exact=True)).to_be_visible()
            expect(page.get_by_test_id("stException")).to_have_count(0)
            overview_shot = screenshot_dir / "overview.png"
            page.screenshot(path=str(overview_shot), full_page=True)
            assert_non_trivial(overview_shot)

            # Flow: the trends' open tab (velocity), the control chart, the cumulative flow,
            # aging WIP and the forecast: five charts drawn (the other tabs' wait for a click).
            page.set_viewport_size({"width": 1400, "height": 4200})
            page.goto(f"{dashboard_url}/flow")
            main = page.get_by_test_id("stMain")
            expect(main.get_by_text("Flow metrics", exact=True)).to_be_visible(
                timeout=CONTENT_TIMEOUT_MS
            )
            expect(main.get_by_text("28.1 %")).to_be_visible(timeout=CONTENT_TIMEOUT_MS)
            expect(main.get_by_text("6 items: median 2.5 d, p85 7.5 d, p95 8.5 d.")).to_be_visible()
            expect(main.get_by_text("10,000 trials (seed 20260101)", exact=False)).to_be_visible()
            charts = page.locator(".vega-embed canvas, .vega-embed svg")
            expect(charts.nth(4)).to_be_visible(timeout=CONTENT_TIMEOUT_MS)
            expect(page.get_by_test_id("stException")).to_have_count(0)
            page.wait_for_timeout(1000)
            flow_shot = screenshot_dir / "flow.png"
            page.screenshot(path=str(flow_shot), full_page=True)
            assert_non_trivial(flow_shot)

            # Value stream map: both maps of the latest week, a map and a timeline each.
            page.set_viewport_size({"width": 1400, "height": 2000})
            page.goto(f"{dashboard_url}/value_stream_map")
            main = page.get_by_test_id("stMain")
            expect(main.get_by_text("Value stream map", exact=True)).to_be_visible(
                timeout=CONTENT_TIMEOUT_MS
            )
            expect(main.get_by_text("Ready for Review").first).to_be_visible(
                timeout=CONTENT_TIMEOUT_MS
            )
            expect(main.get_by_text("81.8 %")).to_be_visible()
            charts = page.locator(".vega-embed canvas, .vega-embed svg")
            expect(charts.nth(3)).to_be_visible(timeout=CONTENT_TIMEOUT_MS)
            expect(page.get_by_test_id("stException")).to_have_count(0)
            page.wait_for_timeout(1000)
            vsm_shot = screenshot_dir / "value_stream_map.png"
            page.screenshot(path=str(vsm_shot), full_page=True)
            assert_non_trivial(vsm_shot)
        finally:
            browser.close()
