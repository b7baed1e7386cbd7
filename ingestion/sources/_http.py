"""HTTP pieces every REST source shares: dlt's retrying session, the one-line answer a
source stops with, a body cut short, and tool timestamps as UTC.

Each source keeps its own error classes and settings names; this module only turns a
response into the right exception, so every source says a failure the same way:
`<source> source: <Tool> answered <status> <message> to <METHOD> <path>; <what to fix>`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
from dlt.sources.helpers.requests import Client
from requests import HTTPError, Response, Session
from requests.exceptions import ChunkedEncodingError

RetryPredicate = Callable[[Response | None, BaseException | None], bool]


class IncompleteBody(ChunkedEncodingError):
    """A 200 whose JSON body is cut short: retried like a dropped connection."""


def retrying_session(retry_condition: RetryPredicate | None = None) -> Session:
    """dlt's `requests` session: 429, 5xx, timeouts, dropped connections (and whatever
    `retry_condition` adds) are retried with exponential back-off, honouring `Retry-After`
    (`RUNTIME__REQUEST_MAX_ATTEMPTS`, `RUNTIME__REQUEST_BACKOFF_FACTOR`, ...). Statuses are
    not raised by the session: the sources' response hooks decide."""
    client = Client(raise_for_status=False, retry_condition=retry_condition)
    # Read the `runtime` settings (environment, .dlt/config.toml) as dlt's own client does;
    # a new Client otherwise keeps the built-in defaults.
    client.configure()
    return client.session


def server_message(response: Response) -> str:
    """The first line of what the server said: GitHub's `message`, Jira's `errorMessages`,
    PagerDuty's `error.message`, else the HTTP reason."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message: Any = None
    if isinstance(body, dict):
        message = body.get("message")
        if not message and body.get("errorMessages"):
            message = "; ".join(str(m) for m in body["errorMessages"])
        if not message and isinstance(body.get("errors"), dict) and body["errors"]:
            message = "; ".join(f"{k}: {v}" for k, v in body["errors"].items())
        if not message and isinstance(body.get("error"), dict):
            message = body["error"].get("message")
    return str(message or response.reason or "no message").splitlines()[0][:200]


def request_line(response: Response) -> str:
    """`GET /path` of the request a response answers (never its query or credentials)."""
    method = getattr(response.request, "method", None) or "GET"
    return f"{method} {urlsplit(response.url).path}"


def is_retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


def raise_for_answer(
    response: Response,
    *,
    source: str,
    tool: str,
    auth_error: type[Exception],
    error: type[Exception],
    auth_hint: str,
    retryable: Callable[[Response], bool] | None = None,
    auth_statuses: tuple[int, ...] = (401, 403),
) -> None:
    """Response hook body: nothing for a success; an `HTTPError` for an answer worth retrying
    (429, 5xx, or `retryable`), which keeps dlt's retry in charge; `auth_error` for a refused
    credential; `error` for anything else. Messages are one line and never carry secrets."""
    status = response.status_code
    if status < 400:
        return
    if is_retryable_status(status) or (retryable is not None and retryable(response)):
        raise HTTPError(f"{tool} answered {status} {server_message(response)}", response=response)
    where = request_line(response)
    answer = f"{status} {server_message(response)}"
    if status in auth_statuses:
        raise auth_error(f"{source} source: {tool} answered {answer} to {where}; {auth_hint}")
    raise error(f"{source} source: {tool} answered {answer} to {where}")


def require_json(response: Response) -> None:
    """Response hook: a successful answer whose body is not JSON (cut short) is retried.

    The body is parsed here once, with orjson, and kept on the response: `response.json()`
    then returns that parse to every reader after the hook (dlt's paginators and data
    selectors, the sources) instead of decoding the page again with the standard library.
    """
    if response.status_code >= 400 or not response.content:
        return
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        raise IncompleteBody(
            f"{request_line(response)} answered {response.status_code} with a body that is "
            "not complete JSON",
            response=response,
        ) from exc
    response.json = lambda **_kwargs: body  # type: ignore[method-assign]


def parse_timestamp(value: Any, epoch_millis: bool = False) -> datetime | None:
    """A tool's timestamp as an aware UTC datetime: ISO 8601 text with `Z`, `+08:00` or
    Jira's `+0800`; text without an offset is taken as UTC; numbers are epoch milliseconds
    when the tool sends them (`epoch_millis`). Raises ValueError for anything else."""
    if value is None or value == "":
        return None
    if epoch_millis and isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if not isinstance(value, str):
        raise ValueError(f"expected a timestamp, got {value!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
