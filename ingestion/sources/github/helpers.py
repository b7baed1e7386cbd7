"""HTTP access to the GitHub REST API, row flattening and commit-range arithmetic."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import HeaderLinkPaginator
from requests import Response

from .._http import parse_timestamp, raise_for_answer, require_json, retrying_session
from . import settings

__all__ = [
    "CommitGraph",
    "GitHubAuthError",
    "GitHubClient",
    "GitHubSourceError",
    "RangeWalker",
    "commit_row",
    "deployment_row",
    "final_status",
    "parse_timestamp",
    "status_row",
]

logger = logging.getLogger(__name__)


class GitHubSourceError(Exception):
    """The GitHub source cannot go on; the message is one line a user can act on."""


class GitHubAuthError(GitHubSourceError):
    """The token is missing, wrong or lacks access."""


# --------------------------------------------------------------------------- HTTP


def _is_rate_limited(response: Response) -> bool:
    # GitHub answers an exhausted (primary or secondary) rate limit with 403 or 429 and
    # either Retry-After or X-RateLimit-Remaining: 0.
    return response.status_code in (403, 429) and (
        "Retry-After" in response.headers or response.headers.get("X-RateLimit-Remaining") == "0"
    )


def _retry_rate_limited(response: Response | None, exception: BaseException | None) -> bool:
    return response is not None and _is_rate_limited(response)


class GitHubClient:
    """GitHub REST v3 through dlt's RESTClient: Link-header pages, bearer auth, and the
    retrying `requests` session of dlt (429, 5xx and rate-limited 403 are retried,
    honouring Retry-After)."""

    def __init__(self, api_url: str, access_token: str | None, per_page: int) -> None:
        if not access_token:
            raise GitHubAuthError(
                "github source: no access token; set "
                f"{settings.TOKEN_SETTING} (or access_token under [sources.github] in "
                ".dlt/secrets.toml)"
            )
        self.api_url = api_url.rstrip("/")
        self.per_page = per_page
        self.requests = 0
        self.rate_limit_remaining: str | None = None
        session = retrying_session(_retry_rate_limited)
        self.rest = RESTClient(
            base_url=self.api_url,
            headers=dict(settings.HEADERS),
            auth=BearerTokenAuth(token=access_token),
            paginator=HeaderLinkPaginator(),
            session=session,
        )

    def _check(self, response: Response, *args: Any, **kwargs: Any) -> None:
        """Response hook: count, note the rate limit, turn errors into one clear line, and
        retry a successful answer whose body is cut short."""
        self.requests += 1
        remaining = response.headers.get("X-RateLimit-Remaining")
        if remaining is not None:
            self.rate_limit_remaining = remaining
        raise_for_answer(
            response,
            source="github",
            tool="GitHub",
            auth_error=GitHubAuthError,
            error=GitHubSourceError,
            auth_hint=f"set {settings.TOKEN_SETTING} to a token that can read this repository",
            retryable=_is_rate_limited,
        )
        # A 200 whose JSON body is cut short is retried like a dropped connection.
        require_json(response)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        response = self.rest.get(path, params=dict(params or {}), hooks={"response": [self._check]})
        return response.json()

    def pages(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        data_selector: str | None = "$",
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list endpoint, following `Link: rel="next"`."""
        query = {"per_page": self.per_page, **(params or {})}
        for number, page in enumerate(
            self.rest.paginate(
                path,
                params=query,
                data_selector=data_selector,
                hooks={"response": [self._check]},
            ),
            start=1,
        ):
            logger.debug(
                "github: %s page %d: %d records (rate limit remaining %s)",
                path,
                number,
                len(page),
                self.rate_limit_remaining,
            )
            yield list(page)


# --------------------------------------------------------------------------- rows


def _time(value: Any, name: str) -> datetime | None:
    """`parse_timestamp`, its error naming the field (for the quarantine's reason)."""
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from error


def _login(user: Mapping[str, Any] | None) -> str | None:
    return user.get("login") if user else None


def deployment_row(repository: str, item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "repository": repository,
        "sha": item.get("sha"),
        "ref": item.get("ref"),
        "task": item.get("task"),
        "environment": item.get("environment"),
        "original_environment": item.get("original_environment"),
        "description": item.get("description"),
        "creator_login": _login(item.get("creator")),
        "created_at": _time(item.get("created_at"), "created_at"),
        "updated_at": _time(item.get("updated_at"), "updated_at"),
        "production_environment": item.get("production_environment"),
        "transient_environment": item.get("transient_environment"),
    }


