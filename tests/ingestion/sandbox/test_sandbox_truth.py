"""Ground truth on hand-built organisations whose answers are worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sandbox_scenarios import deployment, status, tiny_org

from ingestion.sandbox.truth import ground_truth, week_start


def _two_weeks_org():
    return tiny_org(
        [
            # week of Mon 2 Nov: one production success
            deployment(1, "production", "b", status("queued", "2026-11-02T10:00"),
                       status("in_progress", "2026-11-02T10:01"),
                       status("success", "2026-11-02T10:10")),
            # staging success with a later inactive status: an attempt, never a production deploy
            deployment(2, "staging", "e", status("queued", "2026-11-03T10:00"),
                       status("success", "2026-11-03T10:05"),
                       status("inactive", "2026-11-04T08:00")),
            # production failure: an attempt, not a deployment
            deployment(3, "production", "e", status("queued", "2026-11-04T10:00"),
                       status("failure", "2026-11-04T10:08")),
            # an environment the pattern does not match
            deployment(4, "production-eu", "e", status("queued", "2026-11-04T11:00"),
                       status("success", "2026-11-04T11:08")),
            # week of Mon 9 Nov: the retry of the failed sha, then a batch of two commits
            deployment(5, "Production", "e", status("queued", "2026-11-10T08:00"),
                       status("success", "2026-11-10T08:20")),
            deployment(6, "production", "d", status("queued", "2026-11-13T10:00"),
                       status("success", "2026-11-13T10:15")),
            # rollback to e's sha on Saturday 14 Nov
            deployment(7, "production", "e", status("queued", "2026-11-14T10:00"),
                       status("success", "2026-11-14T10:05")),
            # still running at now: no finish yet
            deployment(8, "production", "d", status("queued", "2026-11-22T23:50"),
                       status("in_progress", "2026-11-22T23:55")),
        ]
    )  # fmt: skip


def test_production_deployments_are_successful_prod_pattern_matches():
    truth = ground_truth(_two_weeks_org())
    rows = truth.production_deployments
    assert [r["deployment_id"] for r in rows] == [1, 5, 6, 7]
    assert rows[0]["finished_at"] == datetime(2026, 11, 2, 10, 10, tzinfo=UTC)
    assert rows[1]["environment"] == "Production"  # the pattern is case-insensitive
    assert rows[2]["sha"] == "d" * 40
    assert {r["value_stream_id"] for r in rows} == {"shop"}


def test_weekly_frequency_includes_zero_weeks_through_now():
    truth = ground_truth(_two_weeks_org())
    assert truth.deployment_frequency == [
        {"value_stream_id": "shop", "week_start": date(2026, 11, 2), "deployments": 1},
        {"value_stream_id": "shop", "week_start": date(2026, 11, 9), "deployments": 3},
        {"value_stream_id": "shop", "week_start": date(2026, 11, 16), "deployments": 0},
        {"value_stream_id": "shop", "week_start": date(2026, 11, 23), "deployments": 0},
    ]


def test_commit_ranges_between_consecutive_production_deployments():
    truth = ground_truth(_two_weeks_org())
    ranges = {r["deployment_id"]: r for r in truth.deployment_ranges}
    # the first deployment of a repository has no known range
    assert ranges[1]["range_known"] is False
    assert ranges[1]["commit_count"] is None and ranges[1]["base_sha"] is None
    # 5 ships the merge e over b: the branch x1, x2 and the merge commit itself
    assert ranges[5]["base_deployment_id"] == 1
    assert ranges[5]["commit_count"] == 3
    # 6 ships c and d; the rollback 7 ships nothing
    assert ranges[6]["commit_count"] == 2
    assert ranges[7]["base_sha"] == "d" * 40 and ranges[7]["commit_count"] == 0
    by_deployment: dict[int, set[str]] = {}
    for row in truth.deployment_commits:
        by_deployment.setdefault(row["deployment_id"], set()).add(row["sha"][0])
    assert by_deployment == {5: {"1", "2", "e"}, 6: {"c", "d"}}


def test_attempts_keep_terminal_state_not_inactive():
    truth = ground_truth(_two_weeks_org())
    attempts = {a["deployment_id"]: a for a in truth.deployment_attempts}
    assert attempts[2]["final_state"] == "success"
    assert attempts[3]["final_state"] == "failure"
    assert attempts[8]["final_state"] is None and attempts[8]["finished_at"] is None


def test_as_of_hides_later_finishes():
    truth = ground_truth(_two_weeks_org(), as_of=datetime(2026, 11, 13, 10, 10, tzinfo=UTC))
    assert [r["deployment_id"] for r in truth.production_deployments] == [1, 5]
    assert [r["deployments"] for r in truth.deployment_frequency] == [1, 1]


def test_weeks_are_cut_in_the_stream_timezone():
    # Sunday 15 Nov 23:30 UTC is Monday 00:30 in Berlin; 22:30 UTC is still Sunday there.
    org = tiny_org(
        [
            deployment(1, "production", "b", status("queued", "2026-11-15T22:00"),
                       status("success", "2026-11-15T22:30")),
            deployment(2, "production", "d", status("queued", "2026-11-15T23:00"),
                       status("success", "2026-11-15T23:30")),
        ],
        timezone="Europe/Berlin",
    )  # fmt: skip
    truth = ground_truth(org)
    assert [(r["week_start"], r["deployments"]) for r in truth.deployment_frequency] == [
        (date(2026, 11, 9), 1),
        (date(2026, 11, 16), 1),
        (date(2026, 11, 23), 0),
    ]
    utc = ground_truth(tiny_org(org.deployments["acme/app"]))
    assert [(r["week_start"], r["deployments"]) for r in utc.deployment_frequency] == [
        (date(2026, 11, 9), 2),
        (date(2026, 11, 16), 0),
        (date(2026, 11, 23), 0),
    ]


def test_week_start_helper():
    assert week_start(datetime(2026, 11, 22, 23, 30, tzinfo=UTC), "UTC") == date(2026, 11, 16)
    assert week_start(datetime(2026, 11, 22, 23, 30, tzinfo=UTC), "Europe/Berlin") == date(
        2026, 11, 23
    )


def test_rendering():
    truth = ground_truth(_two_weeks_org())
    data = truth.to_json()
    assert '"week_start": "2026-11-09"' in data
    assert '"finished_at": "2026-11-02T10:10:00+00:00"' in data
    table = truth.to_table()
    assert "shop             2026-11-09           3" in table
    assert "shop             total                4" in table


def test_json_and_table_carry_the_dora_metrics(small_org):
    import json

    truth = ground_truth(small_org)
    data = json.loads(truth.to_json(indent=None))
    for key in ("change_lead_time", "change_failure_rate", "failed_deployment_recovery_time",
                "time_to_restore", "deployment_rework_rate", "incidents", "changes",
                "lead_time_exclusions", "failed_deployments", "pull_request_stages"):  # fmt: skip
        assert data[key], key
    row = data["change_lead_time"][0]
    assert set(row) == {"value_stream_id", "week_start", "n", "median", "p75", "p95",
                        "negative_excluded"}  # fmt: skip
    table = truth.to_table()
    assert "DORA per value stream" in table
    assert table.splitlines()[-1].split()[0] == "storefront"


def test_write_jsonl(small_org, tmp_path):
    import json

    from ingestion.sandbox import write_jsonl

    counts = write_jsonl(small_org, tmp_path)
    assert counts["deployments.jsonl"] == sum(len(d) for d in small_org.deployments.values())
    assert counts["commits.jsonl"] == sum(len(c) for c in small_org.commits.values())
    lines = (tmp_path / "pull_requests.jsonl").read_text().splitlines()
    assert len(lines) == counts["pull_requests.jsonl"]
    first = json.loads(lines[0])
    assert first["commit_shas"] and "reviews" not in first
    dep = json.loads((tmp_path / "deployments.jsonl").read_text().splitlines()[0])
    assert isinstance(dep["deployment_id"], int) and "statuses" not in dep
    if small_org.pagerduty is not None:
        assert counts["pagerduty_incidents.jsonl"] == len(small_org.pagerduty.incidents)
