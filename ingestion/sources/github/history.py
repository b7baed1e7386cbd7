"""Reading only the new part of a default branch's history, by its parent links.

GitHub lists a branch's history newest commit date first (`git log` order) and filters
`since` on the committer date. A branch commit committed days before its merge lands on the
default branch behind any date cursor, so dates cannot say what is new. The graph can: the
commits new since the last run are those the head reaches and the heads loaded last time do
not. Pages are read from the head until every parent chain of a new commit is closed, that
is until each parent is either read or known to be reachable from a known head (its own
descendant on that side was read). The first page after the known heads usually closes it;
a merged branch keeps the walk going back to where it left the default branch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ingestion.quarantine import QuarantineRow

Checked = dict[str, Any] | QuarantineRow


@dataclass
class HistoryWalk:
    """Feed pages of checked rows (newest first); `closed` says when to stop.

    `known`: shas loaded before (the heads of the last run). Without any, nothing closes and
    every page is read (a first load)."""

    known: Iterable[str]
    old: set[str] = field(default_factory=set)
    new: set[str] = field(default_factory=set)
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    head: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[QuarantineRow] = field(default_factory=list)

    def __post_init__(self) -> None:
        for sha in list(self.known):
            self._mark_old(sha)

    def add(self, page: Iterable[Checked]) -> None:
        for item in page:
            if isinstance(item, QuarantineRow):
                self.quarantined.append(item)
                # Its parents are unknown: it closes its chain (the cursor waits for it, so
                # the next run walks this part again).
                sha = item.record_id or ""
                parents: tuple[str, ...] = ()
            else:
                self.rows.append(item)
                sha = item["sha"]
                parents = tuple((item.get("parent_shas") or "").split())
            if self.head is None:
                # The listing starts at the branch head, as `git log` does.
                self.head = sha
                self._mark_new(sha)
            self.parents[sha] = parents
            if sha in self.old:
                self._mark_old(sha, force=True)
            elif sha in self.new:
                self._mark_new(sha, force=True)

    @property
    def closed(self) -> bool:
        """True once every new commit's parents are read or reachable from a known head."""
        if self.head is None or not self.old:
            return False
        return all(sha in self.parents or sha in self.old for sha in self.new)

    def _mark_old(self, sha: str, force: bool = False) -> None:
        stack = [sha]
        while stack:
            current = stack.pop()
            if current in self.old and not (force and current == sha):
                continue
            self.old.add(current)
            stack.extend(p for p in self.parents.get(current, ()) if p not in self.old)

    def _mark_new(self, sha: str, force: bool = False) -> None:
        stack = [sha]
        while stack:
            current = stack.pop()
            if current in self.old or (current in self.new and not (force and current == sha)):
                continue
            self.new.add(current)
            stack.extend(
                p for p in self.parents.get(current, ()) if p not in self.old and p not in self.new
            )
