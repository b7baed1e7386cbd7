"""The default branch's history is read by its parent links, not by dates: a branch commit
committed days before its merge is loaded by the run after the merge, although its date is
older than anything the previous run read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from github_test_support import query

from ingestion.pipelines import github_pipeline
from ingestion.sources.github import github_source, settings

OVERLAP = int(settings.COMMITS_OVERLAP_HOURS * 3600)
DAY = 24 * 3600


def _late_commit(org, server):
    """A commit that landed on the default branch long after it was committed, and a clock
    just before it landed at which the branch head is newer than it by more than the overlap
    (so reading `since` the previous run's newest commit minus the overlap misses it)."""
    found = []
    for repo in org.repositories:
        index = server.github._repos[repo.full_name.lower()]
        for commit in reversed(org.commits.get(repo.full_name, [])):  # the latest case
            if commit.landed_ts is None or commit.landed_ts < commit.committed_ts + 2 * DAY:
                continue
            before = commit.landed_ts - 60
            head = index.head_at(before)
            if head.committed_ts - OVERLAP > commit.committed_ts and commit.sha not in {
                c.sha for c in index.history(head.sha)
            }:
                found.append((commit.landed_ts, repo.full_name, commit, before, index))
                break
    assert found, "the sandbox has no commit merged long after it was committed"
    return max(found, key=lambda item: item[0])[1:]


@pytest.mark.parametrize("graphql_history", [True, False], ids=["graphql", "rest"])
def test_a_commit_committed_before_the_last_run_and_merged_after_it_is_loaded(
    org, server, token, tmp_path, graphql_history
):
    repo, late, before, index = _late_commit(org, server)
    after = late.landed_ts + 3600
    warehouse = tmp_path / "warehouse.duckdb"
    pipeline = github_pipeline(warehouse, tmp_path / "dlt")

    def run() -> dict[str, int]:
        server.reset_counts()
        source = github_source(
            [repo], api_url=server.github_api_url, graphql_history=graphql_history
        ).with_resources("commits")
        pipeline.run(source).raise_on_failed_jobs()
        return dict(server.request_counts)

    def loaded() -> dict[str, datetime]:
        return dict(
            query(
                warehouse,
                f"select sha, committed_at from raw_github.commits where repository = '{repo}'",
            )
        )

    def sandbox(clock: int) -> dict[str, datetime]:
        return {
            c.sha: datetime.fromtimestamp(c.committed_ts, tz=UTC)
            for c in index.history(index.head_at(clock).sha)
        }

    try:
        server.clock = datetime.fromtimestamp(before, tz=UTC)
        run()
        assert loaded() == sandbox(before)
        assert late.sha not in loaded()
        # The previous run's newest commit is more than the overlap newer than `late`.
        assert max(loaded().values()).timestamp() - OVERLAP > late.committed_ts

        server.clock = datetime.fromtimestamp(after, tz=UTC)
        requests = run()
    finally:
        server.clock = org.now
    assert late.sha in loaded()
    assert loaded() == sandbox(after)
    # Only the new part of the history is read: a page or a few, not the whole branch.
    pages = requests["/graphql" if graphql_history else "/repos/{owner}/{repo}/commits"]
    assert pages < len(sandbox(after)) / settings.PER_PAGE, pages
