"""What really happened in a sandbox organisation, computed from the generator's records.

Independent of any SQL and of the HTTP layer: the marts are compared against this.
Commit ranges use the generator's landing bookkeeping (`Commit.landed_seq`): the default
branch only moves forward, so the commits reachable from a head are exactly those that
landed up to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.sandbox.jira.truth import JiraTruth, jira_truth
from ingestion.sandbox.model import Deployment, Organisation, PullRequest, to_datetime

WEB_FLOW_LOGIN = "web-flow"  # GitHub's committer of squash and rebase merges
ATTRIBUTION_WINDOW = 24 * 3600


@dataclass
class GroundTruth:
    as_of: datetime
    # deployment_id, repository, value_stream_id, environment, sha, finished_at (aware UTC)
    production_deployments: list[dict[str, Any]] = field(default_factory=list)
    # value_stream_id, week_start (Monday, stream timezone), deployments
    deployment_frequency: list[dict[str, Any]] = field(default_factory=list)
    # deployment_id, repository, head_sha, base_deployment_id, base_sha, range_known,
    # commit_count: one row per successful production deployment
    deployment_ranges: list[dict[str, Any]] = field(default_factory=list)
    # deployment_id, repository, sha: the commits of every known range
    deployment_commits: list[dict[str, Any]] = field(default_factory=list)
    # deployment_id, repository, value_stream_id, environment, final_state, finished_at
    deployment_attempts: list[dict[str, Any]] = field(default_factory=list)
    # 2.2 one row per change shipped to production (first deployment whose range holds it):
    # deployment_id, repository, value_stream_id, sha, authored_at, deployed_at,
    # lead_time_seconds; negative ones go to lead_time_exclusions instead (+ reason)
    changes: list[dict[str, Any]] = field(default_factory=list)
    lead_time_exclusions: list[dict[str, Any]] = field(default_factory=list)
    # value_stream_id, week_start, n, median, p75, p95 (seconds), negative_excluded
    change_lead_time: list[dict[str, Any]] = field(default_factory=list)
    # per PR shipped: coding/pickup/review/deploy seconds (pickup/review None if unreviewed)
    pull_request_stages: list[dict[str, Any]] = field(default_factory=list)
    # 2.3 every incident (PagerDuty and GitHub `incident` issues) and the deployment it is
    # linked to ("explicit" or "window"), by the rules of metrics.md
    incidents: list[dict[str, Any]] = field(default_factory=list)
    # deployment_id, ..., reasons (incident/rollback/hotfix), recovered_at, recovery_seconds
    failed_deployments: list[dict[str, Any]] = field(default_factory=list)
    # value_stream_id, week_start, deployments, failed, rate
    change_failure_rate: list[dict[str, Any]] = field(default_factory=list)
    # 2.4 value_stream_id, week_start (of recovery / of resolution), n, median, p75, p95
    failed_deployment_recovery_time: list[dict[str, Any]] = field(default_factory=list)
    time_to_restore: list[dict[str, Any]] = field(default_factory=list)
    # 2.5 value_stream_id, week_start, deployments, rework (rollback or hotfix), rate; the
    # sandbox makes no "defect created from an incident" links, so those add nothing here
    deployment_rework_rate: list[dict[str, Any]] = field(default_factory=list)
    # 3-4 flow metrics and the work map from the Jira records (None without Jira data)
    flow: JiraTruth | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "production_deployments": self.production_deployments,
            "deployment_frequency": self.deployment_frequency,
            "deployment_ranges": self.deployment_ranges,
            "deployment_commits": self.deployment_commits,
            "deployment_attempts": self.deployment_attempts,
            "changes": self.changes,
            "lead_time_exclusions": self.lead_time_exclusions,
            "change_lead_time": self.change_lead_time,
            "pull_request_stages": self.pull_request_stages,
            "incidents": self.incidents,
            "failed_deployments": self.failed_deployments,
            "change_failure_rate": self.change_failure_rate,
            "failed_deployment_recovery_time": self.failed_deployment_recovery_time,
            "time_to_restore": self.time_to_restore,
            "deployment_rework_rate": self.deployment_rework_rate,
            "flow": self.flow.to_dict() if self.flow is not None else None,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, default=_json_default)

    def to_table(self) -> str:
        """Weekly production deployments per value stream, then the DORA summary per
        stream (all weeks together), as aligned text."""
        lines = [f"Production deployments per week (as of {self.as_of.isoformat()})"]
        lines.append(f"{'value stream':<16} {'week':<10} {'deployments':>11}")
        for row in self.deployment_frequency:
            lines.append(
                f"{row['value_stream_id']:<16} {row['week_start'].isoformat():<10} "
                f"{row['deployments']:>11}"
            )
        totals: dict[str, int] = {}
        for row in self.deployment_frequency:
            totals[row["value_stream_id"]] = (
                totals.get(row["value_stream_id"], 0) + row["deployments"]
            )
        for stream, total in totals.items():
            lines.append(f"{stream:<16} {'total':<10} {total:>11}")
        lines.append("")
        lines.append("DORA per value stream (whole history; durations in hours)")
        header = (
            f"{'value stream':<16} {'lead time p50':>13} {'p95':>8} {'changes':>8} "
            f"{'CFR':>6} {'failed':>6} {'recovery p50':>12} {'restore p50':>11} "
            f"{'rework':>6}"
        )
        lines.append(header)
        for stream in totals:

            def hours(values: list[float]) -> str:
                value = percentile(values, 0.5)
                return "-" if value is None else f"{value / 3600:.1f}"

            lead = [r["lead_time_seconds"] for r in self.changes if r["value_stream_id"] == stream]
            cfr = [r for r in self.change_failure_rate if r["value_stream_id"] == stream]
            n = sum(r["deployments"] for r in cfr)
            failed = sum(r["failed"] for r in cfr)
            rework = sum(
                r["rework"] for r in self.deployment_rework_rate if r["value_stream_id"] == stream
            )
            recovery = [
                r["recovery_seconds"]
                for r in self.failed_deployments
                if r["value_stream_id"] == stream and r["recovery_seconds"] is not None
            ]
            restore = [
                (r["resolved_at"] - r["triggered_at"]).total_seconds()
                for r in self.incidents
                if r["value_stream_id"] == stream and r["resolved_at"] is not None
            ]
            p95 = percentile(lead, 0.95)
            lines.append(
                f"{stream:<16} {hours(lead):>13} "
                f"{'-' if p95 is None else f'{p95 / 3600:.1f}':>8} {len(lead):>8} "
                f"{(f'{failed / n:.1%}' if n else '-'):>6} {failed:>6} {hours(recovery):>12} "
                f"{hours(restore):>11} {(f'{rework / n:.1%}' if n else '-'):>6}"
            )
        if self.flow is not None:
            lines += ["", *self._flow_table(list(totals))]
        return "\n".join(lines)

    def _flow_table(self, streams: list[str]) -> list[str]:
        assert self.flow is not None
        lines = [
            "Flow per value stream (whole history; flow time in days)",
            f"{'value stream':<16} {'completed':>9} {'flow time p50':>13} {'p85':>6} "
            f"{'efficiency':>10} {'load (mean)':>11}",
        ]
        for stream in streams:
            items = [
                item
                for item in self.flow.items
                if item.value_stream_id == stream and item.flow_time_s is not None
            ]
            weeks = [r for r in self.flow.flow_weekly if r["value_stream_id"] == stream]
            active = sum(item.active_s for item in items)
            total = sum(item.flow_time_s for item in items)
            times = [item.flow_time_s / 86400 for item in items]
            p50, p85 = percentile(times, 0.5), percentile(times, 0.85)
            loads = [r["flow_load"] for r in weeks if r.get("flow_load") is not None]
            lines.append(
                f"{stream:<16} {len(items):>9} {'-' if p50 is None else f'{p50:.1f}':>13} "
                f"{'-' if p85 is None else f'{p85:.1f}':>6} "
                f"{(f'{active / total:.1%}' if total else '-'):>10} "
                f"{(f'{sum(loads) / len(loads):.1f}' if loads else '-'):>11}"
            )
        return lines


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {value!r}")


def week_start(moment: datetime, timezone: str) -> date:
    """The Monday of moment's ISO week, cut in `timezone`."""
    local = moment.astimezone(ZoneInfo(timezone)).date()
    return local - timedelta(days=local.weekday())


