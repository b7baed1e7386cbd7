"""The schema contract of deployments, deployment statuses and commits: a record that breaks
it becomes a quarantine row naming the field, never a row with a NULL or an error."""

from __future__ import annotations

from functools import partial

from ingestion.quarantine import QuarantineRow
from ingestion.sources.github import settings
from ingestion.sources.github.checks import checked_row
from ingestion.sources.github.helpers import commit_row, deployment_row, status_row

API = "https://api.github.com/repos/acme/api"
DEPLOYMENT = {
    "id": 7,
    "url": f"{API}/deployments/7",
    "sha": "a" * 40,
    "environment": "production",
    "created_at": "2026-11-20T10:00:00Z",
}
STATUS = {"id": 70, "state": "success", "created_at": "2026-11-20T10:05:00Z"}
COMMIT = {
    "sha": "b" * 40,
    "url": f"{API}/commits/{'b' * 40}",
    "commit": {
        "author": {"name": "A", "date": "2026-11-19T09:00:00Z"},
        "committer": {"name": "A", "date": "2026-11-19T09:00:00Z"},
    },
    "parents": [{"sha": "c" * 40}],
}


def _deployment(item):
    return checked_row(
        partial(deployment_row, "acme/api", item),
        item,
        entity="deployments",
        position="page 1 item 0",
        columns=settings.DEPLOYMENT_CONTRACT,
    )


def _status(item):
    return checked_row(
        partial(status_row, "acme/api", 7, item),
        item,
        entity="deployment_statuses",
        position="page 1 item 0",
        columns=settings.DEPLOYMENT_STATUS_CONTRACT,
    )


def _commit(item):
    return checked_row(
        partial(commit_row, "acme/api", item),
        item,
        entity="commits",
        position="page 1 item 0",
        columns=settings.COMMIT_CONTRACT,
    )


def test_whole_records_keep_the_contract():
    assert isinstance(_deployment(DEPLOYMENT), dict)
    assert isinstance(_status(STATUS), dict)
    assert _commit(COMMIT)["parent_shas"] == "c" * 40


def test_a_deployment_without_created_at_is_quarantined_not_loaded_as_null():
    held = _deployment({k: v for k, v in DEPLOYMENT.items() if k != "created_at"})
    assert isinstance(held, QuarantineRow)
    assert (held.entity, held.record_id, held.reason) == ("deployments", "7", "created_at: missing")


def test_an_unparsable_timestamp_names_its_field():
    held = _deployment({**DEPLOYMENT, "created_at": 20240101})
    assert isinstance(held, QuarantineRow)
    assert held.reason.startswith("created_at: expected a timestamp")
    commit = {**COMMIT, "commit": {**COMMIT["commit"], "committer": {"date": "yesterday"}}}
    held = _commit(commit)
    assert isinstance(held, QuarantineRow)
    assert held.reason.startswith("commit.committer.date: ")
    assert held.record_id == "b" * 40


def test_a_status_without_an_id_or_time_is_quarantined():
    assert _status({k: v for k, v in STATUS.items() if k != "id"}).reason == "id: missing"
    held = _status({k: v for k, v in STATUS.items() if k != "created_at"})
    assert held.reason == "created_at: missing"


def test_a_commit_whose_sha_broke_is_named_by_its_url():
    held = _commit({**COMMIT, "sha": 20240101})
    assert isinstance(held, QuarantineRow)
    assert held.reason.startswith("sha: expected text")
    assert held.record_id == "b" * 40
    held = _commit({k: v for k, v in COMMIT.items() if k != "sha"})
    assert (held.reason, held.record_id) == ("sha: missing", "b" * 40)
