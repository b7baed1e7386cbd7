"""GitHub's GraphQL API (v4): where it lives, one query at a time, and its point budget.

The endpoint is derived from the REST root the way GitHub publishes them:

| REST root (`api_url`)          | GraphQL endpoint                |
|--------------------------------|---------------------------------|
| `https://api.github.com`       | `https://api.github.com/graphql` |
| `https://HOST/api/v3` (GHES)   | `https://HOST/api/graphql`       |
| anything else                  | `<api_url>/graphql`              |

Every query selects `rateLimit { cost remaining resetAt }`; the client logs it and, when
the points left fall below `min_remaining`, sleeps until `resetAt` before the next query.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from requests import Response, Session

from .._http import parse_timestamp, raise_for_answer, require_json, retrying_session
from . import settings
from .helpers import GitHubAuthError, GitHubSourceError, _is_rate_limited, _retry_rate_limited

__all__ = ["GraphQLClient", "graphql_url"]

logger = logging.getLogger(__name__)


def graphql_url(api_url: str) -> str:
    """The GraphQL endpoint that belongs to a REST root (see the module's table)."""
    parts = urlsplit(api_url.rstrip("/"))
    path = parts.path.rstrip("/")
    # GitHub Enterprise Server: REST at /api/v3, GraphQL beside it at /api/graphql.
    path = path.removesuffix("/v3") + "/graphql" if path.endswith("/api/v3") else path + "/graphql"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _operation_name(query: str) -> str:
    head = query.strip().split("{", 1)[0].split("(", 1)[0].split()
    return head[1] if len(head) > 1 else "query"


class GraphQLClient:
    """POSTs queries on dlt's retrying session (5xx, 429, rate-limited 403, cut-short bodies
    and dropped connections are retried with back-off); `errors` become one clear line."""

    def __init__(
        self,
        api_url: str,
        access_token: str | None,
        min_remaining: int = settings.GRAPHQL_MIN_REMAINING,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not access_token:
            raise GitHubAuthError(
                "github source: no access token; set "
                f"{settings.TOKEN_SETTING} (or access_token under [sources.github] in "
                ".dlt/secrets.toml)"
            )
        self.url = graphql_url(api_url)
        self.min_remaining = min_remaining
        self.requests = 0
        self.points = 0
        self.remaining: int | None = None
        self.reset_at: datetime | None = None
        self._sleep = sleep
        self._now = now
        self._session: Session = retrying_session(_retry_rate_limited)
        self._headers = {
            **settings.HEADERS,
            "Authorization": f"bearer {access_token}",
            "Content-Type": "application/json",
        }

    def _check(self, response: Response, *args: Any, **kwargs: Any) -> None:
        self.requests += 1
        raise_for_answer(
            response,
            source="github",
            tool="GitHub",
            auth_error=GitHubAuthError,
            error=GitHubSourceError,
            auth_hint=f"set {settings.TOKEN_SETTING} to a token that can read this repository",
            retryable=_is_rate_limited,
        )
        require_json(response)

    def query(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of one query; waits out the point budget when it runs low."""
        self._wait_for_budget()
        name = _operation_name(query)
        for attempt in range(settings.GRAPHQL_RATE_LIMITED_ATTEMPTS):
            response = self._session.post(
                self.url,
                json={"query": query, "variables": dict(variables or {})},
                headers=self._headers,
                hooks={"response": [self._check]},
            )
            body = response.json()
            errors = body.get("errors") or []
            if any(error.get("type") == "RATE_LIMITED" for error in errors):
                reset = response.headers.get("X-RateLimit-Reset")
                wake = datetime.fromtimestamp(int(reset), UTC) if reset else None
                self._sleep_until(wake, f"{name} was rate limited (attempt {attempt + 1})")
                continue
            if errors:
                raise GitHubSourceError(f"github source: {_error_line(errors, name, self.url)}")
            data: dict[str, Any] = body.get("data") or {}
            self._note_rate_limit(name, data.get("rateLimit"))
            return data
        raise GitHubSourceError(
            f"github source: GitHub GraphQL kept answering RATE_LIMITED to {name} at "
            f"POST {urlsplit(self.url).path}; wait for the point budget to reset and run again"
        )

    def _note_rate_limit(self, name: str, rate: Mapping[str, Any] | None) -> None:
        if not rate:
            return
        self.points += int(rate.get("cost") or 0)
        self.remaining = rate.get("remaining")
        self.reset_at = parse_timestamp(rate.get("resetAt"))
        logger.debug(
            "github: graphql %s cost %s, %s points left (resets %s)",
            name,
            rate.get("cost"),
            self.remaining,
            rate.get("resetAt"),
        )

    def _wait_for_budget(self) -> None:
        if self.remaining is not None and self.remaining < self.min_remaining:
            self._sleep_until(self.reset_at, f"{self.remaining} GraphQL points left")
            self.remaining = None

    def _sleep_until(self, moment: datetime | None, why: str) -> None:
        seconds = 60.0 if moment is None else (moment - self._now()).total_seconds() + 1
        seconds = min(max(seconds, 1.0), settings.GRAPHQL_MAX_SLEEP_SECONDS)
        logger.warning("github: %s; sleeping %.0f s until the budget resets", why, seconds)
        self._sleep(seconds)


def _error_line(errors: list[Mapping[str, Any]], name: str, url: str) -> str:
    first = errors[0]
    kind = first.get("type") or (first.get("extensions") or {}).get("code") or "ERROR"
    message = str(first.get("message") or "no message").splitlines()[0][:200]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"GitHub GraphQL answered {kind} {message}{more} to {name} at POST {urlsplit(url).path}"