def ground_truth(
    org: Organisation,
    as_of: datetime | None = None,
    attribution_window: int = ATTRIBUTION_WINDOW,
) -> GroundTruth:
    """Metrics of `org` as of `as_of` (default: the organisation's now); incidents are
    attributed to deployments that finished at most `attribution_window` seconds before."""
    as_of = as_of or org.now
    as_of_ts = int(as_of.timestamp())
    truth = GroundTruth(as_of=as_of)
    repos = {r.full_name: r for r in org.repositories}
    streams = {s.value_stream_id: s for s in org.value_streams}
    patterns = {
        s.value_stream_id: re.compile(s.production_pattern, re.IGNORECASE)
        for s in org.value_streams
    }

    production: list[tuple[int, Deployment]] = []
    for dep in org.all_deployments():
        if dep.created_ts > as_of_ts:
            continue
        stream_id = repos[dep.repository].value_stream_id
        finished = dep.finished_ts
        if finished is not None and finished > as_of_ts:
            finished = None
        final_state = dep.final_state if finished is not None else None
        truth.deployment_attempts.append(
            {
                "deployment_id": dep.deployment_id,
                "repository": dep.repository,
                "value_stream_id": stream_id,
                "environment": dep.environment,
                "final_state": final_state,
                "finished_at": to_datetime(finished) if finished is not None else None,
            }
        )
        if final_state == "success" and patterns[stream_id].search(dep.environment):
            production.append((finished or 0, dep))
    production.sort(key=lambda x: (x[0], x[1].deployment_id))

    for finished, dep in production:
        truth.production_deployments.append(
            {
                "deployment_id": dep.deployment_id,
                "repository": dep.repository,
                "value_stream_id": repos[dep.repository].value_stream_id,
                "environment": dep.environment,
                "sha": dep.sha,
                "finished_at": to_datetime(finished),
            }
        )

    _ranges(org, production, truth)
    _frequency(org, streams, as_of, truth)
    _dora(org, production, streams, as_of_ts, truth, attribution_window)
    if org.jira is not None:
        truth.flow = jira_truth(org.jira, as_of_ts)
    return truth


