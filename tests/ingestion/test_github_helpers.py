"""Commit ranges, outcomes and timestamps, on small hand-made histories."""

from __future__ import annotations

from datetime import UTC, datetime

from ingestion.sources.github import _repositories
from ingestion.sources.github.helpers import (
    CommitGraph,
    RangeWalker,
    commit_row,
    final_status,
    parse_timestamp,
)


def graph(edges: dict[str, str]) -> CommitGraph:
    return CommitGraph({"sha": sha, "parent_shas": parents} for sha, parents in edges.items())


# a - b - c ------- m - e        main (m merges the branch x - y started at b)
#      \           /
#       x ------- y
HISTORY = {"a": "", "b": "a", "c": "b", "x": "b", "y": "x", "m": "c y", "e": "m"}


def test_range_is_what_head_reaches_and_base_does_not():
    walker = RangeWalker(graph(HISTORY))
    assert sorted(walker.range("c", "m")) == ["m", "x", "y"]
    assert sorted(walker.range("m", "e")) == ["e"]
    assert walker.range("e", "e") == []


def test_rollback_has_an_empty_range_and_the_next_one_ships_again():
    walker = RangeWalker(graph(HISTORY))
    assert sorted(walker.range("b", "e")) == ["c", "e", "m", "x", "y"]
    assert walker.range("e", "c") == []  # back to c: nothing new
    # forward again from c: the merged branch and e count again against c
    assert sorted(walker.range("c", "e")) == ["e", "m", "x", "y"]


def test_walk_leaving_the_known_history_asks_for_the_api():
    walker = RangeWalker(graph({"m": "c y", "e": "m", "c": "b"}))  # b, y unknown
    assert walker.range("c", "e") is None
    assert walker.range("zzz", "e") is None  # base never read
    assert RangeWalker(graph({"c": "b", "d": "c"})).range("c", "d") == ["d"]


def test_final_status_ignores_a_later_inactive():
    t = [datetime(2026, 1, 1, h, tzinfo=UTC) for h in range(5)]
    statuses = [
        {"id": 1, "state": "queued", "created_at": t[0]},
        {"id": 2, "state": "in_progress", "created_at": t[1]},
        {"id": 3, "state": "success", "created_at": t[2]},
        {"id": 4, "state": "inactive", "created_at": t[4]},
    ]
    assert final_status(statuses) == ("success", t[2])
    assert final_status(statuses[:2]) == (None, None)
    assert final_status([*statuses, {"id": 5, "state": "failure", "created_at": t[3]}]) == (
        "failure",
        t[3],
    )


def test_timestamps_become_utc():
    assert parse_timestamp("2026-03-01T08:30:00+08:00") == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    assert parse_timestamp("2026-03-01T00:30:00Z") == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    assert parse_timestamp(None) is None


def test_commit_row_flattens_the_api_shape():
    row = commit_row(
        "acme/api",
        {
            "sha": "m",
            "commit": {
                "message": "Merge pull request #7",
                "author": {"name": "Ann", "email": "ann@acme.test", "date": "2026-01-02T10:00:00Z"},
                "committer": {"name": "GitHub", "date": "2026-01-02T11:00:00+01:00"},
            },
            "author": {"login": "ann"},
            "committer": None,
            "parents": [{"sha": "c"}, {"sha": "y"}],
        },
    )
    assert row == {
        "repository": "acme/api",
        "sha": "m",
        "message": "Merge pull request #7",
        "author_name": "Ann",
        "author_email": "ann@acme.test",
        "author_login": "ann",
        "authored_at": datetime(2026, 1, 2, 10, tzinfo=UTC),
        "committer_login": None,
        "committed_at": datetime(2026, 1, 2, 10, tzinfo=UTC),
        "parent_shas": "c y",
        "parent_count": 2,
    }


def test_repositories_accept_strings_mappings_and_resolved_entries():
    class Resolved:
        repo = "acme/c"
        production_pattern = "^live$"

    repos = _repositories(
        ["acme/a", {"repo": "acme/b", "production_pattern": "^prd$"}, Resolved()], "^prod$"
    )
    assert [(r.repo, r.production_pattern) for r in repos] == [
        ("acme/a", "^prod$"),
        ("acme/b", "^prd$"),
        ("acme/c", "^live$"),
    ]
    assert repos[0].is_production("PROD")
    assert not repos[0].is_production("preprod")
    assert not repos[0].is_production(None)
