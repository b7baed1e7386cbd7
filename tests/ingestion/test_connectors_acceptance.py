"""Acceptance of the GitHub, Jira and PagerDuty connectors (issue 4) against the sandbox's
`small` tier, through the real code path: the `*_pipeline()` builders and the
`*_source_from_config` functions of `ingestion.pipelines`, into a temporary DuckDB
warehouse, with URLs and credentials from `SandboxServer.environment()`.

For each tool:

1. faults (10% 5xx answers, rate-limit answers with Retry-After, one truncated page, one
   answer slower than the client's read timeout) leave exactly the warehouse of a clean load
   (every raw table's rows, `_dlt_*` columns and tables left out) and an empty quarantine;
2. a malformed record lands in `quarantine` with its id and the reason, every other record
   of its page is loaded, and the next clean run makes the warehouse equal a clean load's;
3. a run that fails halfway (an outage beyond the retries during the first load, a token
   revoked in the middle of an incremental run) loses nothing already loaded, and the next
   run resumes: the warehouse equals a clean load's.

The "clean load" is a full load of the same sandbox at the same clock, into its own
warehouse, made once per tool.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.config import VsmConfig, load_config
from ingestion.pipelines import (
    GITHUB_DATASET,
    JIRA_DATASET,
    PAGERDUTY_DATASET,
    github_pipeline,
    github_source_from_config,
    jira_pipeline,
    jira_source_from_config,
    pagerduty_pipeline,
    pagerduty_source_from_config,
    source_failure,
)
from ingestion.sandbox import Budget, Faults, SandboxServer, generate_organisation
from ingestion.sandbox.github_api import Response
from ingestion.sandbox.knobs import ToolFront

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, tzinfo=UTC)
START = NOW - timedelta(days=1)

# dlt's retrying session, small enough for a fast module: a read timeout of 1 s (the slow
# answers take 1.5 s), short exponential back-off, and a longest wait (2 s) above the
# Retry-After the budget sends (1 s), so Retry-After is honoured in full.
RUNTIME = {
    "RUNTIME__REQUEST_TIMEOUT": "1.0",
    "RUNTIME__REQUEST_MAX_ATTEMPTS": "12",
    "RUNTIME__REQUEST_BACKOFF_FACTOR": "0.02",
    "RUNTIME__REQUEST_MAX_RETRY_DELAY": "2",
}
SLOW_SECONDS = 1.5
ERROR_RATE = 0.1

SEARCH = "/rest/api/3/search/jql"
DEPLOYMENTS = "/repos/{owner}/{repo}/deployments"
RELEASES = "/repos/{owner}/{repo}/releases"
INCIDENTS = "/incidents"
LOG_ENTRIES = "/incidents/{id}/log_entries"


@dataclass(frozen=True)
class Tool:
    name: str
    dataset: str
    pipeline: Callable[..., Any]
    source: Callable[[VsmConfig], Any]
    token_setting: str
    # The list endpoint whose first answers get the deterministic faults (a timeout, a cut
    # body, a 5xx): it is asked at the very start of a run, before any rate limit.
    first_list: str
    # Share of answers slower than the read timeout (besides the deterministic one).
    slow_rate: float
    # endpoint -> n: the n-th answer of that endpoint carries a malformed record.
    malformed: dict[str, int]


TOOLS = {
    "github": Tool(
        name="github",
        dataset=GITHUB_DATASET,
        pipeline=github_pipeline,
        source=github_source_from_config,
        token_setting="SOURCES__GITHUB__ACCESS_TOKEN",
        first_list=DEPLOYMENTS,
        slow_rate=0.002,
        # (commits come through GraphQL, many repositories per query)
        malformed={DEPLOYMENTS: 1, RELEASES: 2},
    ),
    "jira": Tool(
        name="jira",
        dataset=JIRA_DATASET,
        pipeline=jira_pipeline,
        source=jira_source_from_config,
        token_setting="SOURCES__JIRA__API_TOKEN",
        first_list=SEARCH,
        slow_rate=0.02,
        malformed={SEARCH: 2},
    ),
    "pagerduty": Tool(
        name="pagerduty",
        dataset=PAGERDUTY_DATASET,
        pipeline=pagerduty_pipeline,
        source=pagerduty_source_from_config,
        token_setting="SOURCES__PAGERDUTY__API_TOKEN",
        first_list=INCIDENTS,
        slow_rate=0.01,
        malformed={INCIDENTS: 1, LOG_ENTRIES: 7},
    ),
}

# Where the records of a malformed page land: endpoint -> (table, field = column naming them).
ENTITIES = {
    DEPLOYMENTS: ("deployments", "id"),
    RELEASES: ("releases", "id"),
    SEARCH: ("issues", "key"),
    INCIDENTS: ("incidents", "id"),
    LOG_ENTRIES: ("log_entries", "id"),
}


def tools_with() -> list[Any]:
    return [pytest.param(name) for name in TOOLS]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def org():
    return generate_organisation(tier="small", seed=7, now=NOW)


@pytest.fixture(scope="module")
def server(org):
    with SandboxServer(org, host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture(scope="module")
def env(server):
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**server.environment(), **RUNTIME}.items():
            patch.setenv(name, value)
        yield patch


@pytest.fixture(scope="module")
def config() -> VsmConfig:
    return load_config(ROOT / "valuestream.yml")


@pytest.fixture
def sandbox(server, env):
    """The server at NOW, without faults or budget, counters reset; the same afterwards."""

    def reset() -> None:
        server.faults = None
        server.budget = None
        server.clock = NOW
        server.reset_counts()

    reset()
    yield server
    reset()


@dataclass(frozen=True)
class Clean:
    snapshot: dict[str, Table]
    requests: dict[str, int]
    seconds: float = 1.0

    @property
    def total(self) -> int:
        return sum(self.requests.values())


@pytest.fixture(scope="module")
def clean(server, env, config, tmp_path_factory) -> Callable[[str], Clean]:
    """A clean full load of a tool at NOW (made once per tool, on first use)."""
    cache: dict[str, Clean] = {}

    def get(name: str) -> Clean:
        if name not in cache:
            server.faults = server.budget = None
            server.clock = NOW
            server.reset_counts()
            base = tmp_path_factory.mktemp(f"clean-{name}")
            started = time.monotonic()
            load(TOOLS[name], config, base)
            cache[name] = Clean(
                snapshot(base, TOOLS[name].dataset),
                dict(server.fronts[name].request_counts),
                time.monotonic() - started,
            )
        return cache[name]

    return get


# --------------------------------------------------------------------------- loading, comparing


def load(tool: Tool, config: VsmConfig, base: Path) -> None:
    pipeline = tool.pipeline(base / "warehouse.duckdb", base / "dlt")
    pipeline.run(tool.source(config)).raise_on_failed_jobs()


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: Counter[str]  # each row's repr, with its multiplicity


def snapshot(base: Path, dataset: str) -> dict[str, Table]:
    """Every table of `dataset` but dlt's own, without the `_dlt_*` columns: columns by
    name, rows as a multiset (their order and load ids do not matter)."""
    warehouse = base / "warehouse.duckdb"
    if not warehouse.exists():
        return {}
    tables: dict[str, Table] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and not starts_with(table_name, '_dlt')",
            [dataset],
        ).fetchall()
        for (name,) in names:
            columns = tuple(
                sorted(
                    column
                    for (column,) in con.execute(
                        "select column_name from information_schema.columns "
                        "where table_schema = ? and table_name = ?",
                        [dataset, name],
                    ).fetchall()
                    if not column.startswith("_dlt")
                )
            )
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'select {listed} from "{dataset}"."{name}"').fetchall()
            tables[name] = Table(columns, Counter(repr(row) for row in rows))
    return tables


def differences(
    got: dict[str, Table], expected: dict[str, Table], skip: tuple[str, ...] = ()
) -> list[str]:
    """What differs between two snapshots, one line per table (empty when equal)."""
    problems = []
    for name in sorted((set(got) | set(expected)) - set(skip)):
        if name not in got or name not in expected:
            problems.append(f"{name}: only in the {'expected' if name in expected else 'got'}")
            continue
        mine, theirs = got[name], expected[name]
        if mine.columns != theirs.columns:
            problems.append(f"{name}: columns {mine.columns} != {theirs.columns}")
            continue
        missing, extra = theirs.rows - mine.rows, mine.rows - theirs.rows
        if missing or extra:
            problems.append(
                f"{name}: {sum(missing.values())} rows missing (e.g. {_first(missing)}), "
                f"{sum(extra.values())} rows not in the clean load (e.g. {_first(extra)})"
            )
    return problems


def _first(rows: Counter[str]) -> str | None:
    return next(iter(sorted(rows)), None)


def quarantine(base: Path, dataset: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(base / "warehouse.duckdb"), read_only=True) as con:
        cursor = con.execute(
            f"select source, entity, record_id, position, reason, raw_payload "
            f"from {dataset}.quarantine"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def values(base: Path, dataset: str, table: str, column: str) -> set[str]:
    with duckdb.connect(str(base / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(f'select "{column}" from {dataset}.{table}').fetchall()
    return {str(value) for (value,) in rows}


# --------------------------------------------------------------------------- the faults


class _Ok:
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Any:
        return Response(200, b'{"values":[{"id":"1"},{"id":"2"}]}', [])


def outcomes(faults: Faults, tool: str, endpoint: str, count: int) -> list[str]:
    """What the first `count` answers of `endpoint` will be under `faults` (the knobs are
    deterministic in (seed, tool, endpoint, n)): `error`, `slow`, `truncated` or `ok`."""
    slept: list[float] = []
    front = ToolFront(tool, _Ok(), lambda path: endpoint, faults=faults, sleep=slept.append)
    seen = []
    for _ in range(count):
        before_slow, before = len(slept), front.faults_injected.get("truncated", 0)
        answer = front.handle("GET", "/probe", {})
        if answer.status >= 500:
            seen.append("error")
        elif len(slept) > before_slow:
            seen.append("slow")
        elif front.faults_injected.get("truncated", 0) > before:
            seen.append("truncated")
        else:
            seen.append("ok")
    return seen


def faults_for(tool: Tool) -> Faults:
    """10% 5xx and some slow answers at random; and, deterministically, the first answer of
    the tool's first list endpoint too slow (a read timeout), the second cut in half, the
    third a 5xx, the fourth good."""
    for seed in range(200_000):
        faults = Faults(
            seed=seed,
            error_rate=ERROR_RATE,
            slow_rate=tool.slow_rate,
            slow_seconds=SLOW_SECONDS,
            truncate={tool.first_list: 2},
            tools=(tool.name,),
        )
        if outcomes(faults, tool.name, tool.first_list, 4) == ["slow", "truncated", "error", "ok"]:
            return faults
    raise AssertionError("no seed gives the wanted sequence of faults")


@contextmanager
def knobs(server: SandboxServer, faults: Faults | None, budget: Budget | None) -> Iterator[None]:
    server.faults, server.budget = faults, budget
    try:
        yield
    finally:
        server.faults = server.budget = None


class Recorder:
    """Keeps, for chosen (endpoint, n), the body the tool's API answered and the body the
    knobs served (with a malformed record)."""

    def __init__(self, front: ToolFront, wanted: dict[str, int]) -> None:
        self.front = front
        self.api = front.api
        self.handle = front.handle
        self.wanted = wanted
        self.answered: dict[str, bytes] = {}
        self.served: dict[str, bytes] = {}

    def _hit(self, target: str) -> str | None:
        endpoint = self.front.route(target.split("?", 1)[0].rstrip("/") or "/")
        wanted = self.wanted.get(endpoint)
        return endpoint if wanted == self.front.request_counts.get(endpoint) else None

    def api_handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> Any:
        answer = self.api.handle(method, target, headers, body)
        endpoint = self._hit(target)
        if endpoint is not None:
            self.answered[endpoint] = answer.body
        return answer

    def front_handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> Any:
        answer = self.handle(method, target, headers, body)
        endpoint = self._hit(target)
        if endpoint is not None:
            self.served[endpoint] = answer.body
        return answer

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        api = type("RecordedApi", (), {"handle": staticmethod(self.api_handle)})()
        monkeypatch.setattr(self.front, "api", api)
        monkeypatch.setattr(self.front, "handle", self.front_handle)


def first_records(body: bytes) -> list[dict[str, Any]]:
    """The page's records: the first list of objects in the document, breadth first (where
    the knobs put a malformed record)."""
    queue: list[Any] = [json.loads(body)]
    while queue:
        item = queue.pop(0)
        if isinstance(item, list):
            if item and all(isinstance(x, dict) for x in item):
                return item
            queue.extend(item)
        elif isinstance(item, dict):
            queue.extend(item.values())
    raise AssertionError("no records in the page")


class Interrupt:
    """The tool's API as seen after `after` requests: every request refused with a 503
    (an outage beyond the retries) or answered 401 (the token was revoked)."""

    def __init__(self, api: Any, after: int, kind: str) -> None:
        self.api, self.after, self.kind = api, after, kind
        self.seen = 0
        self.refused = 0
        self._lock = threading.Lock()

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Any:
        with self._lock:
            self.seen += 1
            cut = self.seen > self.after
            self.refused += cut
        if cut and self.kind == "outage":
            return Response(503, b'{"message":"Service Unavailable"}', [])
        if cut:
            headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            headers["Authorization"] = "Bearer revoked-token"
        return self.api.handle(method, target, headers, body)


# --------------------------------------------------------------------------- 1. faults


@pytest.mark.parametrize("name", tools_with())
def test_faults_leave_the_warehouse_of_a_clean_load(name, sandbox, clean, config, tmp_path):
    tool = TOOLS[name]
    reference = clean(name)
    assert tool.first_list in reference.requests
    faults = faults_for(tool)
    sandbox.reset_counts()
    started = time.monotonic()
    # A rate limit the load reaches several times: a 429 with Retry-After: 1 each time. A
    # fifth of the load per second, or half its clean pace when the load takes longer than
    # a few seconds (else a second's budget would never run out).
    pace = int(reference.total / max(reference.seconds, 1.0) / 2)
    budget = Budget(
        requests=max(10, min(reference.total // 5, pace)), window_seconds=1.0, github_status=429
    )
    with knobs(sandbox, faults, budget):
        load(tool, config, tmp_path)
    seconds = time.monotonic() - started
    front = sandbox.fronts[name]
    injected = dict(front.faults_injected)
    asked = sum(front.request_counts.values())

    assert injected.get("truncated") == 1
    assert injected.get("slow", 0) >= 1  # each one a read timeout, asked again
    assert injected.get("error", 0) >= 1
    # Every fault and every rate-limit answer costs one more request, and nothing else does:
    # the requests beyond the clean load's are the faults plus the 429s.
    rate_limited = asked - reference.total - sum(injected.values())
    assert rate_limited >= 1, (asked, reference.total, injected)

    got = snapshot(tmp_path, tool.dataset)
    assert differences(got, reference.snapshot) == []
    assert not sum(got.get("quarantine", Table((), Counter())).rows.values())
    print(f"{name}: {seconds:.1f} s, {asked} requests, faults {injected}, 429s {rate_limited}")


# --------------------------------------------------------------------------- 2. quarantine


@pytest.mark.parametrize("name", tools_with())
def test_malformed_record_is_quarantined_and_the_next_run_makes_it_whole(
    name, sandbox, clean, config, tmp_path, monkeypatch
):
    tool = TOOLS[name]
    reference = clean(name)
    sandbox.reset_counts()
    recorder = Recorder(sandbox.fronts[name], tool.malformed)
    recorder.install(monkeypatch)
    with knobs(sandbox, Faults(seed=11, malformed=tool.malformed, tools=(name,)), None):
        load(tool, config, tmp_path)
    assert sandbox.fronts[name].faults_injected == {"malformed": len(tool.malformed)}
    monkeypatch.undo()

    held = quarantine(tmp_path, tool.dataset)
    assert len(held) == len(tool.malformed), held
    bad_ids = set()
    for endpoint in tool.malformed:
        table, field = ENTITIES[endpoint]
        answered = first_records(recorder.answered[endpoint])
        served = first_records(recorder.served[endpoint])
        changed = [i for i, (a, b) in enumerate(zip(answered, served, strict=True)) if a != b]
        assert len(changed) == 1
        bad, broken = answered[changed[0]], served[changed[0]]
        broken_field = next(k for k in bad if bad.get(k) != broken.get(k))
        ids = {str(bad[k]) for k in ("id", "key", "sha") if k in bad}
        # A log entry's incident is loaded with what its other entries say, and read again
        # (whole) by the next run.
        parents = {str(v["id"]) for k, v in bad.items() if k == "incident" and "id" in v}
        bad_ids |= ids | parents
        # In quarantine with its id (or key) and a reason naming the field.
        rows = [q for q in held if q["entity"] == table and q["record_id"] in ids]
        assert len(rows) == 1, (table, ids, held)
        row = rows[0]
        assert row["source"] == name
        assert broken_field in row["reason"], row["reason"]
        assert row["position"]
        assert json.loads(row["raw_payload"]).get(field) == broken.get(field)
        # Every other record of the page is loaded, and the bad one is not.
        loaded = values(tmp_path, tool.dataset, table, field)
        others = {str(r[field]) for i, r in enumerate(answered) if i != changed[0]}
        assert others <= loaded
        assert str(bad[field]) not in loaded

    # What differs from a clean load belongs to the quarantined records (or their parents).
    got = snapshot(tmp_path, tool.dataset)
    mention = re.compile(
        "|".join(rf"(?<![\w-]){re.escape(i)}(?![\w-])" for i in sorted(bad_ids, key=len)[::-1])
    )
    for table, expected in reference.snapshot.items():
        if table == "quarantine":
            continue
        missing = expected.rows - got[table].rows
        extra = got[table].rows - expected.rows
        assert all(mention.search(row) for row in extra), (table, _first(extra))
        assert all(mention.search(row) for row in missing), (table, _first(missing))

    # The next clean run asks for them again: the warehouse equals a clean load's.
    sandbox.reset_counts()
    load(tool, config, tmp_path)
    assert differences(snapshot(tmp_path, tool.dataset), reference.snapshot, ("quarantine",)) == []


# --------------------------------------------------------------------------- 3. failing halfway


def _interrupted(
    server: SandboxServer,
    tool: Tool,
    config: VsmConfig,
    base: Path,
    monkeypatch: pytest.MonkeyPatch,
    after: int,
    kind: str,
) -> tuple[PipelineStepFailed, Interrupt]:
    front = server.fronts[tool.name]
    interrupt = Interrupt(front.api, after, kind)
    with monkeypatch.context() as patch:
        patch.setattr(front, "api", interrupt)
        if kind == "outage":
            patch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "3")
        with pytest.raises(PipelineStepFailed) as failed:
            load(tool, config, base)
    assert interrupt.refused >= 1
    return failed.value, interrupt


@pytest.mark.parametrize("name", tools_with())
def test_a_run_failing_halfway_loses_nothing_and_the_next_resumes(
    name, sandbox, clean, config, tmp_path, monkeypatch
):
    tool = TOOLS[name]
    reference = clean(name)

    base = tmp_path / "run"

    # The first full load breaks off halfway: an outage outlasting the retries.
    sandbox.clock = START
    _interrupted(sandbox, tool, config, base, monkeypatch, reference.total // 2, "outage")
    assert not any(sum(t.rows.values()) for t in snapshot(base, tool.dataset).values())

    # The next run loads the day before NOW in full.
    load(tool, config, base)
    before = snapshot(base, tool.dataset)
    assert sum(sum(t.rows.values()) for t in before.values()) > 0

    # How many requests the incremental run a day later makes (on a copy of the warehouse
    # and the pipeline's state).
    shutil.copytree(base, tmp_path / "probe")
    sandbox.clock = NOW
    sandbox.reset_counts()
    with monkeypatch.context() as patch:
        # No retry may count as a request of its own: on a loaded machine an answer can
        # outlast the module's 1 s read timeout, and a retried request made the revoked run
        # below stop after the run's last request (so it did not fail at all).
        patch.setenv("RUNTIME__REQUEST_TIMEOUT", "60")
        load(tool, config, tmp_path / "probe")
    incremental = sum(sandbox.fronts[name].request_counts.values())
    # (GitHub's day here, a Sunday with nothing new, is one GraphQL probe: its change-check
    # asks no REST list, so the token goes at that first request)
    assert incremental >= 1

    # The token is revoked in the middle of that run: it stops with the source's one line,
    # and the warehouse keeps exactly what it had.
    error, _ = _interrupted(sandbox, tool, config, base, monkeypatch, incremental // 2, "revoked")
    line = source_failure(error)
    assert line is not None and "401" in line and tool.token_setting in line, line
    assert differences(snapshot(base, tool.dataset), before) == []

    # The next run resumes from where the last good run stopped: a clean load's warehouse.
    load(tool, config, base)
    assert differences(snapshot(base, tool.dataset), reference.snapshot) == []


# --------------------------------------------------------------------------- the Jira fix's edges


def test_jira_search_starts_no_later_than_a_quarantined_issue():
    """Where the next run's search of a project starts (`jira._read_from`): the cursor,
    the older `updated` of an issue quarantined by the last run, or the whole project
    when that issue had no readable `updated`."""
    from ingestion.sources.jira import _read_from

    cursor, older = "2026-11-20T10:00:00.000+0100", "2026-03-01T08:00:00.000+0100"
    assert _read_from(cursor, False) == cursor
    assert _read_from(cursor, older) == older
    assert _read_from(older, cursor) == older
    assert _read_from(cursor, "") is None
    assert _read_from(None, older) is None
