"""The organisation's raw records as JSONL files: a floor for benchmarks (how fast DuckDB
alone reads the same data) and a way to inspect what the generator made."""

from __future__ import annotations

import dataclasses
import json
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ingestion.sandbox.model import Organisation


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("_")
        }
    if isinstance(value, list | tuple | array):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _write(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, separators=(",", ":"), ensure_ascii=False))
            out.write("\n")
            n += 1
    return n


def write_jsonl(org: Organisation, folder: str | Path) -> dict[str, int]:
    """Write one JSONL file per record kind into `folder`; returns rows per file name.

    Timestamps stay epoch seconds (`*_ts`). Pull request rows carry their commit shas, not
    the commits (those are in `pull_request_commits.jsonl`).
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)

    def commits() -> Iterator[dict[str, Any]]:
        for commits_of_repo in org.commits.values():
            for commit in commits_of_repo:
                yield _plain(commit)

    def pulls() -> Iterator[dict[str, Any]]:
        for by_repo in (org.pull_requests, org.unmerged_pull_requests):
            for prs in by_repo.values():
                for pr in prs:
                    row = _plain(dataclasses.replace(pr, commits=[], reviews=[]))
                    row["commit_shas"] = [c.sha for c in pr.commits]
                    row.pop("commits")
                    row.pop("reviews")
                    yield row

    def pull_commits() -> Iterator[dict[str, Any]]:
        for by_repo in (org.pull_requests, org.unmerged_pull_requests):
            for prs in by_repo.values():
                for pr in prs:
                    for commit in pr.commits:
                        yield dict(_plain(commit), pull_number=pr.number)

    def reviews() -> Iterator[dict[str, Any]]:
        for by_repo in (org.pull_requests, org.unmerged_pull_requests):
            for prs in by_repo.values():
                for pr in prs:
                    for review in pr.reviews:
                        yield dict(_plain(review), repository=pr.repository, number=pr.number)

    def deployments() -> Iterator[dict[str, Any]]:
        for dep in org.all_deployments():
            row = _plain(dep)
            row.pop("statuses")
            yield row

    def statuses() -> Iterator[dict[str, Any]]:
        for dep in org.all_deployments():
            for status in dep.statuses:
                yield dict(_plain(status), deployment_id=dep.deployment_id)

    def flat(groups: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
        for items in groups.values():
            for item in items:
                yield _plain(item)

    counts = {
        "value_streams.jsonl": _write(out / "value_streams.jsonl", map(_plain, org.value_streams)),
        "teams.jsonl": _write(out / "teams.jsonl", map(_plain, org.teams)),
        "people.jsonl": _write(out / "people.jsonl", map(_plain, org.people.values())),
        "repositories.jsonl": _write(out / "repositories.jsonl", map(_plain, org.repositories)),
        "commits.jsonl": _write(out / "commits.jsonl", commits()),
        "pull_requests.jsonl": _write(out / "pull_requests.jsonl", pulls()),
        "pull_request_commits.jsonl": _write(out / "pull_request_commits.jsonl", pull_commits()),
        "reviews.jsonl": _write(out / "reviews.jsonl", reviews()),
        "deployments.jsonl": _write(out / "deployments.jsonl", deployments()),
        "deployment_statuses.jsonl": _write(out / "deployment_statuses.jsonl", statuses()),
        "issues.jsonl": _write(out / "issues.jsonl", flat(org.issues)),
        "releases.jsonl": _write(out / "releases.jsonl", flat(org.releases)),
    }
    for tool, data, kinds in (
        ("jira", org.jira, ("projects", "issues", "versions")),
        ("pagerduty", org.pagerduty, ("services", "incidents")),
    ):
        if data is None:
            continue
        for kind in kinds:
            records = getattr(data, kind, None)
            if records is None:
                continue
            name = f"{tool}_{kind}.jsonl"
            counts[name] = _write(out / name, map(_plain, records))
    return counts
