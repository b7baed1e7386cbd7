"""The organisation's records answered as GitHub REST v3 (api.github.com, version 2022-11-28).

`GitHubApi.handle` is transport-free: it takes a method, a path with query string and the
request headers (and a body) and returns a `Response`. `ingestion.sandbox.server` puts it
behind HTTP. Bodies follow GitHub's OpenAPI description (deployment, deployment-status,
commit, commit-comparison, repository here; pull requests, reviews, workflow runs, check
runs, releases and issues in `github_records`; GraphQL at `/graphql` in `github_graphql`);
only records that exist at `clock` are answered, as they were at `clock`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ingestion.sandbox.github_records import GitHubRecordsMixin
from ingestion.sandbox.model import (
    Commit,
    Deployment,
    DeploymentStatus,
    Issue,
    Organisation,
    Person,
    PullRequest,
    iso,
    to_datetime,
)

API_VERSION = "2022-11-28"
DOCS = "https://docs.github.com/rest"
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
COMPARE_UNPAGED_LIMIT = 250
RATE_LIMIT_WINDOW = 3600


def token_for_seed(seed: int) -> str:
    """The access token the sandbox accepts: shaped like a classic PAT, derived from the seed."""
    return "ghp_" + hashlib.sha256(f"valuestream-sandbox:{seed}".encode()).hexdigest()[:36]


@dataclass
class Response:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)


class ApiError(Exception):
    def __init__(self, status: int, message: str, documentation_url: str = DOCS) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.documentation_url = documentation_url

    def body(self) -> dict[str, str]:
        return {
            "message": self.message,
            "documentation_url": self.documentation_url,
            "status": str(self.status),
        }


class _BoundedCache(dict):  # type: ignore[type-arg]
    """A dict that forgets everything when it holds more than `limit` entries or, for
    rendered JSON, more than `max_chars` characters in all."""

    def __init__(self, limit: int, max_chars: int = 150_000_000) -> None:
        super().__init__()
        self.limit = limit
        self.max_chars = max_chars
        self.chars = 0

    def __setitem__(self, key: Any, value: Any) -> None:
        size = len(value) if isinstance(value, str) else 0
        if len(self) >= self.limit or self.chars + size > self.max_chars:
            self.clear()
            self.chars = 0
        self.chars += size
        super().__setitem__(key, value)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _node_id(kind: str, key: object) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{key}".encode()).decode()


def _parse_time(value: str) -> int:
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError as exc:
        raise ApiError(422, f"Invalid time: {value}") from exc


def _int_param(query: dict[str, str], name: str, default: int) -> int:
    try:
        value = int(query.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


# Route templates (the keys of `request_counts`) with the docs page GitHub's errors point at.
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (
        "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)/reviews$"),
        "pulls/reviews#list-reviews-for-a-pull-request",
    ),
    (
        "/repos/{owner}/{repo}/pulls/{pull_number}/commits",
        re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)/commits$"),
        "pulls/pulls#list-commits-on-a-pull-request",
    ),
    (
        "/repos/{owner}/{repo}/pulls/{pull_number}",
        re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)$"),
        "pulls/pulls#get-a-pull-request",
    ),
    (
        "/repos/{owner}/{repo}/pulls",
        re.compile(r"^/repos/([^/]+)/([^/]+)/pulls$"),
        "pulls/pulls#list-pull-requests",
    ),
    (
        "/repos/{owner}/{repo}/actions/runs",
        re.compile(r"^/repos/([^/]+)/([^/]+)/actions/runs$"),
        "actions/workflow-runs#list-workflow-runs-for-a-repository",
    ),
    (
        "/repos/{owner}/{repo}/commits/{ref}/check-runs",
        re.compile(r"^/repos/([^/]+)/([^/]+)/commits/(.+)/check-runs$"),
        "checks/runs#list-check-runs-for-a-git-reference",
    ),
    (
        "/repos/{owner}/{repo}/releases",
        re.compile(r"^/repos/([^/]+)/([^/]+)/releases$"),
        "releases/releases#list-releases",
    ),
    (
        "/repos/{owner}/{repo}/issues",
        re.compile(r"^/repos/([^/]+)/([^/]+)/issues$"),
        "issues/issues#list-repository-issues",
    ),
    (
        "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
        re.compile(r"^/repos/([^/]+)/([^/]+)/deployments/(\d+)/statuses$"),
        "deployments/statuses#list-deployment-statuses",
    ),
    (
        "/repos/{owner}/{repo}/deployments",
        re.compile(r"^/repos/([^/]+)/([^/]+)/deployments$"),
        "deployments/deployments#list-deployments",
    ),
    (
        "/repos/{owner}/{repo}/commits/{ref}",
        re.compile(r"^/repos/([^/]+)/([^/]+)/commits/(.+)$"),
        "commits/commits#get-a-commit",
    ),
    (
        "/repos/{owner}/{repo}/commits",
        re.compile(r"^/repos/([^/]+)/([^/]+)/commits$"),
        "commits/commits#list-commits",
    ),
    (
        "/repos/{owner}/{repo}/compare/{basehead}",
        re.compile(r"^/repos/([^/]+)/([^/]+)/compare/(.+)$"),
        "commits/commits#compare-two-commits",
    ),
    (
        "/repos/{owner}/{repo}",
        re.compile(r"^/repos/([^/]+)/([^/]+)$"),
        "repos/repos#get-a-repository",
    ),
    (
        "/graphql",
        re.compile(r"^/graphql$"),
        "graphql",
    ),
    (
        "/rate_limit",
        re.compile(r"^/rate_limit$"),
        "rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user",
    ),
]


class _RepoIndex:
    """Per-repository lookups, built once."""

    def __init__(self, org: Organisation, full_name: str) -> None:
        self.repo = org.repository(full_name)
        main = org.commits.get(full_name, [])
        self.by_sha: dict[str, Commit] = {c.sha: c for c in main}
        self.pulls: list[PullRequest] = [
            *org.pull_requests.get(full_name, []),
            *org.unmerged_pull_requests.get(full_name, []),
        ]
        self.pulls_by_number = {pr.number: pr for pr in self.pulls}
        for pr in self.pulls:
            for commit in pr.commits:
                self.by_sha.setdefault(commit.sha, commit)
        self.heads = [c for c in main if c.first_parent]  # landing order
        self.heads_ts = [c.landed_ts or 0 for c in self.heads]
        self.pr_heads = {pr.commits[-1].sha for pr in self.pulls}
        self.checked_shas = self.pr_heads | {c.sha for c in self.heads}
        deployments = org.deployments.get(full_name, [])
        newest_first = sorted(
            deployments, key=lambda d: (d.created_ts, d.deployment_id), reverse=True
        )
        # A repository deploys either through GitHub deployments or an Actions workflow.
        workflow = self.repo.deploy_via == "workflow"
        self.deployments_newest_first = [] if workflow else newest_first
        self.deployments_by_id = {} if workflow else {d.deployment_id: d for d in deployments}
        numbers: dict[str, int] = {}
        runs: list[tuple[Deployment, int]] = []
        for dep in reversed(newest_first) if workflow else ():
            name = "preview" if dep.transient_environment else dep.environment
            numbers[name] = numbers.get(name, 0) + 1
            runs.append((dep, numbers[name]))
        self.workflow_runs = runs[::-1]
        self.releases_newest_first = sorted(
            org.releases.get(full_name, []), key=lambda r: (r.created_ts, r.release_id),
            reverse=True,
        )  # fmt: skip
        self.issues_and_pulls: list[Issue | PullRequest] = [
            *org.issues.get(full_name, []),
            *self.pulls,
        ]
        self.ancestors = lru_cache(maxsize=64)(self._ancestors)
        self._history = lru_cache(maxsize=8)(self._history_uncached)

    def history(self, sha: str) -> list[Commit]:
        """Commits reachable from sha, in `git log` order (newest commit date first)."""
        return self._history(sha)

    def _history_uncached(self, sha: str) -> list[Commit]:
        return sorted(
            (self.by_sha[s] for s in self.ancestors(sha)),
            key=lambda c: (c.committed_ts, c.landed_seq if c.landed_seq is not None else -1),
            reverse=True,
        )

    def head_at(self, clock: int) -> Commit:
        return self.heads[max(bisect_right(self.heads_ts, clock) - 1, 0)]

    def _ancestors(self, sha: str) -> frozenset[str]:
        seen = {sha}
        stack = [sha]
        by_sha = self.by_sha
        while stack:
            for parent in by_sha[stack.pop()].parents:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return frozenset(seen)


class GitHubApi(GitHubRecordsMixin):
    """Answers GitHub REST requests from an `Organisation`."""

    def __init__(
        self,
        org: Organisation,
        base_url: str,
        token: str | None = None,
        rate_limit: int = 15_000,
    ) -> None:
        self.org = org
        self.base_url = base_url.rstrip("/")
        self.token = token or token_for_seed(org.seed)
        self.rate_limit = rate_limit
        self.clock_ts = org.now_ts
        self.request_counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._window_start = int(time.time())
        self._used = 0
        self.graphql_limit = 5_000
        self.graphql_used = 0
        self._graphql_window_start = self._window_start
        self._repos = {r.full_name.lower(): _RepoIndex(org, r.full_name) for r in org.repositories}
        self._users: dict[str, dict[str, Any]] = {}
        self._commit_json: dict[str, str] = _BoundedCache(200_000)
        self._status_json: dict[int, str] = _BoundedCache(200_000)
        self._deployment_json: dict[tuple[int, int], str] = _BoundedCache(200_000)
        self._render_cache: dict[tuple[Any, ...], str] = _BoundedCache(100_000)
        self._list_cache: dict[tuple[Any, ...], list[Any]] = _BoundedCache(512)

    def memo_list(self, key: tuple[Any, ...], build: Any) -> list[Any]:
        """A filtered, sorted list of records, kept per (query, clock): clients page
        through the same list many times."""
        key = (*key, self.clock_ts)
        found = self._list_cache.get(key)
        if found is None:
            found = self._list_cache[key] = build()
        return found

    # -- clock ----------------------------------------------------------------------------

    @property
    def clock(self) -> datetime:
        return to_datetime(self.clock_ts)

    @clock.setter
    def clock(self, value: datetime) -> None:
        self.clock_ts = int(value.timestamp())

    # -- entry point ----------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> Response:
        split = urlsplit(target)
        path = split.path.rstrip("/") or "/"
        query_pairs = parse_qsl(split.query, keep_blank_values=True)
        query = dict(query_pairs)
        template, match, doc = self._route(path)
        with self._lock:
            self.request_counts[template] = self.request_counts.get(template, 0) + 1
        try:
            if not self._authorised(headers):
                raise ApiError(401, "Bad credentials", DOCS)
            if template == "/graphql":
                if method != "POST":
                    raise ApiError(404, "Not Found", doc)
                from ingestion.sandbox.github_graphql import handle_graphql

                status, text, extra = handle_graphql(self, body)
                return Response(status, text.encode(), self._headers([]) + extra)
            rate_headers = self._consume_rate_limit(counted=template != "/rate_limit")
            if method != "GET" or match is None:
                raise ApiError(404, "Not Found", DOCS)
            status, body, extra = self._dispatch(template, match, query, query_pairs, path, doc)
            return Response(status, body.encode(), self._headers(rate_headers) + extra)
        except ApiError as err:
            rate_headers = self._rate_headers() if err.status != 401 else self._anonymous_headers()
            return Response(err.status, _dumps(err.body()).encode(), self._headers(rate_headers))

    def _route(self, path: str) -> tuple[str, re.Match[str] | None, str]:
        for template, pattern, doc in ROUTES:
            match = pattern.match(path)
            if match:
                return template, match, f"{DOCS}/{doc}"
        return "unknown", None, DOCS

    def _authorised(self, headers: dict[str, str]) -> bool:
        value = ""
        for key, header in headers.items():
            if key.lower() == "authorization":
                value = header
        scheme, _, credential = value.partition(" ")
        return scheme.lower() in ("bearer", "token") and credential.strip() == self.token

    # -- rate limit -----------------------------------------------------------------------

    def _consume_rate_limit(self, counted: bool) -> list[tuple[str, str]]:
        with self._lock:
            now = int(time.time())
            if now >= self._window_start + RATE_LIMIT_WINDOW:
                self._window_start, self._used = now, 0
            if counted and self._used >= self.rate_limit:
                raise ApiError(
                    403,
                    "API rate limit exceeded for user ID 5000001. If you reach out to GitHub "
                    "Support for help, please include the request ID.",
                    f"{DOCS}/overview/rate-limits-for-the-rest-api",
                )
            if counted:
                self._used += 1
        return self._rate_headers()

    def _rate_headers(self) -> list[tuple[str, str]]:
        return [
            ("X-RateLimit-Limit", str(self.rate_limit)),
            ("X-RateLimit-Remaining", str(max(self.rate_limit - self._used, 0))),
            ("X-RateLimit-Reset", str(self._window_start + RATE_LIMIT_WINDOW)),
            ("X-RateLimit-Used", str(self._used)),
            ("X-RateLimit-Resource", "core"),
        ]

    def _anonymous_headers(self) -> list[tuple[str, str]]:
        return [
            ("X-RateLimit-Limit", "60"),
            ("X-RateLimit-Remaining", "59"),
            ("X-RateLimit-Reset", str(self._window_start + RATE_LIMIT_WINDOW)),
            ("X-RateLimit-Used", "1"),
            ("X-RateLimit-Resource", "core"),
        ]

    def _headers(self, rate: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [
            ("Content-Type", "application/json; charset=utf-8"),
            ("X-GitHub-Media-Type", "github.v3; format=json"),
            ("X-GitHub-Api-Version-Selected", API_VERSION),
            *rate,
        ]

    # -- dispatch -------------------------------------------------------------------------

    def _dispatch(
        self,
        template: str,
        match: re.Match[str],
        query: dict[str, str],
        pairs: list[tuple[str, str]],
        path: str,
        doc: str,
    ) -> tuple[int, str, list[tuple[str, str]]]:
        if template == "/rate_limit":
            return 200, self._rate_limit_body(), []
        index = self._repos.get(f"{match.group(1)}/{match.group(2)}".lower())
        if index is None:
            raise ApiError(404, "Not Found", doc)
        if template == "/repos/{owner}/{repo}":
            return 200, _dumps(self._repository(index)), []
        if template == "/repos/{owner}/{repo}/deployments":
            return self._list_deployments(index, query, pairs, path)
        if template == "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses":
            return self._list_statuses(index, int(match.group(3)), query, pairs, path, doc)
        if template == "/repos/{owner}/{repo}/commits":
            return self._list_commits(index, query, pairs, path)
        if template == "/repos/{owner}/{repo}/commits/{ref}":
            return self._get_commit(index, match.group(3))
        if template == "/repos/{owner}/{repo}/compare/{basehead}":
            return self._compare(index, match.group(3), query, pairs, path, doc)
        if template == "/repos/{owner}/{repo}/pulls":
            return self._list_pulls(index, query, pairs, path)
        if template == "/repos/{owner}/{repo}/pulls/{pull_number}":
            return self._get_pull(index, int(match.group(3)), doc)
        if template == "/repos/{owner}/{repo}/pulls/{pull_number}/reviews":
            return self._list_reviews(index, int(match.group(3)), query, pairs, path, doc)
        if template == "/repos/{owner}/{repo}/pulls/{pull_number}/commits":
            return self._list_pull_commits(index, int(match.group(3)), query, pairs, path, doc)
        if template == "/repos/{owner}/{repo}/actions/runs":
            return self._list_runs(index, query, pairs, path)
        if template == "/repos/{owner}/{repo}/commits/{ref}/check-runs":
            return self._list_check_runs(index, match.group(3), query, pairs, path, doc)
        if template == "/repos/{owner}/{repo}/releases":
            return self._list_releases(index, query, pairs, path)
        return self._list_issues(index, query, pairs, path)

    def _page_lazy(
        self,
        items: list[Any],
        render: Any,
        query: dict[str, str],
        pairs: list[tuple[str, str]],
        path: str,
        wrap: str | None = None,
    ) -> tuple[int, str, list[tuple[str, str]]]:
        """Like `_page` but renders only the requested page; `wrap` names the list key of
        GitHub's `{"total_count": n, wrap: [...]}` answers (workflow runs, check runs)."""
        per_page = min(_int_param(query, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
        page = _int_param(query, "page", 1)
        start = (page - 1) * per_page
        shown = "[" + ",".join(render(i) for i in items[start : start + per_page]) + "]"
        body = shown if wrap is None else f'{{"total_count":{len(items)},"{wrap}":{shown}}}'
        return 200, body, self._link(len(items), per_page, page, pairs, path)

    def _page(
        self, items: list[str], query: dict[str, str], pairs: list[tuple[str, str]], path: str
    ) -> tuple[int, str, list[tuple[str, str]]]:
        per_page = min(_int_param(query, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
        page = _int_param(query, "page", 1)
        start = (page - 1) * per_page
        body = "[" + ",".join(items[start : start + per_page]) + "]"
        return 200, body, self._link(len(items), per_page, page, pairs, path)

    def _link(
        self, total: int, per_page: int, page: int, pairs: list[tuple[str, str]], path: str
    ) -> list[tuple[str, str]]:
        last = max((total + per_page - 1) // per_page, 1)
        if last == 1 and page == 1:
            return []
        kept = [(k, v) for k, v in pairs if k != "page"]

        def url(n: int) -> str:
            return f"{self.base_url}{path}?{urlencode([*kept, ('page', str(n))])}"

        rels = []
        if page > 1:
            rels.append(f'<{url(min(page - 1, last))}>; rel="prev"')
        if page < last:
            rels.append(f'<{url(page + 1)}>; rel="next"')
            rels.append(f'<{url(last)}>; rel="last"')
        if page > 1:
            rels.append(f'<{url(1)}>; rel="first"')
        return [("Link", ", ".join(rels))]

    # -- endpoints ------------------------------------------------------------------------

    def _list_deployments(
        self, index: _RepoIndex, query: dict[str, str], pairs: list[tuple[str, str]], path: str
    ) -> tuple[int, str, list[tuple[str, str]]]:
        clock = self.clock_ts
        filters = [(k, query[k]) for k in ("sha", "ref", "task", "environment") if k in query]
        items = [
            dep
            for dep in index.deployments_newest_first
            if dep.created_ts <= clock
            and not (filters and any(getattr(dep, k) != v for k, v in filters))
        ]
        return self._page_lazy(
            items, lambda d: self._deployment_fragment(index, d), query, pairs, path
        )

    def _list_statuses(
        self,
        index: _RepoIndex,
        deployment_id: int,
        query: dict[str, str],
        pairs: list[tuple[str, str]],
        path: str,
        doc: str,
    ) -> tuple[int, str, list[tuple[str, str]]]:
        dep = index.deployments_by_id.get(deployment_id)
        if dep is None or dep.created_ts > self.clock_ts:
            raise ApiError(404, "Not Found", doc)
        visible = [s for s in dep.statuses if s.created_ts <= self.clock_ts]
        visible.sort(key=lambda s: (s.created_ts, s.status_id), reverse=True)
        items = [self._status_fragment(index, dep, s) for s in visible]
        return self._page(items, query, pairs, path)

    def _list_commits(
        self, index: _RepoIndex, query: dict[str, str], pairs: list[tuple[str, str]], path: str
    ) -> tuple[int, str, list[tuple[str, str]]]:
        ref = query.get("sha", "") or index.repo.default_branch
        start = self._resolve(index, ref)
        if start is None:
            raise ApiError(404, "Not Found", f"{DOCS}/commits/commits#list-commits")
        since = _parse_time(query["since"]) if query.get("since") else None
        until = _parse_time(query["until"]) if query.get("until") else None
        author = query.get("author")

        def build() -> list[Commit]:
            items = []
            for commit in index.history(start.sha):
                if since is not None and commit.committed_ts < since:
                    continue
                if until is not None and commit.committed_ts > until:
                    continue
                if author and author not in (
                    commit.author_login,
                    self._person(commit.author_login).email,
                ):
                    continue
                items.append(commit)
            return items

        items = self.memo_list(("commits", start.sha, since, until, author), build)
        return self._page_lazy(items, lambda c: self._commit_fragment(index, c), query, pairs, path)

    def _get_commit(self, index: _RepoIndex, ref: str) -> tuple[int, str, list[tuple[str, str]]]:
        commit = self._resolve(index, ref)
        if commit is None:
            raise ApiError(
                422, f"No commit found for SHA: {ref}", f"{DOCS}/commits/commits#get-a-commit"
            )
        data = self._commit(index, commit)
        data["stats"] = {"total": 0, "additions": 0, "deletions": 0}
        data["files"] = []
        return 200, _dumps(data), []

    def _compare(
        self,
        index: _RepoIndex,
        basehead: str,
        query: dict[str, str],
        pairs: list[tuple[str, str]],
        path: str,
        doc: str,
    ) -> tuple[int, str, list[tuple[str, str]]]:
        base_ref, sep, head_ref = basehead.partition("...")
        if not sep:
            raise ApiError(404, "Not Found", doc)
        base = self._resolve(index, base_ref)
        head = self._resolve(index, head_ref)
        if base is None or head is None:
            raise ApiError(404, "Not Found", doc)
        base_anc = index.ancestors(base.sha)
        head_anc = index.ancestors(head.sha)
        ahead = [index.by_sha[s] for s in head_anc - base_anc]
        behind_by = len(base_anc - head_anc)
        ahead.sort(key=lambda c: (c.committed_ts, c.landed_seq or -1))
        if not ahead and not behind_by:
            status = "identical"
        elif not behind_by:
            status = "ahead"
        elif not ahead:
            status = "behind"
        else:
            status = "diverged"
        common = base_anc & head_anc
        if status in ("ahead", "identical"):
            merge_base = base
        elif status == "behind":
            merge_base = head
        else:
            merge_base = max(
                (index.by_sha[s] for s in common),
                key=lambda c: (c.committed_ts, c.landed_seq or -1),
            )
        paged = "per_page" in query or "page" in query
        links: list[tuple[str, str]] = []
        if paged:
            per_page = min(_int_param(query, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
            page = _int_param(query, "page", 1)
            shown = ahead[(page - 1) * per_page : page * per_page]
            links = self._link(len(ahead), per_page, page, pairs, path)
        else:
            shown = ahead[-COMPARE_UNPAGED_LIMIT:]
        repo_url = self._repo_url(index)
        html = self._html_url(index)
        name = f"{base_ref}...{head_ref}"
        owner = index.repo.owner
        permalink = f"{html}/compare/{owner}:{base.sha[:7]}...{owner}:{head.sha[:7]}"
        body = (
            "{"
            + f'"url":{_dumps(f"{repo_url}/compare/{name}")},'
            + f'"html_url":{_dumps(f"{html}/compare/{name}")},'
            + f'"permalink_url":{_dumps(permalink)},'
            + f'"diff_url":{_dumps(f"{html}/compare/{name}.diff")},'
            + f'"patch_url":{_dumps(f"{html}/compare/{name}.patch")},'
            + f'"base_commit":{self._commit_fragment(index, base)},'
            + f'"merge_base_commit":{self._commit_fragment(index, merge_base)},'
            + f'"status":"{status}","ahead_by":{len(ahead)},"behind_by":{behind_by},'
            + f'"total_commits":{len(ahead)},'
            + '"commits":['
            + ",".join(self._commit_fragment(index, c) for c in shown)
            + '],"files":[]}'
        )
        return 200, body, links

    def _resolve(self, index: _RepoIndex, ref: str) -> Commit | None:
        clock = self.clock_ts
        for prefix in ("refs/heads/", "heads/"):
            ref = ref.removeprefix(prefix)
        if ref == index.repo.default_branch:
            return index.head_at(clock)
        commit = index.by_sha.get(ref)
        if commit is None and 7 <= len(ref) < 40 and re.fullmatch(r"[0-9a-f]+", ref):
            found = [c for s, c in index.by_sha.items() if s.startswith(ref)]
            commit = found[0] if len(found) == 1 else None
        if commit is None or commit.committed_ts > clock:
            return None
        return commit

    def _rate_limit_body(self) -> str:
        reset = self._window_start + RATE_LIMIT_WINDOW
        core = {
            "limit": self.rate_limit,
            "used": self._used,
            "remaining": max(self.rate_limit - self._used, 0),
            "reset": reset,
        }
        search = {"limit": 30, "used": 0, "remaining": 30, "reset": int(time.time()) + 60}
        graphql = self.graphql_rate()
        return _dumps(
            {"resources": {"core": core, "search": search, "graphql": graphql}, "rate": core}
        )

    def charge_graphql(self, cost: int) -> tuple[dict[str, int], bool]:
        """Charge `cost` points; (the budget after it, whether the query may run)."""
        self.graphql_rate()
        with self._lock:
            allowed = self.graphql_used + cost <= self.graphql_limit
            if allowed:
                self.graphql_used += cost
        return self.graphql_rate(), allowed

    def graphql_rate(self) -> dict[str, int]:
        """The GraphQL point budget (its own hourly window, like GitHub's)."""
        with self._lock:
            now = int(time.time())
            if now >= self._graphql_window_start + RATE_LIMIT_WINDOW:
                self._graphql_window_start, self.graphql_used = now, 0
            return {
                "limit": self.graphql_limit,
                "used": self.graphql_used,
                "remaining": max(self.graphql_limit - self.graphql_used, 0),
                "reset": self._graphql_window_start + RATE_LIMIT_WINDOW,
            }

    # -- rendering ------------------------------------------------------------------------

    def _repo_url(self, index: _RepoIndex) -> str:
        return f"{self.base_url}/repos/{index.repo.full_name}"

    def _html_url(self, index: _RepoIndex) -> str:
        return f"{self.base_url}/{index.repo.full_name}"

    def _person(self, login: str) -> Person:
        person = self.org.people.get(login)
        if person is None:
            return Person(login, login, f"{login}@users.noreply.github.com", 0, None)
        return person

    def _user(self, login: str, kind: str | None = None) -> dict[str, Any]:
        cached = self._users.get(login)
        if cached is not None:
            return cached
        person = self._person(login)
        api = f"{self.base_url}/users/{login}"
        user = {
            "login": login,
            "id": person.user_id,
            "node_id": _node_id("User", person.user_id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{person.user_id}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{self.base_url}/{login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": kind or person.kind,
            "user_view_type": "public",
            "site_admin": False,
        }
        self._users[login] = user
        return user

    def _commit(self, index: _RepoIndex, commit: Commit) -> dict[str, Any]:
        repo_url = self._repo_url(index)
        html = self._html_url(index)
        author = self._person(commit.author_login)
        committer = self._person(commit.committer_login)
        tree = hashlib.sha1(f"tree:{commit.sha}".encode()).hexdigest()
        web_flow = commit.committer_login == "web-flow"
        return {
            "sha": commit.sha,
            "node_id": _node_id("Commit", f"{index.repo.repo_id}:{commit.sha}"),
            "commit": {
                "author": {
                    "name": author.name,
                    "email": author.email,
                    "date": iso(commit.authored_ts),
                },
                "committer": {
                    "name": committer.name,
                    "email": committer.email,
                    "date": iso(commit.committed_ts),
                },
                "message": commit.message,
                "tree": {"sha": tree, "url": f"{repo_url}/git/trees/{tree}"},
                "url": f"{repo_url}/git/commits/{commit.sha}",
                "comment_count": 0,
                "verification": {
                    "verified": web_flow,
                    "reason": "valid" if web_flow else "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": iso(commit.committed_ts) if web_flow else None,
                },
            },
            "url": f"{repo_url}/commits/{commit.sha}",
            "html_url": f"{html}/commit/{commit.sha}",
            "comments_url": f"{repo_url}/commits/{commit.sha}/comments",
            "author": self._user(commit.author_login),
            "committer": self._user(commit.committer_login),
            "parents": [
                {"sha": p, "url": f"{repo_url}/commits/{p}", "html_url": f"{html}/commit/{p}"}
                for p in commit.parents
            ],
        }

    def _commit_fragment(self, index: _RepoIndex, commit: Commit) -> str:
        cached = self._commit_json.get(commit.sha)
        if cached is None:
            cached = self._commit_json[commit.sha] = _dumps(self._commit(index, commit))
        return cached

    def _deployment_fragment(self, index: _RepoIndex, dep: Deployment) -> str:
        visible = [s for s in dep.statuses if s.created_ts <= self.clock_ts]
        key = (dep.deployment_id, len(visible))
        cached = self._deployment_json.get(key)
        if cached is not None:
            return cached
        repo_url = self._repo_url(index)
        url = f"{repo_url}/deployments/{dep.deployment_id}"
        data: dict[str, Any] = {
            "url": url,
            "id": dep.deployment_id,
            "node_id": _node_id("Deployment", dep.deployment_id),
            "sha": dep.sha,
            "ref": dep.ref,
            "task": dep.task,
            "payload": {},
            "original_environment": dep.original_environment or dep.environment,
            "environment": dep.environment,
            "description": dep.description,
            "creator": self._user(dep.creator_login),
            "created_at": iso(dep.created_ts),
            "updated_at": iso(visible[-1].created_ts if visible else dep.created_ts),
            "statuses_url": f"{url}/statuses",
            "repository_url": repo_url,
        }
        if dep.transient_environment is not None:
            data["transient_environment"] = dep.transient_environment
        if dep.production_environment is not None:
            data["production_environment"] = dep.production_environment
        cached = self._deployment_json[key] = _dumps(data)
        return cached

    def _environment_url(self, index: _RepoIndex, dep: Deployment) -> str:
        service = index.repo.name
        if dep.environment == index.repo.production_environment:
            return f"https://{service}.acme.example"
        return f"https://{dep.environment}.{service}.acme.example"

    def _status_fragment(self, index: _RepoIndex, dep: Deployment, status: DeploymentStatus) -> str:
        cached = self._status_json.get(status.status_id)
        if cached is not None:
            return cached
        repo_url = self._repo_url(index)
        deployment_url = f"{repo_url}/deployments/{dep.deployment_id}"
        log_url = f"{self.base_url}/{status.log_url_path}"
        data = {
            "url": f"{deployment_url}/statuses/{status.status_id}",
            "id": status.status_id,
            "node_id": _node_id("DeploymentStatus", status.status_id),
            "state": status.state,
            "creator": self._user(status.creator_login),
            "description": status.description,
            "environment": dep.environment,
            "target_url": log_url,
            "created_at": iso(status.created_ts),
            "updated_at": iso(status.created_ts),
            "deployment_url": deployment_url,
            "repository_url": repo_url,
            "environment_url": self._environment_url(index, dep),
            "log_url": log_url,
        }
        cached = self._status_json[status.status_id] = _dumps(data)
        return cached

    def _repository(self, index: _RepoIndex) -> dict[str, Any]:
        repo = index.repo
        api = self._repo_url(index)
        html = self._html_url(index)
        head = index.head_at(self.clock_ts)
        pushed = iso(head.landed_ts or head.committed_ts)
        host = urlsplit(self.base_url).netloc
        owner = self._user(repo.owner, kind="Organization")
        owner = dict(owner, id=9_000_001, node_id=_node_id("Organization", 9_000_001))
        return {
            "id": repo.repo_id,
            "node_id": _node_id("Repository", repo.repo_id),
            "name": repo.name,
            "full_name": repo.full_name,
            "private": True,
            "owner": owner,
            "html_url": html,
            "description": f"{repo.name} service of {self.org.name}",
            "fork": False,
            "url": api,
            "forks_url": f"{api}/forks",
            "keys_url": f"{api}/keys{{/key_id}}",
            "collaborators_url": f"{api}/collaborators{{/collaborator}}",
            "teams_url": f"{api}/teams",
            "hooks_url": f"{api}/hooks",
            "issue_events_url": f"{api}/issues/events{{/number}}",
            "events_url": f"{api}/events",
            "assignees_url": f"{api}/assignees{{/user}}",
            "branches_url": f"{api}/branches{{/branch}}",
            "tags_url": f"{api}/tags",
            "blobs_url": f"{api}/git/blobs{{/sha}}",
            "git_tags_url": f"{api}/git/tags{{/sha}}",
            "git_refs_url": f"{api}/git/refs{{/sha}}",
            "trees_url": f"{api}/git/trees{{/sha}}",
            "statuses_url": f"{api}/statuses/{{sha}}",
            "languages_url": f"{api}/languages",
            "stargazers_url": f"{api}/stargazers",
            "contributors_url": f"{api}/contributors",
            "subscribers_url": f"{api}/subscribers",
            "subscription_url": f"{api}/subscription",
            "commits_url": f"{api}/commits{{/sha}}",
            "git_commits_url": f"{api}/git/commits{{/sha}}",
            "comments_url": f"{api}/comments{{/number}}",
            "issue_comment_url": f"{api}/issues/comments{{/number}}",
            "contents_url": f"{api}/contents/{{+path}}",
            "compare_url": f"{api}/compare/{{base}}...{{head}}",
            "merges_url": f"{api}/merges",
            "archive_url": f"{api}/{{archive_format}}{{/ref}}",
            "downloads_url": f"{api}/downloads",
            "issues_url": f"{api}/issues{{/number}}",
            "pulls_url": f"{api}/pulls{{/number}}",
            "milestones_url": f"{api}/milestones{{/number}}",
            "notifications_url": f"{api}/notifications{{?since,all,participating}}",
            "labels_url": f"{api}/labels{{/name}}",
            "releases_url": f"{api}/releases{{/id}}",
            "deployments_url": f"{api}/deployments",
            "created_at": iso(repo.created_ts),
            "updated_at": pushed,
            "pushed_at": pushed,
            "git_url": f"git://{host}/{repo.full_name}.git",
            "ssh_url": f"git@{host}:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "homepage": None,
            "size": 1024 + len(index.by_sha),
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": repo.language,
            "has_issues": True,
            "has_projects": False,
            "has_downloads": True,
            "has_wiki": False,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": 0,
            "license": None,
            "allow_forking": False,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": [repo.value_stream_id, repo.team_id],
            "visibility": "private",
            "forks": 0,
            "open_issues": 0,
            "watchers": 0,
            "default_branch": repo.default_branch,
            "permissions": {
                "admin": False,
                "maintain": False,
                "push": False,
                "triage": True,
                "pull": True,
            },
        }
