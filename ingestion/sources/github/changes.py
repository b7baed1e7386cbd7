"""The change-check of a later run: whether a repository's REST lists of deployments,
releases and issues can tell anything new, judged from the small GraphQL pages the probes
carry (`queries.repository_probes`, many repositories per query).

Each REST re-read covers a window: deployments created since the newest known one minus an
overlap, releases likewise, issues updated since the cursor minus an overlap. The resources
keep what that window held when they last read it (`remember_*`): deployment ids with their
`updated_at` (GitHub moves it with every new status), the releases' fields, the issues'
numbers with their `updated_at`. A repository is asked again when its probe page shows a
record of the window that is not kept, or kept with another value, or when the page does
not reach the window's start (more records than one page). Anything unknown -- no record
kept yet, no page, an unreadable value -- counts as changed: the REST list is asked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .helpers import parse_timestamp
from .rows import node_database_id


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return parse_timestamp(value)
    except (TypeError, ValueError):
        return None


def _same_time(a: Any, b: Any) -> bool:
    left, right = _time(a), _time(b)
    return left is not None and left == right


def _covers(nodes: list[Mapping[str, Any]], page: Mapping[str, Any], field: str,
            start: datetime | None) -> bool:  # fmt: skip
    """Whether a newest-first page reaches behind `start` (or holds every record)."""
    if not (page.get("pageInfo") or {}).get("hasNextPage"):
        return True
    if start is None:
        return False
    return any((_time(node.get(field)) or start) < start for node in nodes)


# --------------------------------------------------------------------------- deployments


def remember_deployments(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """`{id: updated_at}` of the deployments a REST read listed (its whole window)."""
    return {
        str(row["id"]): row["updated_at"].isoformat()
        for row in rows
        if row.get("updated_at") is not None
    }


def deployments_unchanged(
    page: Mapping[str, Any] | None, start: datetime | None, known: Mapping[str, str] | None
) -> bool:
    """True when the probe's deployments page (newest created first) shows no deployment of
    the window `[start, now]` (every one when `start` is None: nothing was loaded yet) that
    is new or updated since the last REST read."""
    if page is None or not isinstance(known, Mapping):
        return False
    nodes = [node for node in page.get("nodes") or [] if isinstance(node, Mapping)]
    if not _covers(nodes, page, "createdAt", start):
        return False
    for node in nodes:
        created = _time(node.get("createdAt"))
        if created is None:
            return False
        if start is not None and created < start:
            continue
        key = str(node.get("databaseId"))
        if key not in known or not _same_time(known[key], node.get("updatedAt")):
            return False
    return True


# --------------------------------------------------------------------------- releases


def _fingerprint(values: tuple[Any, ...]) -> str:
    text = json.dumps(values, default=str, sort_keys=True)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def _release_values(
    tag: Any, name: Any, draft: Any, prerelease: Any, created: Any, published: Any, body: Any
) -> tuple[Any, ...]:  # fmt: skip
    return (
        tag,
        name or "",
        bool(draft),
        bool(prerelease),
        (_time(created) or "").__str__(),
        (_time(published) or "").__str__(),
        body or "",
    )


def remember_releases(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """`{id: fingerprint}` of the releases a REST read listed: what GraphQL serves of them
    too and an edit can change (tag, name, draft, prerelease, creation, publication, body;
    not the author, which GraphQL types as a `User` and so cannot name an app)."""
    return {
        str(row["id"]): _fingerprint(
            _release_values(
                row.get("tag_name"),
                row.get("name"),
                row.get("draft"),
                row.get("prerelease"),
                row.get("created_at"),
                row.get("published_at"),
                row.get("body"),
            )
        )
        for row in rows
    }


def _node_fingerprint(node: Mapping[str, Any]) -> str:
    return _fingerprint(
        _release_values(
            node.get("tagName"),
            node.get("name"),
            node.get("isDraft"),
            node.get("isPrerelease"),
            node.get("createdAt"),
            node.get("publishedAt"),
            node.get("description"),
        )
    )


def releases_unchanged(
    page: Mapping[str, Any] | None, start: datetime | None, known: Mapping[str, str] | None
) -> bool:
    """True when the probe's releases page (newest created first) shows no release of the
    window `[start, now]` that is new or differs from the last REST read. A draft always
    counts as changed: REST's `target_commitish` of a draft can move unseen by GraphQL."""
    if page is None or not isinstance(known, Mapping):
        return False
    nodes = [node for node in page.get("nodes") or [] if isinstance(node, Mapping)]
    if not _covers(nodes, page, "createdAt", start):
        return False
    for node in nodes:
        created = _time(node.get("createdAt"))
        if created is None or node.get("isDraft"):
            return False
        if start is not None and created < start:
            continue
        key = str(node_database_id(node.get("id")))
        if known.get(key) != _node_fingerprint(node):
            return False
    return True


# --------------------------------------------------------------------------- issues


def remember_issues(rows: Iterable[Mapping[str, Any]], since: datetime | None) -> dict[str, str]:
    """`{number: updated_at}` of the issues a REST read listed that the next read (`since`
    the advanced cursor minus the overlap) asks for again."""
    return {
        str(row["number"]): row["updated_at"].isoformat()
        for row in rows
        if row.get("updated_at") is not None and (since is None or row["updated_at"] >= since)
    }


def issues_unchanged(page: Mapping[str, Any] | None, known: Mapping[str, str] | None) -> bool:
    """True when the probe's page of issues updated since the REST read's `since` holds
    them all, each kept with the same `updated_at`."""
    if page is None or not isinstance(known, Mapping):
        return False
    if (page.get("pageInfo") or {}).get("hasNextPage"):
        return False
    for node in page.get("nodes") or []:
        if not isinstance(node, Mapping):
            return False
        key = str(node.get("number"))
        if key not in known or not _same_time(known[key], node.get("updatedAt")):
            return False
    return True