def status_row(repository: str, deployment_id: int, item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "deployment_id": deployment_id,
        "repository": repository,
        "state": item.get("state"),
        "environment": item.get("environment"),
        "description": item.get("description"),
        "creator_login": _login(item.get("creator")),
        "created_at": _time(item.get("created_at"), "created_at"),
        "updated_at": _time(item.get("updated_at"), "updated_at"),
        "log_url": item.get("log_url") or item.get("target_url"),
    }


def commit_row(repository: str, item: Mapping[str, Any]) -> dict[str, Any]:
    commit = item.get("commit") or {}
    author = commit.get("author") or {}
    committer = commit.get("committer") or {}
    parents = [parent["sha"] for parent in item.get("parents") or []]
    return {
        "repository": repository,
        "sha": item["sha"],
        "message": commit.get("message"),
        "author_name": author.get("name"),
        "author_email": author.get("email"),
        "author_login": _login(item.get("author")),
        "authored_at": _time(author.get("date"), "commit.author.date"),
        "committer_login": _login(item.get("committer")),
        "committed_at": _time(committer.get("date"), "commit.committer.date"),
        "parent_shas": " ".join(parents),
        "parent_count": len(parents),
    }


def final_status(statuses: Iterable[Mapping[str, Any]]) -> tuple[str | None, datetime | None]:
    """A deployment's outcome: its latest success/failure/error status and when it came."""
    terminal = [s for s in statuses if s.get("state") in settings.TERMINAL_STATES]
    if not terminal:
        return None, None
    last = max(terminal, key=lambda s: (s["created_at"], s["id"]))
    return last["state"], last["created_at"]


# --------------------------------------------------------------------------- commit ranges


class CommitGraph:
    """The parent links of the commits read so far, for walking ranges without the API."""

    def __init__(self, commits: Iterable[Mapping[str, Any]] = ()) -> None:
        self.parents: dict[str, tuple[str, ...]] = {}
        self.add(commits)

    def add(self, commits: Iterable[Mapping[str, Any]]) -> None:
        for row in commits:
            self.parents[row["sha"]] = tuple((row.get("parent_shas") or "").split())

    def __contains__(self, sha: object) -> bool:
        return sha in self.parents

    def ancestors(self, head: str) -> set[str]:
        """`head` and every commit reachable from it within the graph."""
        seen: set[str] = set()
        stack = [head]
        while stack:
            sha = stack.pop()
            if sha in seen or sha not in self.parents:
                continue
            seen.add(sha)
            stack.extend(self.parents[sha])
        return seen

    def range(self, head: str, base_ancestors: set[str]) -> list[str] | None:
        """Commits reachable from `head` and not in `base_ancestors`, newest first by walk
        order; None when the walk leaves the known graph (the caller asks the API)."""
        found: list[str] = []
        seen: set[str] = set()
        stack = [head]
        while stack:
            sha = stack.pop()
            if sha in seen or sha in base_ancestors:
                continue
            if sha not in self.parents:
                return None
            seen.add(sha)
            found.append(sha)
            stack.extend(self.parents[sha])
        return found


class RangeWalker:
    """Commit ranges of consecutive production deployments of one repository.

    The range of a deployment is what its sha reaches and the previous deployment's sha does
    not. The set reachable from the previous sha is carried forward: when the new head
    descends from the previous one (the usual case) it grows by the range, otherwise (a
    rollback) it is walked again.
    """

    def __init__(self, graph: CommitGraph) -> None:
        self.graph = graph
        self._base: str | None = None
        self._base_ancestors: set[str] = set()

    def range(self, base: str, head: str) -> list[str] | None:
        if base not in self.graph:
            return None
        if base != self._base:
            self._base, self._base_ancestors = base, self.graph.ancestors(base)
        found = self.graph.range(head, self._base_ancestors)
        if found is None:
            return None
        if head != base:
            if found and self._reaches_base(found, base):
                self._base_ancestors |= set(found)
            else:
                # A rollback (head is older than base) or a diverged head: walk it again.
                self._base_ancestors = self.graph.ancestors(head)
        self._base = head
        return found

    def reset(self, base: str) -> None:
        """Continue from `base` after a range found elsewhere (the compare endpoint)."""
        self._base = base
        self._base_ancestors = self.graph.ancestors(base)

    def _reaches_base(self, found: list[str], base: str) -> bool:
        return any(base in self.graph.parents.get(sha, ()) for sha in found)