def _ranges(
    org: Organisation, production: list[tuple[int, Deployment]], truth: GroundTruth
) -> None:
    landed = {
        name: {c.sha: c.landed_seq for c in commits if c.landed_seq is not None}
        for name, commits in org.commits.items()
    }
    previous: dict[str, Deployment] = {}
    for _, dep in production:
        base = previous.get(dep.repository)
        previous[dep.repository] = dep
        row: dict[str, Any] = {
            "deployment_id": dep.deployment_id,
            "repository": dep.repository,
            "head_sha": dep.sha,
            "base_deployment_id": base.deployment_id if base else None,
            "base_sha": base.sha if base else None,
            "range_known": base is not None,
            "commit_count": None,
        }
        if base is not None:
            seqs = landed[dep.repository]
            head_seq, base_seq = seqs[dep.sha], seqs[base.sha]
            commits = org.commits[dep.repository][base_seq + 1 : head_seq + 1]
            row["commit_count"] = len(commits)
            truth.deployment_commits.extend(
                {"deployment_id": dep.deployment_id, "repository": dep.repository, "sha": c.sha}
                for c in commits
            )
        truth.deployment_ranges.append(row)


def _frequency(org: Organisation, streams: dict, as_of: datetime, truth: GroundTruth) -> None:
    counts: dict[tuple[str, date], int] = {}
    first: dict[str, date] = {}
    for row in truth.production_deployments:
        stream_id = row["value_stream_id"]
        week = week_start(row["finished_at"], streams[stream_id].timezone)
        counts[(stream_id, week)] = counts.get((stream_id, week), 0) + 1
        first[stream_id] = min(first.get(stream_id, week), week)
    for stream in org.value_streams:
        if stream.value_stream_id not in first:
            continue
        week = first[stream.value_stream_id]
        last = week_start(as_of, stream.timezone)
        while week <= last:
            truth.deployment_frequency.append(
                {
                    "value_stream_id": stream.value_stream_id,
                    "week_start": week,
                    "deployments": counts.get((stream.value_stream_id, week), 0),
                }
            )
            week += timedelta(days=7)


