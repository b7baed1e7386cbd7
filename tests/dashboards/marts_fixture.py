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
) -> Path:
    """Write a published marts file (the tables the dashboards read, in `main`)."""
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
