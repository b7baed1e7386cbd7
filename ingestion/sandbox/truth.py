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

from ingestion.sandbox.model import Deployment, Organisation, to_datetime


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "production_deployments": self.production_deployments,
            "deployment_frequency": self.deployment_frequency,
            "deployment_ranges": self.deployment_ranges,
            "deployment_commits": self.deployment_commits,
            "deployment_attempts": self.deployment_attempts,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, default=_json_default)

    def to_table(self) -> str:
        """Weekly production deployments per value stream, as aligned text."""
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
        return "\n".join(lines)


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {value!r}")


def week_start(moment: datetime, timezone: str) -> date:
    """The Monday of moment's ISO week, cut in `timezone`."""
    local = moment.astimezone(ZoneInfo(timezone)).date()
    return local - timedelta(days=local.weekday())


def ground_truth(org: Organisation, as_of: datetime | None = None) -> GroundTruth:
    """Metrics of `org` as of `as_of` (default: the organisation's now)."""
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