# ---------------------------------------------------------------------------------------
# DORA 2.2-2.5 (metrics.md section 2), from the generator's records


def percentile(values: list[float], q: float) -> float | None:
    """Continuous percentile (`percentile_cont`): linear between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _stats(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "median": percentile(values, 0.5),
        "p75": percentile(values, 0.75),
        "p95": percentile(values, 0.95),
    }


@dataclass
class _Prod:
    """A successful production deployment with what the truth needs about it."""

    dep: Deployment
    finished: int
    stream_id: str
    previous: _Prod | None = None
    next: _Prod | None = None
    pulls: list[PullRequest] = field(default_factory=list)
    rollback: bool = False
    hotfix: bool = False


def _incidents(org: Organisation, as_of_ts: int) -> list[dict[str, Any]]:
    """Every incident known at as_of: PagerDuty's and GitHub issues labelled `incident`."""
    rows: list[dict[str, Any]] = []
    if org.pagerduty is not None:
        for inc in org.pagerduty.incidents:
            if inc.triggered_ts > as_of_ts:
                continue
            resolved = inc.resolved_ts if inc.resolved_ts and inc.resolved_ts <= as_of_ts else None
            rows.append(
                {
                    "source": "pagerduty",
                    "incident_id": inc.incident_id,
                    "repository": inc.repository,
                    "priority": getattr(inc, "priority", None),
                    "triggered_ts": inc.triggered_ts,
                    "resolved_ts": resolved,
                    "caused_by_deployment_id": inc.caused_by_deployment_id,
                    "link_kind": inc.link_kind,
                }
            )
    for name, issues in org.issues.items():
        for issue in issues:
            if not issue.is_incident or issue.created_ts > as_of_ts:
                continue
            closed = issue.closed_ts if issue.closed_ts and issue.closed_ts <= as_of_ts else None
            severity = next((x for x in issue.labels if x.startswith("sev")), None)
            rows.append(
                {
                    "source": "github",
                    "incident_id": f"{name}#{issue.number}",
                    "repository": name,
                    "priority": severity,
                    "triggered_ts": issue.created_ts,
                    "resolved_ts": closed,
                    "caused_by_deployment_id": issue.caused_by_deployment_id,
                    "link_kind": issue.link_kind,
                }
            )
    rows.sort(key=lambda r: (r["triggered_ts"], r["incident_id"]))
    return rows


