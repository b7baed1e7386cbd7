"""A small, hand-built published marts file for the dashboard tests.

Two value streams, weeks of 19 Oct to 23 Nov 2026 (the week of 23 Nov is the one in
progress). Every production deployment is listed below with its finish time; the weekly
mart rows were counted from that list by hand, and so were the expected numbers in
`EXPECTED`.

Payments (UTC), production deployments per week: 3, 2, 4, 3, 6, 1 (19 in all, on 15
distinct days); trailing 12-week averages 3/12, 5/12, 9/12, 12/12, 18/12, 19/12 ->
the last complete week (16 Nov) has 1.50/week, band high. Failed production attempts:
one in the week of 26 Oct, two in the week of 16 Nov.

Storefront (Europe/Berlin): 1, 0, 2, 1 (4 in all, on 4 days); trailing averages 1/12,
1/12, 3/12, 4/12 -> the week of 16 Nov has 0.25/week, band medium. Two of its
deployments finish late on a Sunday in UTC, which is already Monday in Berlin, so they
belong to the next week. One failed production attempt (week of 16 Nov).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

REPOSITORIES = {
    # repository: (value_stream_id, team_id, service)
    "acme/payments-api": ("payments", "checkout", "payments-api"),
    "acme/checkout-web": ("payments", "checkout", "checkout-web"),
    "acme/billing-service": ("payments", "billing", "billing-service"),
    "acme/catalog-api": ("storefront", "catalog", "catalog-api"),
    "acme/storefront-web": ("storefront", "catalog", "storefront-web"),
    "acme/search-service": ("storefront", "search", "search-service"),
}
VALUE_STREAMS = [
    ("payments", "Payments", "UTC"),
    ("storefront", "Storefront", "Europe/Berlin"),
]
TIMEZONES = {stream_id: tz for stream_id, _, tz in VALUE_STREAMS}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (source_id, repository, environment, final_state, finished_at UTC or None, change_count)
DEPLOYMENTS = [
    # Payments, week of 19 Oct: 3 deployments on 2 days (first of each repository: no range)
    ("1001", "acme/payments-api", "production", "success", "2026-10-19 10:00", None),
    ("1002", "acme/checkout-web", "production", "success", "2026-10-21 14:00", None),
    ("1003", "acme/billing-service", "production", "success", "2026-10-21 16:00", None),
    # week of 26 Oct: 2 deployments on 2 days, 1 failed attempt
    ("1004", "acme/payments-api", "production", "success", "2026-10-27 09:30", 3),
    ("1005", "acme/payments-api", "production", "failure", "2026-10-28 12:00", None),
    ("1006", "acme/payments-api", "production", "success", "2026-10-30 11:00", 2),
    # week of 2 Nov: 4 deployments on 3 days
    ("1007", "acme/checkout-web", "production", "success", "2026-11-02 10:00", 5),
    ("1008", "acme/billing-service", "production", "success", "2026-11-03 10:00", 1),
    ("1009", "acme/payments-api", "production", "success", "2026-11-04 15:00", 4),
    ("1010", "acme/checkout-web", "production", "success", "2026-11-04 17:00", 2),
    # week of 9 Nov: 3 deployments on 3 days
    ("1011", "acme/payments-api", "production", "success", "2026-11-10 09:00", 1),
    ("1012", "acme/billing-service", "production", "success", "2026-11-12 13:00", 6),
    ("1013", "acme/checkout-web", "production", "success", "2026-11-13 18:00", 2),
    # week of 16 Nov: 6 deployments on 4 days, 2 failed attempts, 2 non-production
    ("1014", "acme/payments-api", "staging", "success", "2026-11-16 08:00", None),
    ("1015", "acme/payments-api", "production", "success", "2026-11-16 08:15", 2),
    ("1016", "acme/checkout-web", "production", "success", "2026-11-16 11:40", 3),
    ("1017", "acme/billing-service", "production", "success", "2026-11-17 09:05", 1),
    ("1018", "acme/payments-api", "production", "success", "2026-11-17 15:20", 4),
    ("1019", "acme/payments-api", "production", "failure", "2026-11-18 10:00", None),
    ("1020", "acme/checkout-web", "preview-12", "success", "2026-11-18 12:00", None),
    ("1021", "acme/checkout-web", "production", "success", "2026-11-19 10:10", 1),
    ("1022", "acme/billing-service", "production", "error", "2026-11-20 14:00", None),
    ("1023", "acme/payments-api", "production", "success", "2026-11-22 23:50", 2),
    # week of 23 Nov (in progress): 1 deployment, 1 attempt still running
    ("1024", "acme/payments-api", "production", "success", "2026-11-23 09:00", 1),
    ("1025", "acme/payments-api", "production", "in_progress", None, None),
    # Storefront, week of 2 Nov: 1 deployment
    ("2001", "acme/catalog-api", "production", "success", "2026-11-04 10:00", None),
    # week of 16 Nov (Berlin): 2 deployments, the first on Sunday 23:30 UTC = Monday 00:30
    ("2002", "acme/search-service", "prod", "success", "2026-11-15 23:30", None),
    ("2003", "acme/search-service", "prod", "failure", "2026-11-17 09:00", None),
    ("2004", "acme/catalog-api", "production", "success", "2026-11-18 12:00", 5),
    ("2005", "acme/catalog-api", "staging", "success", "2026-11-18 11:00", None),
    # week of 23 Nov (Berlin, in progress): Sunday 22 Nov 23:30 UTC = Monday 00:30
    ("2006", "acme/storefront-web", "production", "success", "2026-11-22 23:30", None),
]

# (value_stream_id, week_start, deployments, deployment_days, trailing_12w, band)
WEEKS = [
    ("payments", "2026-10-19", 3, 2, 3 / 12, "medium"),
    ("payments", "2026-10-26", 2, 2, 5 / 12, "medium"),
    ("payments", "2026-11-02", 4, 3, 9 / 12, "medium"),
    ("payments", "2026-11-09", 3, 3, 12 / 12, "high"),
    ("payments", "2026-11-16", 6, 4, 18 / 12, "high"),
    ("payments", "2026-11-23", 1, 1, 19 / 12, "high"),
    ("storefront", "2026-11-02", 1, 1, 1 / 12, "low"),
    ("storefront", "2026-11-09", 0, 0, 1 / 12, "low"),
    ("storefront", "2026-11-16", 2, 2, 3 / 12, "medium"),
    ("storefront", "2026-11-23", 1, 1, 4 / 12, "medium"),
]


# Failed production deployments (metrics.md 2.3) and how they recovered:
# 1013 caused incident PD-1 (window link), resolved 2 h after the deploy -> 7,200 s;
# 1016 was rolled back by 1017 (finished 21 h 25 min later) -> 77,100 s;
# 1018 caused PD-2 (explicit link), still open -> not recovered.
# Payments: 3 failed of 19 production deployments in the 6 weeks (15.8 %, low), 1 rework
# deployment (1017, 5.3 %), recovery median (7,200 + 77,100) / 2 = 42,150 s = 11.7 h (high).
FAILURES = {"1013": "incident", "1016": "rollback", "1018": "incident"}
ROLLBACKS = {"1017"}
RECOVERIES = {
    "1013": ("2026-11-13 20:00", "incident", 7200.0),
    "1016": ("2026-11-17 09:05", "rollback", 77100.0),
    "1018": (None, None, None),
}
# (source_id, value_stream_id, started_at, resolved_at or None, priority, linked deployment,
#  attribution)
INCIDENTS = [
    ("PD-1", "payments", "2026-11-13 18:00", "2026-11-13 20:00", "P2", "1013", "window"),
    ("PD-2", "payments", "2026-11-17 16:00", None, "P1", "1018", "explicit"),
    ("PD-3", "payments", "2026-11-03 08:00", "2026-11-03 09:00", "P3", None, None),
]
# Changes shipped (repository, sha, deployment, authored_at, lead time s or None = excluded)
# Payments lead times 3,600, 7,200, 86,400 and 172,800 s: median 46,800 s = 13.0 h (elite);
# one change authored after its deployment finished is excluded.
CHANGES = [
    ("acme/checkout-web", "c1", "1007", "2026-11-02 09:00", 3600.0),
    ("acme/checkout-web", "c2", "1007", "2026-11-02 08:00", 7200.0),
    ("acme/payments-api", "c3", "1015", "2026-11-15 08:15", 86400.0),
    ("acme/payments-api", "c4", "1015", "2026-11-14 08:15", 172800.0),
    ("acme/payments-api", "c5", "1015", "2026-11-16 09:15", None),
]


def _write_dora_facts(
    con: duckdb.DuckDBPyConnection, deployments: list[tuple], value_streams: list[tuple]
) -> None:
    """The facts and marts of the other DORA metrics, from the constants above."""
    by_id = {row[2]: row for row in deployments}
    key = {source_id: row[0] for source_id, row in by_id.items()}
    con.execute(
        """
        create table fct_failed_deployments (
            deployment_key varchar, value_stream_id varchar, finished_at timestamp,
            recovered_at timestamp, recovered_by varchar, recovery_seconds double,
            is_open boolean
        )
        """
    )
    con.executemany(
        "insert into fct_failed_deployments values (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                key[source_id],
                by_id[source_id][5],
                by_id[source_id][11],
                _utc(recovered) if recovered else None,
                how,
                seconds,
                recovered is None,
            )
            for source_id, (recovered, how, seconds) in RECOVERIES.items()
        ],
    )
    con.execute(
        """
        create table fct_incidents (
            incident_key varchar, source varchar, source_id varchar, value_stream_id varchar,
            service varchar, title varchar, priority_slice varchar, started_at timestamp,
            resolved_at timestamp, is_resolved boolean, time_to_restore_seconds double,
            resolved_week date, deployment_key varchar, attribution varchar
        )
        """
    )
    timezones = {stream_id: tz for stream_id, _, tz in value_streams}
    con.executemany(
        "insert into fct_incidents values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                f"pagerduty:{source_id}",
                "pagerduty",
                source_id,
                stream_id,
                "payments-api",
                f"Incident {source_id}",
                priority,
                _utc(started),
                _utc(resolved) if resolved else None,
                resolved is not None,
                (_utc(resolved) - _utc(started)).total_seconds() if resolved else None,
                _finished_week(_utc(resolved), timezones[stream_id]) if resolved else None,
                key[linked] if linked else None,
                how,
            )
            for source_id, stream_id, started, resolved, priority, linked, how in INCIDENTS
        ],
    )
    con.execute(
        """
        create table fct_changes (
            change_key varchar, value_stream_id varchar, repository varchar, sha varchar,
            deployment_key varchar, pull_request_number integer, authored_at timestamp,
            deployed_at timestamp, lead_time_seconds double, exclusion_reason varchar
        )
        """
    )
    change_rows = []
    for repository, sha, source_id, authored, seconds in CHANGES:
        deployed = by_id[source_id][11]
        change_rows.append(
            (
                f"{repository}@{sha}",
                by_id[source_id][5],
                repository,
                sha,
                key[source_id],
                None,
                _utc(authored),
                deployed,
                seconds if seconds is not None else (deployed - _utc(authored)).total_seconds(),
                None if seconds is not None else "negative lead time",
            )
        )
    con.executemany("insert into fct_changes values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", change_rows)
    con.execute(
        """
        create table fct_pull_requests (
            value_stream_id varchar, repository varchar, pull_request_number integer,
            title varchar, author_login varchar, url varchar, coding_seconds double,
            pickup_seconds double, review_seconds double, deploy_seconds double,
            is_approved boolean, deployed_at timestamp
        )
        """
    )
    con.execute(
        "insert into fct_pull_requests values ('payments', 'acme/payments-api', 42, "
        "'Faster checkout', 'ada', 'https://github.com/acme/payments-api/pull/42', "
        "3600, 1800, 7200, 600, true, ?)",
        [by_id["1015"][11]],
    )
    con.execute(
        "create table dim_teams (team_id varchar, team_name varchar, value_stream_id varchar)"
    )
    con.executemany(
        "insert into dim_teams values (?, ?, ?)",
        [
            ("checkout", "Checkout", "payments"),
            ("billing", "Billing", "payments"),
            ("catalog", "Catalog", "storefront"),
            ("search", "Search", "storefront"),
        ],
    )
    con.execute(
        """
        create table dim_dora_bands (
            report_year integer, metric varchar, band varchar, band_rank integer,
            lower_bound double, upper_bound double, unit varchar
        )
        """
    )
    seed = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "dora_benchmarks.csv"
    con.execute(
        f"insert into dim_dora_bands select * from read_csv('{seed}', header = true) "
        "where report_year = 2023"
    )
    names = {stream_id: name for stream_id, name, _ in value_streams}
    weekly = (
        "grain varchar, period_start date, slice varchar, value_stream_id varchar, "
        "value_stream_name varchar, slice_value varchar"
    )
    con.execute(
        f"create table mart_dora_change_lead_time ({weekly}, changes integer, "
        "median_seconds double, p75_seconds double, p95_seconds double, "
        "negative_excluded integer, pull_requests_shipped integer, "
        "median_coding_seconds double, median_pickup_seconds double, "
        "median_review_seconds double, median_deploy_seconds double, band varchar)"
    )
    con.execute(
        "insert into mart_dora_change_lead_time values "
        "('week', '2026-11-02', 'value_stream', 'payments', 'Payments', 'payments', "
        "2, 5400, 6300, 7020, 0, 0, null, null, null, null, 'elite'), "
        "('week', '2026-11-16', 'value_stream', 'payments', 'Payments', 'payments', "
        "2, 129600, 151200, 168480, 1, 1, 3600, 1800, 7200, 600, 'high')"
    )
    for table, extra in (
        ("mart_dora_change_failure_rate", "deployments integer, failed_deployments integer"),
        ("mart_dora_deployment_rework_rate", "deployments integer, rework_deployments integer"),
    ):
        con.execute(f"create table {table} ({weekly}, {extra}, rate double, band varchar)")
    for week, deployments_, failed_, rework_ in (
        ("2026-11-09", 3, 1, 0),
        ("2026-11-16", 6, 2, 1),
    ):
        con.execute(
            "insert into mart_dora_change_failure_rate values "
            "('week', ?, 'value_stream', 'payments', ?, 'payments', ?, ?, ?, ?)",
            [week, names["payments"], deployments_, failed_, failed_ / deployments_, "low"],
        )
        con.execute(
            "insert into mart_dora_deployment_rework_rate values "
            "('week', ?, 'value_stream', 'payments', ?, 'payments', ?, ?, ?, null)",
            [week, names["payments"], deployments_, rework_, rework_ / deployments_],
        )
    con.execute(
        f"create table mart_dora_failed_deployment_recovery_time ({weekly}, "
        "recovered_deployments integer, median_seconds double, open_failed_deployments "
        "integer, band varchar)"
    )
    con.execute(
        "insert into mart_dora_failed_deployment_recovery_time values "
        "('week', '2026-11-09', 'value_stream', 'payments', 'Payments', 'payments', "
        "1, 7200, 0, 'high'), "
        "('week', '2026-11-16', 'value_stream', 'payments', 'Payments', 'payments', "
        "1, 77100, 1, 'high')"
    )
    con.execute(
        f"create table mart_dora_time_to_restore ({weekly}, priority varchar, "
        "incidents_resolved integer, median_seconds double)"
    )
    con.execute(
        "insert into mart_dora_time_to_restore values "
        "('week', '2026-11-02', 'value_stream', 'payments', 'Payments', 'payments', "
        "'all', 1, 3600), "
        "('week', '2026-11-09', 'value_stream', 'payments', 'Payments', 'payments', "
        "'all', 1, 7200)"
    )


@dataclass(frozen=True)
class StreamExpectation:
    name: str
    band_per_week: str  # DORA page metric value
    band: str
    deployments: int
    per_week: str
    deployment_days: int
    failed_attempts: int


@dataclass(frozen=True)
class Expected:
    streams: dict[str, StreamExpectation]
    drill_week: date
    drill_rows: dict[str, int]  # production deployments behind the week of 16 Nov
    drill_failed: dict[str, int]
    latest_finished: str


EXPECTED = Expected(
    streams={
        "payments": StreamExpectation("Payments", "1.50 / week", "High", 19, "3.17", 15, 3),
        "storefront": StreamExpectation("Storefront", "0.25 / week", "Medium", 4, "1.00", 4, 1),
    },
    drill_week=date(2026, 11, 16),
    drill_rows={"payments": 6, "storefront": 2},
    drill_failed={"payments": 2, "storefront": 1},
    latest_finished="2026-11-23 09:00 UTC",
)

PRODUCTION = ("production", "prod")


def _finished_week(finished_at: datetime | None, timezone: str) -> date | None:
    if finished_at is None:
        return None
    local_day = finished_at.astimezone(ZoneInfo(timezone)).date()
    return local_day - timedelta(days=local_day.weekday())


def write_marts(
    path: Path,
    value_streams: list[tuple[str, str, str]] = VALUE_STREAMS,
    deployments: list[tuple] = DEPLOYMENTS,
    weeks: list[tuple] = WEEKS,
    with_flow: bool = True,
) -> Path:
    """Write a published marts file (the tables the dashboards read, in `main`); without
    `with_flow`, as published before the flow metrics and the value stream map."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "create table dim_value_streams "
            "(value_stream_id varchar, value_stream_name varchar, timezone varchar)"
        )
        con.executemany("insert into dim_value_streams values (?, ?, ?)", value_streams)
        con.execute(
            """
            create table fct_deployments (
                deployment_key varchar, source varchar, source_id varchar,
                repository varchar, service varchar, value_stream_id varchar, team_id varchar,
                environment varchar, sha varchar, ref varchar,
                created_at timestamp, finished_at timestamp, final_state varchar,
                is_production_environment boolean, is_production_deployment boolean,
                change_count integer, finished_week date, is_failed boolean,
                failure_reasons varchar, is_rollback boolean, is_hotfix boolean,
                is_rework boolean
            )
            """
        )
        timezones = {stream_id: tz for stream_id, _, tz in value_streams}
        rows = []
        for source_id, repository, environment, state, finished, changes in deployments:
            stream_id, team_id, service = REPOSITORIES[repository]
            finished_at = _utc(finished) if finished else None
            created_at = (finished_at or _utc("2026-11-23 10:00")) - timedelta(minutes=6)
            is_prod_env = environment in PRODUCTION
            rows.append(
                (
                    hashlib.md5(f"github:{source_id}".encode()).hexdigest(),
                    "github",
                    source_id,
                    repository,
                    service,
                    stream_id,
                    team_id,
                    environment,
                    hashlib.sha1(f"{repository}@{source_id}".encode()).hexdigest(),
                    "main",
                    created_at,
                    finished_at,
                    state,
                    is_prod_env,
                    is_prod_env and state == "success",
                    changes,
                    _finished_week(finished_at, timezones[stream_id]),
                )
            )
        for index, row in enumerate(rows):
            source_id, is_production = row[2], row[14]
            reasons = FAILURES.get(source_id)
            rows[index] = (
                *row,
                bool(reasons) if is_production else None,
                reasons,
                source_id in ROLLBACKS if is_production else None,
                False if is_production else None,
                source_id in ROLLBACKS if is_production else None,
            )
        con.executemany(
            "insert into fct_deployments values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        _write_dora_facts(con, rows, value_streams)
        if with_flow:
            _write_flow_marts(con, value_streams)
        con.execute(
            """
            create table mart_dora_deployment_frequency (
                grain varchar, period_start date, slice varchar, value_stream_id varchar,
                value_stream_name varchar, slice_value varchar, iso_year integer,
                iso_week integer, deployments integer, deployment_days integer,
                days_measured integer, deployments_per_day double,
                trailing_window_weeks double, trailing_12w_deployments_per_week double,
                band varchar, report_year integer
            )
            """
        )
        names = {stream_id: name for stream_id, name, _ in value_streams}
        week_rows = []
        for stream_id, week_text, count, days, trailing, band in weeks:
            week_start = date.fromisoformat(week_text)
            iso = week_start.isocalendar()
            week_rows.append(
                (
                    "week",
                    week_start,
                    "value_stream",
                    stream_id,
                    names[stream_id],
                    stream_id,
                    iso.year,
                    iso.week,
                    count,
                    days,
                    7,
                    count / 7,
                    12.0,
                    trailing,
                    band,
                    2023,
                )
            )
        con.executemany(
            "insert into mart_dora_deployment_frequency values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            week_rows,
        )
    finally:
        con.close()
    return path


# ---------------------------------------------------------------------------------------
# Flow (metrics.md 3) and the value stream map (4). Payments has flow items; Storefront has
# none (none of its teams names a Jira project). Every status history below is one flow
# item's visits: (status, flow state, entered UTC, exited UTC or None = still there).
#
# Completed flow items (work start -> completion, active time):
#   PAY-1 feature 2 Nov 09:00 -> 4 Nov 09:00   flow 172,800 s  active  86,400 s
#   PAY-2 defect  3 Nov 10:00 -> 3 Nov 16:00   flow  21,600 s  active  21,600 s
#   PAY-3 feature 5 Nov 00:00 -> 12 Nov 00:00  flow 604,800 s  active 172,800 s
#   PAY-4 debt    10 Nov 12:00 -> 11 Nov 12:00 flow  86,400 s  active  43,200 s
#   PAY-5 feature 16 Nov 09:00 -> 19 Nov 09:00 flow 259,200 s  active  86,400 s
#   PAY-6 risk    9 Nov 09:00 -> 18 Nov 09:00  flow 777,600 s  active 129,600 s
# All six weeks: 6 completed; flow times sorted 21,600, 86,400, 172,800, 259,200, 604,800,
# 777,600: median (172,800 + 259,200) / 2 = 216,000 s = 2.5 d; p85 at 0.85 * 5 = 4.25:
# 604,800 + 0.25 * 172,800 = 648,000 s = 7.5 d; p95 at 4.75: 734,400 s = 8.5 d;
# efficiency 540,000 / 1,922,400 = 28.1 % (the mean of the items' ratios would be 46.4 %).
# Weeks of 16 and 23 Nov: PAY-5 and PAY-6: median 518,400 s = 6.0 d, p85 699,840 s = 8.1 d,
# p95 751,680 s = 8.7 d, efficiency 216,000 / 1,036,800 = 20.8 %.
# In flight at the end of each day (active or waiting), 2 to 22 Nov:
#   1 1 0 1 1 1 1 | 2 3 2 2 2 2 2 | 3 3 2 1 2 2 2  -> weekly loads 6/7, 15/7, 15/7;
# the as-of instant (23 Nov 09:00) leaves no whole day in the week of 23 Nov. Mean over
# all 21 measured days 36 / 21 = 1.7; over the week of 16 Nov 15 / 7 = 2.1.
# PAY-7 was canceled, PAY-8 is an epic (not a flow item), PAY-11 waits in the backlog.
FLOW_AS_OF = "2026-11-23 09:00"
# key: (team, flow type or None, issue type, canceled, flagged, [visits])
WORK_ITEMS: dict[str, tuple] = {
    "PAY-1": (
        "checkout",
        "feature",
        "Story",
        False,
        False,
        [
            ("Backlog", "new", "2026-10-30 00:00", "2026-11-02 09:00"),
            ("In Progress", "active", "2026-11-02 09:00", "2026-11-03 09:00"),
            ("Ready for Review", "waiting", "2026-11-03 09:00", "2026-11-04 09:00"),
            ("Done", "done", "2026-11-04 09:00", None),
        ],
    ),
    "PAY-2": (
        "checkout",
        "defect",
        "Bug",
        False,
        False,
        [
            ("Backlog", "new", "2026-11-03 08:00", "2026-11-03 10:00"),
            ("In Progress", "active", "2026-11-03 10:00", "2026-11-03 16:00"),
            ("Done", "done", "2026-11-03 16:00", None),
        ],
    ),
    "PAY-3": (
        "billing",
        "feature",
        "Story",
        False,
        False,
        [
            ("Backlog", "new", "2026-11-01 00:00", "2026-11-05 00:00"),
            ("Selected for Development", "waiting", "2026-11-05 00:00", "2026-11-10 00:00"),
            ("In Progress", "active", "2026-11-10 00:00", "2026-11-12 00:00"),
            ("Done", "done", "2026-11-12 00:00", None),
        ],
    ),
    "PAY-4": (
        "billing",
        "debt",
        "Chore",
        False,
        False,
        [
            ("Backlog", "new", "2026-11-09 00:00", "2026-11-10 12:00"),
            ("In Progress", "active", "2026-11-10 12:00", "2026-11-11 00:00"),
            ("Ready for Review", "waiting", "2026-11-11 00:00", "2026-11-11 12:00"),
            ("Done", "done", "2026-11-11 12:00", None),
        ],
    ),
    "PAY-5": (
        "checkout",
        "feature",
        "Story",
        False,
        False,
        [
            ("Backlog", "new", "2026-11-13 00:00", "2026-11-16 09:00"),
            ("In Progress", "active", "2026-11-16 09:00", "2026-11-17 09:00"),
            ("Ready for Review", "waiting", "2026-11-17 09:00", "2026-11-19 09:00"),
            ("Done", "done", "2026-11-19 09:00", None),
        ],
    ),
    "PAY-6": (
        "checkout",
        "risk",
        "Vulnerability",
        False,
        False,
        [
            ("Backlog", "new", "2026-11-06 00:00", "2026-11-09 09:00"),
            ("In Progress", "active", "2026-11-09 09:00", "2026-11-10 09:00"),
            ("Ready for Review", "waiting", "2026-11-10 09:00", "2026-11-17 21:00"),
            ("In Progress", "active", "2026-11-17 21:00", "2026-11-18 09:00"),
            ("Done", "done", "2026-11-18 09:00", None),
        ],
    ),
    "PAY-7": (
        "checkout",
        "feature",
        "Story",
        True,
        False,
        [
            ("Backlog", "new", "2026-11-02 00:00", "2026-11-10 00:00"),
            ("In Progress", "active", "2026-11-10 00:00", "2026-11-11 00:00"),
            ("Won't Do", "canceled", "2026-11-11 00:00", None),
        ],
    ),
    "PAY-8": (
        "checkout",
        None,
        "Epic",
        False,
        False,
        [
            ("In Progress", "active", "2026-11-01 00:00", "2026-11-12 00:00"),
            ("Done", "done", "2026-11-12 00:00", None),
        ],
    ),
    "PAY-9": (
        "checkout",
        "feature",
        "Story",
        False,
        False,
        [
            ("Backlog", "new", "2026-11-17 00:00", "2026-11-20 09:00"),
            ("In Progress", "active", "2026-11-20 09:00", None),
        ],
    ),
    # Flagged as an impediment from 14 Nov 09:00 while In Progress: waiting since then.
    "PAY-10": (
        "billing",
        "defect",
        "Bug",
        False,
        True,
        [
            ("Backlog", "new", "2026-11-10 00:00", "2026-11-12 09:00"),
            ("In Progress", "active", "2026-11-12 09:00", "2026-11-14 09:00"),
            ("In Progress", "waiting", "2026-11-14 09:00", None),
        ],
    ),
    "PAY-11": (
        "checkout",
        "feature",
        "Story",
        False,
        False,
        [
            ("Backlog", "new", "2026-11-15 00:00", None),
        ],
    ),
}
ACTIVE_SECONDS = {
    "PAY-1": 86400.0,
    "PAY-2": 21600.0,
    "PAY-3": 172800.0,
    "PAY-4": 43200.0,
    "PAY-5": 86400.0,
    "PAY-6": 129600.0,
    "PAY-8": 950400.0,
}
# Week rows of the flow marts (value_stream slice, payments), counted from the items above.
# (week, completed by type {type: n}, flow times, active sum, daily loads, in flight at end
#  by type)
FLOW_WEEKS = [
    (
        "2026-11-02",
        {"feature": 1, "defect": 1},
        [172800.0, 21600.0],
        108000.0,
        [1, 1, 0, 1, 1, 1, 1],
        {"feature": 1},
    ),
    (
        "2026-11-09",
        {"feature": 1, "debt": 1},
        [604800.0, 86400.0],
        216000.0,
        [2, 3, 2, 2, 2, 2, 2],
        {"risk": 1, "defect": 1},
    ),
    (
        "2026-11-16",
        {"feature": 1, "risk": 1},
        [259200.0, 777600.0],
        216000.0,
        [3, 3, 2, 1, 2, 2, 2],
        {"defect": 1, "feature": 1},
    ),
]
# Team slice of velocity: (week, team, completed by type).
FLOW_TEAM_WEEKS = [
    ("2026-11-02", "checkout", {"feature": 1, "defect": 1}),
    ("2026-11-09", "billing", {"feature": 1, "debt": 1}),
    ("2026-11-16", "checkout", {"feature": 1, "risk": 1}),
]
FLOW_TYPES = ["feature", "defect", "risk", "debt", "unclassified"]

# The forecast of payments as of 23 Nov: (question, confidence, target date, items, wip).
FORECAST = [
    ("items_by_date", 0.5, "2026-11-29", 0, None),
    ("items_by_date", 0.85, "2026-11-29", 0, None),
    ("items_by_date", 0.95, "2026-11-29", 0, None),
    ("items_by_date", 0.5, "2026-12-06", 1, None),
    ("items_by_date", 0.85, "2026-12-06", 0, None),
    ("items_by_date", 0.95, "2026-12-06", 0, None),
    ("items_by_date", 0.5, "2026-12-13", 1, None),
    ("items_by_date", 0.85, "2026-12-13", 1, None),
    ("items_by_date", 0.95, "2026-12-13", 0, None),
    ("date_for_items", 0.5, "2026-12-20", 2, True),
    ("date_for_items", 0.85, "2027-01-17", 2, True),
    ("date_for_items", 0.95, "2027-02-07", 2, True),
    ("date_for_items", 0.5, "2027-04-11", 10, False),
    ("date_for_items", 0.85, "2027-05-16", 10, False),
    ("date_for_items", 0.95, "2027-06-13", 10, False),
    ("date_for_items", 0.5, "2027-11-14", 25, False),
    ("date_for_items", 0.85, "2028-01-09", 25, False),
    ("date_for_items", 0.95, None, 25, False),
]

# The work map of payments, from the visits above that ended in each week:
# week of 9 Nov: Backlog PAY-6 291,600, PAY-4 129,600, PAY-10 205,200 s (median 205,200);
# Selected for Development PAY-3 432,000; In Progress PAY-6 86,400, PAY-4 43,200, PAY-3
# 172,800 (median 86,400, all active; PAY-6 came back to it: %C&A 2/3); Ready for Review
# PAY-4 43,200. Summary: total LT 1,404,000 s, PT 302,400 s, activity ratio 21.5 %,
# medians 766,800 s (8.9 d) and 86,400 s (1.0 d), rolled %C&A 2/3, bottleneck Selected for
# Development (median wait 432,000 s = 5.0 d).
# week of 16 Nov: Backlog PAY-5 and PAY-9 291,600 s each; In Progress PAY-5 86,400, PAY-6
# 43,200 (median 64,800); Ready for Review PAY-6 648,000 (came back to In Progress), PAY-5
# 172,800 (median 410,400, %C&A 1/2). Summary: total LT 1,533,600 s, PT 129,600 s,
# activity ratio 8.5 %, medians 766,800 s (8.9 d) and 64,800 s (18.0 h), rolled %C&A 50 %,
# bottleneck Ready for Review (median wait 410,400 s = 4.8 d).
# (week, stage, order, [lead times], active?, %C&A)
WORK_MAP = [
    ("2026-11-09", "Backlog", 0, [291600.0, 129600.0, 205200.0], False, 1.0),
    ("2026-11-09", "Selected for Development", 1, [432000.0], False, 1.0),
    ("2026-11-09", "In Progress", 2, [86400.0, 43200.0, 172800.0], True, 2 / 3),
    ("2026-11-09", "Ready for Review", 3, [43200.0], False, 1.0),
    ("2026-11-16", "Backlog", 0, [291600.0, 291600.0], False, 1.0),
    ("2026-11-16", "In Progress", 2, [86400.0, 43200.0], True, 1.0),
    ("2026-11-16", "Ready for Review", 3, [648000.0, 172800.0], False, 0.5),
]
# The delivery map of payments, week of 16 Nov: pull request #42 (coding 3,600 s, pickup
# 1,800, review 7,200, deploy 600; approved first time); the week's change failure rate
# 2 / 6, so deploy %C&A 4 / 6. Summary: LT 13,200 s (3.7 h), PT 10,800 s (3.0 h), activity
# ratio 81.8 %, rolled %C&A 66.7 %, bottleneck pickup (median wait 1,800 s = 30 min).
# (stage, order, seconds, process?, %C&A)
DELIVERY_MAP = [
    ("coding", 0, 3600.0, True, None),
    ("pickup", 1, 1800.0, False, None),
    ("review", 2, 7200.0, True, 1.0),
    ("deploy", 3, 600.0, False, 4 / 6),
]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _percentile(values: list[float], fraction: float) -> float:
    """percentile_cont: linear between the two closest ranks."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (position - lower) * (ordered[upper] - ordered[lower])


def _write_flow_marts(con: duckdb.DuckDBPyConnection, value_streams: list[tuple]) -> None:
    """The flow facts and marts, the forecast and both value stream maps of payments."""
    names = {stream_id: name for stream_id, name, _ in value_streams}
    con.execute(
        """
        create table fct_work_items (
            work_item_key varchar, issue_id varchar, value_stream_id varchar,
            team_id varchar, project_key varchar, issue_type varchar,
            flow_item_type varchar, is_flow_item boolean, flow_state varchar,
            created_at timestamp, work_started_at timestamp, completed_at timestamp,
            status_name varchar, is_canceled boolean, is_flagged boolean,
            flow_time_s double, active_time_s double, wait_time_s double,
            flow_efficiency double, reopen_count integer, status_visits integer
        )
        """
    )
    item_rows = []
    for key, (team, flow_type, issue_type, canceled, flagged, visits) in WORK_ITEMS.items():
        started = next(
            (_utc(entered) for _, state, entered, _ in visits if state in ("active", "waiting")),
            None,
        )
        last_status, last_state, last_entered, _ = visits[-1]
        completed = _utc(last_entered) if last_state == "done" else None
        flow = (completed - started).total_seconds() if completed and started else None
        active = ACTIVE_SECONDS.get(key) if flow is not None else None
        item_rows.append(
            (
                key,
                key.split("-")[1],
                "payments",
                team,
                "PAY",
                issue_type,
                flow_type,
                flow_type is not None,
                last_state,
                _utc(visits[0][2]),
                started,
                completed,
                last_status,
                canceled,
                flagged,
                flow,
                active,
                None if flow is None else flow - active,
                None if flow is None else active / flow,
                0,
                len(visits),
            )
        )
    con.executemany(f"insert into fct_work_items values ({', '.join('?' * 21)})", item_rows)

    # fct_flow_daily: the items in each (status, state) at the end of every day.
    con.execute(
        """
        create table fct_flow_daily (
            value_stream_id varchar, team_id varchar, flow_item_type varchar,
            flow_date date, status_id varchar, status_name varchar, flow_state varchar,
            is_flagged boolean, is_in_flight boolean, items integer
        )
        """
    )
    counts: dict[tuple, int] = {}
    day = date(2026, 10, 30)
    while day <= date(2026, 11, 22):
        end_of_day = datetime.combine(day, datetime.max.time()).replace(tzinfo=UTC)
        for team, flow_type, _, canceled, flagged, visits in WORK_ITEMS.values():
            if canceled or flow_type is None:
                continue
            for status, state, entered, exited in visits:
                if _utc(entered) <= end_of_day and (exited is None or _utc(exited) > end_of_day):
                    is_flagged = flagged and state == "waiting" and status == "In Progress"
                    group = (team, flow_type, day, status, state, is_flagged)
                    counts[group] = counts.get(group, 0) + 1
        day += timedelta(days=1)
    con.executemany(
        "insert into fct_flow_daily values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                "payments",
                team,
                flow_type,
                day,
                status.lower(),
                status,
                state,
                flagged,
                state in ("active", "waiting"),
                items,
            )
            for (team, flow_type, day, status, state, flagged), items in counts.items()
        ],
    )

    period = (
        "grain varchar, period_start date, slice varchar, value_stream_id varchar, "
        "value_stream_name varchar, slice_value varchar, iso_year integer, iso_week integer"
    )

    def key_columns(week: str, slice_name: str, slice_value: str) -> tuple:
        start = date.fromisoformat(week)
        iso = start.isocalendar()
        return (
            "week",
            start,
            slice_name,
            "payments",
            names["payments"],
            slice_value,
            iso.year,
            iso.week,
        )

    con.execute(
        f"create table mart_flow_velocity ({period}, items_completed integer, "
        "features_completed integer, defects_completed integer, risks_completed integer, "
        "debts_completed integer, unclassified_completed integer)"
    )
    velocity = [
        (
            *key_columns(week, "value_stream", "payments"),
            sum(by_type.values()),
            *(by_type.get(t, 0) for t in FLOW_TYPES),
        )
        for week, by_type, *_ in FLOW_WEEKS
    ] + [
        (
            *key_columns(week, "team", team),
            sum(by_type.values()),
            *(by_type.get(t, 0) for t in FLOW_TYPES),
        )
        for week, team, by_type in FLOW_TEAM_WEEKS
    ]
    con.executemany(f"insert into mart_flow_velocity values ({', '.join('?' * 14)})", velocity)

    con.execute(
        f"create table mart_flow_distribution ({period}, flow_item_type varchar, "
        "items_completed integer, share_completed double, items_in_flight integer, "
        "share_in_flight double)"
    )
    distribution = []
    for week, by_type, _, _, _, in_flight in FLOW_WEEKS:
        for flow_type in FLOW_TYPES:
            done, flying = by_type.get(flow_type, 0), in_flight.get(flow_type, 0)
            distribution.append(
                (
                    *key_columns(week, "value_stream", "payments"),
                    flow_type,
                    done,
                    done / sum(by_type.values()),
                    flying,
                    flying / sum(in_flight.values()),
                )
            )
    con.executemany(
        f"insert into mart_flow_distribution values ({', '.join('?' * 13)})", distribution
    )

    con.execute(
        f"create table mart_flow_time ({period}, items_completed integer, "
        "median_seconds double, p85_seconds double, p95_seconds double, mean_seconds double)"
    )
    con.executemany(
        f"insert into mart_flow_time values ({', '.join('?' * 13)})",
        [
            (
                *key_columns(week, "value_stream", "payments"),
                len(times),
                _median(times),
                _percentile(times, 0.85),
                _percentile(times, 0.95),
                sum(times) / len(times),
            )
            for week, _, times, *_ in FLOW_WEEKS
        ],
    )
    con.execute(
        f"create table mart_flow_efficiency ({period}, items_completed integer, "
        "active_seconds double, flow_seconds double, flow_efficiency double, "
        "mean_item_efficiency double)"
    )
    con.executemany(
        f"insert into mart_flow_efficiency values ({', '.join('?' * 13)})",
        [
            (
                *key_columns(week, "value_stream", "payments"),
                len(times),
                active,
                sum(times),
                active / sum(times),
                None,
            )
            for week, _, times, active, *_ in FLOW_WEEKS
        ],
    )
    con.execute(
        f"create table mart_flow_load ({period}, days_measured integer, flow_load double, "
        "last_measured_date date, in_flight_at_period_end integer)"
    )
    con.executemany(
        f"insert into mart_flow_load values ({', '.join('?' * 12)})",
        [
            (
                *key_columns(week, "value_stream", "payments"),
                len(loads),
                sum(loads) / len(loads),
                date.fromisoformat(week) + timedelta(days=6),
                loads[-1],
            )
            for week, _, _, _, loads, _ in FLOW_WEEKS
        ],
    )

    # Aging WIP as of 23 Nov 09:00 against the six items completed in the last 90 days.
    completed_times = [row[15] for row in item_rows if row[15] is not None and row[6]]
    sle = (
        len(completed_times),
        _percentile(completed_times, 0.5),
        _percentile(completed_times, 0.85),
        _percentile(completed_times, 0.95),
    )
    con.execute(
        """
        create table mart_flow_aging_wip (
            work_item_key varchar, value_stream_id varchar, value_stream_name varchar,
            team_id varchar, flow_item_type varchar, issue_type varchar, status_name varchar,
            flow_state varchar, is_flagged boolean, work_started_at timestamp, age_s double,
            sle_items integer, sle_p50_s double, sle_p85_s double, sle_p95_s double,
            age_band varchar, as_of timestamp
        )
        """
    )
    as_of = _utc(FLOW_AS_OF)
    aging = []
    for row in item_rows:
        if row[7] and not row[13] and row[8] in ("active", "waiting"):
            age = (as_of - row[10]).total_seconds()
            band = (
                "beyond p95"
                if age > sle[3]
                else "beyond p85"
                if age > sle[2]
                else "beyond p50"
                if age > sle[1]
                else "within p50"
            )
            aging.append(
                (
                    row[0],
                    "payments",
                    names["payments"],
                    row[3],
                    row[6],
                    row[5],
                    row[12],
                    row[8],
                    row[14],
                    row[10],
                    age,
                    *sle,
                    band,
                    as_of,
                )
            )
    con.executemany(f"insert into mart_flow_aging_wip values ({', '.join('?' * 17)})", aging)

    con.execute(
        """
        create table mart_flow_forecast (
            value_stream_id varchar, as_of_date date, question varchar, confidence double,
            target_date date, days integer, items integer, is_wip_target boolean,
            history_start date, history_end date, history_days integer,
            history_items integer, mean_daily_throughput double, trials integer, seed bigint
        )
        """
    )
    as_of_date = as_of.date()
    con.executemany(
        f"insert into mart_flow_forecast values ({', '.join('?' * 15)})",
        [
            (
                "payments",
                as_of_date,
                question,
                confidence,
                date.fromisoformat(target) if target else None,
                (date.fromisoformat(target) - as_of_date).days + 1 if target else None,
                items,
                wip,
                date(2026, 8, 31),
                date(2026, 11, 22),
                84,
                6,
                6 / 84,
                10_000,
                20_260_101,
            )
            for question, confidence, target, items, wip in FORECAST
        ],
    )

    stage_columns = (
        "grain varchar, period_start date, value_stream_id varchar, value_stream_name "
        "varchar, stage_name varchar, stage_order integer, items integer, lt_median_s "
        "double, lt_sum_s double, pt_median_s double, pt_sum_s double, wait_median_s "
        "double, wait_sum_s double, pct_complete_accurate double, iso_year integer, "
        "iso_week integer"
    )
    summary_columns = (
        "grain varchar, period_start date, value_stream_id varchar, stages integer, "
        "total_lt_s double, total_pt_s double, total_lt_median_s double, "
        "total_pt_median_s double, activity_ratio double, rolled_pct_complete_accurate "
        "double, bottleneck varchar, bottleneck_wait_median_s double, iso_year integer, "
        "iso_week integer"
    )
    work_rows = []
    for week, stage, order, times, active, accurate in WORK_MAP:
        start = date.fromisoformat(week)
        process = times if active else [0.0] * len(times)
        waits = [t - p for t, p in zip(times, process, strict=True)]
        work_rows.append(
            (
                "week",
                start,
                "payments",
                names["payments"],
                stage,
                order,
                len(times),
                _median(times),
                sum(times),
                _median(process),
                sum(process),
                _median(waits),
                sum(waits),
                accurate,
                start.isocalendar().year,
                start.isocalendar().week,
            )
        )
    delivery_rows = [
        (
            "week",
            date(2026, 11, 16),
            "payments",
            names["payments"],
            stage,
            order,
            1,
            seconds,
            seconds,
            seconds if process else 0.0,
            seconds if process else 0.0,
            0.0 if process else seconds,
            0.0 if process else seconds,
            accurate,
            2026,
            47,
        )
        for stage, order, seconds, process, accurate in DELIVERY_MAP
    ]
    for map_name, rows in (("work", work_rows), ("delivery", delivery_rows)):
        con.execute(f"create table mart_value_stream_map_{map_name} ({stage_columns})")
        con.executemany(
            f"insert into mart_value_stream_map_{map_name} values ({', '.join('?' * 16)})",
            rows,
        )
        con.execute(f"create table mart_value_stream_map_{map_name}_summary ({summary_columns})")
        summaries = []
        for start in sorted({row[1] for row in rows}):
            stages = [row for row in rows if row[1] == start]
            rolled = 1.0
            for row in stages:
                rolled *= row[13] if row[13] is not None else 1.0
            bottleneck = sorted(stages, key=lambda row: (-row[11], row[5]))[0]
            lt, pt = sum(row[8] for row in stages), sum(row[10] for row in stages)
            summaries.append(
                (
                    "week",
                    start,
                    "payments",
                    len(stages),
                    lt,
                    pt,
                    sum(r[7] for r in stages),
                    sum(r[9] for r in stages),
                    pt / lt,
                    rolled,
                    bottleneck[4],
                    bottleneck[11],
                    start.isocalendar().year,
                    start.isocalendar().week,
                )
            )
        con.executemany(
            f"insert into mart_value_stream_map_{map_name}_summary values ({', '.join('?' * 14)})",
            summaries,
        )
