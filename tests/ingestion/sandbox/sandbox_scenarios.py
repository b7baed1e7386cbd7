"""Hand-built organisations for the sandbox tests, with histories small enough to reason about."""

from __future__ import annotations

from datetime import UTC, datetime

from ingestion.sandbox.model import (
    Commit,
    Deployment,
    DeploymentStatus,
    Organisation,
    Person,
    PullRequest,
    Repository,
    Team,
    ValueStream,
)

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def ts(text: str) -> int:
    """Epoch seconds of an ISO time written in UTC, e.g. "2026-11-02T10:00"."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def commit(sha_char: str, at: str, parents: tuple[str, ...], seq: int | None, fp: bool) -> Commit:
    sha = sha_char * 40
    t = ts(at)
    return Commit(sha, "acme/app", f"commit {sha_char}", "alice", t, "alice", t,
                  tuple(p * 40 for p in parents), landed_ts=t if seq is not None else None,
                  landed_seq=seq, first_parent=fp)  # fmt: skip


def tiny_history() -> tuple[list[Commit], Commit]:
    """Default branch of acme/app (landing order) and one unmerged branch commit.

    a - b ----- m - c - d        m merges the branch x1 - x2 started from a
     \\   \\    /
      \\   y1 (unmerged, branched from b)
       x1 - x2
    """
    main = [
        commit("a", "2026-11-01T09:00", (), 0, True),
        commit("b", "2026-11-02T09:00", ("a",), 1, True),
        commit("1", "2026-11-02T10:00", ("a",), 2, False),  # x1
        commit("2", "2026-11-02T11:00", ("1",), 3, False),  # x2
        commit("e", "2026-11-03T09:00", ("b", "2"), 4, True),  # merge m
        commit("c", "2026-11-10T09:00", ("e",), 5, True),
        commit("d", "2026-11-11T09:00", ("c",), 6, True),
    ]
    main[2].landed_ts = main[3].landed_ts = main[4].landed_ts
    y1 = commit("f", "2026-11-03T12:00", ("b",), None, False)
    return main, y1


def status(state: str, at: str) -> DeploymentStatus:
    return DeploymentStatus(0, state, ts(at), "github-actions[bot]", "", "acme/app/actions/runs/1")


def deployment(dep_id: int, environment: str, sha_char: str, *statuses: DeploymentStatus,
               repository: str = "acme/app", ref: str = "main") -> Deployment:  # fmt: skip
    return Deployment(
        deployment_id=dep_id, repository=repository, sha=sha_char * 40, ref=ref,
        environment=environment, description="", creator_login="github-actions[bot]",
        created_ts=statuses[0].created_ts, statuses=list(statuses),
        production_environment=environment.lower().startswith("prod"),
        transient_environment=False,
    )  # fmt: skip


def tiny_org(
    deployments: list[Deployment],
    timezone: str = "UTC",
    now: datetime = NOW,
    repos: tuple[str, ...] = ("app",),
) -> Organisation:
    main, y1 = tiny_history()
    for n, st in enumerate(s for d in deployments for s in d.statuses):
        st.status_id = 900 + n
    people = {
        "alice": Person("alice", "Alice Example", "alice@acme.example", 5_000_001, "core"),
        "github-actions[bot]": Person(
            "github-actions[bot]", "github-actions[bot]", "bot@example.com", 41898282, None, "Bot"
        ),
    }
    repositories = [
        Repository(100_001 + i, "acme", name, "shop", "core", ts("2026-10-01T00:00"))
        for i, name in enumerate(repos)
    ]
    org = Organisation(
        login="acme", name="Acme", tier="tiny", seed=1, now=now,
        value_streams=[ValueStream("shop", "Shop", timezone, ("core",))],
        teams=[Team("core", "Core", "shop", ("alice",))],
        people=people, repositories=repositories,
    )  # fmt: skip
    for repo in repositories:
        org.commits[repo.full_name] = main if repo.name == "app" else []
        org.pull_requests[repo.full_name] = []
        org.deployments[repo.full_name] = [d for d in deployments if d.repository == repo.full_name]
    org.pull_requests["acme/app"] = [
        PullRequest(
            7,
            "acme/app",
            "WIP",
            "alice",
            "alice/wip",
            "b" * 40,
            "merge",
            y1.authored_ts,
            y1.authored_ts,
            "alice",
            [y1],
            "f" * 40,
        )  # fmt: skip
    ]
    return org