def _dora(
    org: Organisation,
    production: list[tuple[int, Deployment]],
    streams: dict[str, Any],
    as_of_ts: int,
    truth: GroundTruth,
    attribution_window: int,
) -> None:
    repos = {r.full_name: r for r in org.repositories}
    tz = {s: streams[s].timezone for s in streams}

    def week(ts: int, stream_id: str) -> date:
        return week_start(to_datetime(ts), tz[stream_id])

    # Production deployments per repository, in finish order, linked to their neighbours.
    prods: list[_Prod] = []
    by_repo: dict[str, list[_Prod]] = {}
    by_id: dict[int, _Prod] = {}
    for finished, dep in production:
        prod = _Prod(dep, finished, repos[dep.repository].value_stream_id)
        chain = by_repo.setdefault(dep.repository, [])
        if chain:
            prod.previous, chain[-1].next = chain[-1], prod
            earlier = {p.dep.sha for p in chain[:-1]}
            prod.rollback = dep.sha != chain[-1].dep.sha and dep.sha in earlier
        chain.append(prod)
        prods.append(prod)
        by_id[dep.deployment_id] = prod

    # 2.2 Changes and their lead times; PRs shipped by each deployment.
    seqs = {
        name: {c.sha: c.landed_seq for c in commits if c.landed_seq is not None}
        for name, commits in org.commits.items()
    }
    pulls = {
        name: {pr.number: pr for pr in prs if pr.merged_ts is not None}
        for name, prs in org.pull_requests.items()
    }
    merged_by_sha = {
        (pr.repository, pr.merge_commit_sha): pr for prs in pulls.values() for pr in prs.values()
    }
    lead: dict[tuple[str, date], list[float]] = {}
    negative: dict[tuple[str, date], int] = {}
    for name, chain in by_repo.items():
        commits = org.commits[name]
        shipped: set[str] = set()
        shipped_pulls: set[int] = set()
        for prod in chain:
            if prod.previous is None:
                continue  # the first deployment of a service has no known range
            head, base = seqs[name][prod.dep.sha], seqs[name][prod.previous.dep.sha]
            changes: list[Any] = []
            for commit in commits[base + 1 : head + 1]:
                pr = merged_by_sha.get((name, commit.sha))
                if pr is not None and pr.number not in shipped_pulls:
                    shipped_pulls.add(pr.number)
                    prod.pulls.append(pr)
                if len(commit.parents) > 1:
                    continue  # a merge commit is never a change
                if commit.pull_number is not None and commit.committer_login == WEB_FLOW_LOGIN:
                    squashed = pulls[name].get(commit.pull_number)
                    if squashed is not None:  # squash/rebase: the PR's own commits instead
                        changes.extend(c for c in squashed.commits)
                        continue
                changes.append(commit)
            key = (prod.stream_id, week(prod.finished, prod.stream_id))
            for change in changes:
                if change.sha in shipped:
                    continue
                shipped.add(change.sha)
                seconds = prod.finished - change.authored_ts
                row = {
                    "deployment_id": prod.dep.deployment_id,
                    "repository": name,
                    "value_stream_id": prod.stream_id,
                    "sha": change.sha,
                    "authored_at": to_datetime(change.authored_ts),
                    "deployed_at": to_datetime(prod.finished),
                    "lead_time_seconds": float(seconds),
                }
                if seconds < 0:
                    truth.lead_time_exclusions.append(dict(row, reason="negative lead time"))
                    negative[key] = negative.get(key, 0) + 1
                    continue
                truth.changes.append(row)
                lead.setdefault(key, []).append(float(seconds))
        for prod in chain:
            prod.hotfix = any(pr.is_hotfix for pr in prod.pulls)
    for key in sorted(set(lead) | set(negative)):
        stream_id, week_of = key
        truth.change_lead_time.append(
            {
                "value_stream_id": stream_id,
                "week_start": week_of,
                **_stats(lead.get(key, [])),
                "negative_excluded": negative.get(key, 0),
            }
        )

    # Per-PR stages of the lead time (coding, pickup, review, deploy) for shipped PRs.
    bots = {login for login, p in org.people.items() if p.kind == "Bot"}
    for prod in prods:
        for pr in prod.pulls:
            assert pr.merged_ts is not None
            opened = pr.ready_ts or pr.created_ts
            first_review = next(
                (
                    r.submitted_ts
                    for r in pr.reviews
                    if r.reviewer_login != pr.author_login and r.reviewer_login not in bots
                ),
                None,
            )
            truth.pull_request_stages.append(
                {
                    "repository": pr.repository,
                    "number": pr.number,
                    "deployment_id": prod.dep.deployment_id,
                    "value_stream_id": prod.stream_id,
                    "deployed_at": to_datetime(prod.finished),
                    "coding_seconds": float(pr.created_ts - min(c.authored_ts for c in pr.commits)),
                    "pickup_seconds": float(first_review - opened) if first_review else None,
                    "review_seconds": float(pr.merged_ts - first_review) if first_review else None,
                    "deploy_seconds": float(prod.finished - pr.merged_ts),
                    "approved": any(r.state == "APPROVED" for r in pr.reviews),
                }
            )

    # 2.3 Incidents linked explicitly, else by the attribution window.
    incidents = _incidents(org, as_of_ts)
    linked: dict[int, list[dict[str, Any]]] = {}
    for inc in incidents:
        target: _Prod | None = None
        if inc["link_kind"] == "explicit" and inc["caused_by_deployment_id"] in by_id:
            target, how = by_id[inc["caused_by_deployment_id"]], "explicit"
        else:
            how = "window"
            for prod in reversed(by_repo.get(inc["repository"], [])):
                if prod.finished <= inc["triggered_ts"]:
                    if inc["triggered_ts"] - prod.finished <= attribution_window:
                        target = prod
                    break
        stream_id = repos[inc["repository"]].value_stream_id
        truth.incidents.append(
            {
                "source": inc["source"],
                "incident_id": inc["incident_id"],
                "repository": inc["repository"],
                "value_stream_id": stream_id,
                "priority": inc["priority"],
                "triggered_at": to_datetime(inc["triggered_ts"]),
                "resolved_at": to_datetime(inc["resolved_ts"]) if inc["resolved_ts"] else None,
                "deployment_id": target.dep.deployment_id if target else None,
                "link": how if target else None,
            }
        )
        if target is not None:
            linked.setdefault(target.dep.deployment_id, []).append(inc)

    cfr: dict[tuple[str, date], list[int]] = {}
    rework: dict[tuple[str, date], list[int]] = {}
    recovery: dict[tuple[str, date], list[float]] = {}
    for prod in prods:
        reasons = []
        if prod.dep.deployment_id in linked:
            reasons.append("incident")
        after = prod.next
        if after is not None and after.rollback:
            reasons.append("rollback")
        if (
            after is not None
            and after.hotfix
            and after.finished - prod.finished <= attribution_window
        ):
            reasons.append("hotfix")
        key = (prod.stream_id, week(prod.finished, prod.stream_id))
        counts = cfr.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += bool(reasons)
        again = rework.setdefault(key, [0, 0])
        again[0] += 1
        again[1] += prod.rollback or prod.hotfix
        if not reasons:
            continue
        # 2.4 Recovery: the earlier of the linked incidents' resolution and the fix deploy.
        candidates = []
        incs = linked.get(prod.dep.deployment_id, [])
        if incs and all(i["resolved_ts"] is not None for i in incs):
            candidates.append(max(i["resolved_ts"] for i in incs))
        if after is not None and (after.rollback or after.hotfix):
            candidates.append(after.finished)
        recovered = min(candidates) if candidates else None
        truth.failed_deployments.append(
            {
                "deployment_id": prod.dep.deployment_id,
                "repository": prod.dep.repository,
                "value_stream_id": prod.stream_id,
                "finished_at": to_datetime(prod.finished),
                "reasons": reasons,
                "recovered_at": to_datetime(recovered) if recovered else None,
                "recovery_seconds": float(recovered - prod.finished) if recovered else None,
            }
        )
        if recovered is not None:
            rkey = (prod.stream_id, week(recovered, prod.stream_id))
            recovery.setdefault(rkey, []).append(float(recovered - prod.finished))
    for (stream_id, week_of), (n, failed) in sorted(cfr.items()):
        truth.change_failure_rate.append(
            {
                "value_stream_id": stream_id,
                "week_start": week_of,
                "deployments": n,
                "failed": failed,
                "rate": failed / n if n else None,
            }
        )
    for (stream_id, week_of), (n, fixes) in sorted(rework.items()):
        truth.deployment_rework_rate.append(
            {
                "value_stream_id": stream_id,
                "week_start": week_of,
                "deployments": n,
                "rework": fixes,
                "rate": fixes / n if n else None,
            }
        )
    for (stream_id, week_of), values in sorted(recovery.items()):
        truth.failed_deployment_recovery_time.append(
            {"value_stream_id": stream_id, "week_start": week_of, **_stats(values)}
        )
    restore: dict[tuple[str, date], list[float]] = {}
    for row in truth.incidents:
        if row["resolved_at"] is None:
            continue
        stream_id = row["value_stream_id"]
        seconds = (row["resolved_at"] - row["triggered_at"]).total_seconds()
        key = (stream_id, week_start(row["resolved_at"], tz[stream_id]))
        restore.setdefault(key, []).append(seconds)
    for (stream_id, week_of), values in sorted(restore.items()):
        truth.time_to_restore.append(
            {"value_stream_id": stream_id, "week_start": week_of, **_stats(values)}
        )
