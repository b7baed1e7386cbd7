"""How many rows a full load of the sandbox should give each raw table, from the organisation's
own records (not from its HTTP layer): what the connectors' benchmark and acceptance tests
compare a warehouse with.

Repositories that deploy through an Actions workflow have no GitHub deployments: their
deployments are `workflow_runs` (one per deployment, previews included), and their
successful production runs have ranges like deployments do.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ingestion.sandbox.model import Organisation, check_runs_for
from ingestion.sandbox.truth import GroundTruth, ground_truth

if TYPE_CHECKING:
    from ingestion.sandbox.server import SandboxServer

# GitHub lists at most this many commits of a pull request.
PULL_REQUEST_COMMITS_LISTED = 250


def github_counts(
    org: Organisation,
    clock: int,
    server: SandboxServer | None = None,
    truth: GroundTruth | None = None,
) -> dict[str, int]:
    """Rows per `raw_github` table at `clock` (epoch seconds). `check_runs` needs the
    server (which shas carry checks is its index's); `truth` saves computing it again when
    it is the truth at `clock`."""
    through_workflow = {r.full_name for r in org.repositories if r.deploy_via == "workflow"}
    deployments = [d for d in org.all_deployments() if d.created_ts <= clock]
    api = [d for d in deployments if d.repository not in through_workflow]
    truth = truth or ground_truth(org, as_of=datetime.fromtimestamp(clock, UTC))
    pulls = [
        p
        for group in (org.pull_requests, org.unmerged_pull_requests)
        for prs in group.values()
        for p in prs
        if p.created_ts <= clock
    ]
    counts = {
        "deployments": len(api),
        "deployment_statuses": sum(1 for d in api for s in d.statuses if s.created_ts <= clock),
        "workflow_runs": len(deployments) - len(api),
        "commits": sum(
            1
            for commits in org.commits.values()
            for c in commits
            if (c.landed_ts if c.landed_ts is not None else c.committed_ts) <= clock
        ),
        "deployment_ranges": len(truth.deployment_ranges),
        "deployment_commits": len(truth.deployment_commits),
        "pull_requests": len(pulls),
        "pull_request_reviews": sum(1 for p in pulls for r in p.reviews if r.submitted_ts <= clock),
        "pull_request_commits": sum(len(p.commits[:PULL_REQUEST_COMMITS_LISTED]) for p in pulls),
        "releases": sum(1 for rs in org.releases.values() for r in rs if r.published_ts <= clock),
        "issues": sum(1 for items in org.issues.values() for i in items if i.created_ts <= clock),
    }
    if server is not None:
        counts["check_runs"] = _check_runs(server, truth, clock)
    return counts


def _check_runs(server: SandboxServer, truth: GroundTruth, clock: int) -> int:
    """Check runs of every sha a successful production deployment shipped, started by
    `clock`."""
    total = 0
    for repository, sha in {(d["repository"], d["sha"]) for d in truth.production_deployments}:
        index = server.github._repos[repository.lower()]
        if sha not in index.checked_shas:
            continue
        commit = index.by_sha[sha]
        runs = check_runs_for(repository, sha, commit.committed_ts, sha in index.pr_heads)
        total += sum(1 for run in runs if run[2] <= clock)
    return total


def jira_counts(server: SandboxServer, clock: int) -> dict[str, int]:
    """Rows per `raw_jira` table at `clock`."""
    jira, api = server.org.jira, server.jira
    issues = [i for i in jira.issues if i.created_ts <= clock]
    items = 0
    for issue in issues:
        for n in range(issue.visible_count(clock)):
            items += len(json.loads(api._history_json(issue, n))["items"])
    return {
        "issues": len(issues),
        "changelog_items": items,
        "statuses": len(jira.statuses),
        "versions": sum(1 for v in jira.versions if v.created_ts <= clock),
    }


def pagerduty_counts(org: Organisation, clock: int) -> dict[str, int]:
    """Rows per `raw_pagerduty` table at `clock`."""
    pd = org.pagerduty
    incidents = [i for i in pd.incidents if i.triggered_ts <= clock]
    entries = 0
    for i in incidents:
        times = [i.triggered_ts, *(note.created_ts for note in i.notes)]
        times += [t for t in (i.acknowledged_ts, i.resolved_ts) if t is not None]
        entries += sum(1 for t in times if t <= clock)
    return {
        "services": sum(1 for s in pd.services if s.created_ts <= clock),
        "incidents": len(incidents),
        "log_entries": entries,
    }
