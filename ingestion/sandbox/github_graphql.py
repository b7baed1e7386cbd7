"""GitHub GraphQL v4 at `POST /graphql`, executed by graphql-core over a subset of GitHub's
published schema (`github_schema.graphql`, same type, field and argument names).

Served: `repository { pullRequests, deployments, ref / defaultBranchRef { target { ... on
Commit { history } } }, object(oid:) { ... on Commit { checkSuites { checkRuns } } } }` and
`rateLimit`. Everything is as of the API's clock, like REST.

Limits and cost follow GitHub's published rules ("Rate limits and query limits for the
GraphQL API"), checked before execution:
- every connection needs `first` or `last`, each within 1..100 (else the query fails with
  MISSING_PAGINATION_BOUNDARIES / EXCESSIVE_PAGINATION and no data);
- node count: for each connection, the product of its own and its ancestor connections'
  `first`/`last`; at most 500,000 in all (else MAX_NODE_LIMIT_EXCEEDED);
- cost: for each connection, the number of requests needed to fill it, assuming every
  request reaches its limit: 1 for a top-level connection, the product of the ancestors'
  `first`/`last` for a nested one. The sum divided by 100, rounded to the nearest whole
  number, at least 1, is charged against 5,000 points per hour (`rateLimit { cost,
  remaining, resetAt, limit, used, nodeCount }`; `rateLimit(dryRun: true)` charges nothing).
  Over the budget the answer is `{"errors": [{"type": "RATE_LIMITED", ...}]}`.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from datetime import datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute,
    get_named_type,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values

from ingestion.sandbox.github_records import ACTIONS_APP_ID, stable_id
from ingestion.sandbox.github_schema import SUBSET_PATH
from ingestion.sandbox.model import Commit, Deployment, DeploymentStatus, PullRequest, iso

if TYPE_CHECKING:
    from ingestion.sandbox.github_api import GitHubApi, _RepoIndex

MAX_PAGE = 100
MAX_NODES = 500_000
BOTS_SUFFIX = "[bot]"


# ---------------------------------------------------------------------------------------
# Cost analysis


class QueryLimitError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def query_cost(
    schema: GraphQLSchema,
    document: Any,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> tuple[int, int]:
    """(cost in points, node count) of a validated query, by GitHub's rules."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next(
        (
            o
            for o in operations
            if operation_name is None or (o.name and o.name.value == operation_name)
        ),
        operations[0],
    )
    totals = {"requests": 0, "nodes": 0}

    def walk(selection_set: SelectionSetNode | None, parent: Any, multiplier: int) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name.startswith("__"):
                    continue
                field = parent.fields[name]
                child = get_named_type(field.type)
                inner = multiplier
                if child.name.endswith("Connection"):
                    args = get_argument_values(field, selection, variables)
                    first, last = args.get("first"), args.get("last")
                    if first is None and last is None:
                        raise QueryLimitError(
                            "MISSING_PAGINATION_BOUNDARIES",
                            f"You must provide a `first` or `last` value to properly paginate "
                            f"the `{name}` connection.",
                        )
                    for label, value in (("first", first), ("last", last)):
                        if value is not None and not 1 <= value <= MAX_PAGE:
                            raise QueryLimitError(
                                "EXCESSIVE_PAGINATION",
                                f"Requesting {value} records on the `{name}` connection "
                                f"exceeds the `{label}` limit of {MAX_PAGE} records.",
                            )
                    size = max(first or 0, last or 0)
                    totals["requests"] += multiplier
                    inner = multiplier * size
                    totals["nodes"] += inner
                if isinstance(child, GraphQLObjectType | GraphQLInterfaceType):
                    walk(selection.selection_set, child, inner)
            elif isinstance(selection, InlineFragmentNode):
                target = (
                    schema.type_map[selection.type_condition.name.value]
                    if selection.type_condition
                    else parent
                )
                walk(selection.selection_set, target, multiplier)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                walk(
                    fragment.selection_set,
                    schema.type_map[fragment.type_condition.name.value],
                    multiplier,
                )

    walk(operation.selection_set, schema.query_type, 1)
    if totals["nodes"] > MAX_NODES:
        raise QueryLimitError(
            "MAX_NODE_LIMIT_EXCEEDED",
            f"This query requests up to {totals['nodes']:,} possible nodes which exceeds the "
            f"maximum limit of {MAX_NODES:,}.",
        )
    return max(1, math.floor(totals["requests"] / 100 + 0.5)), totals["nodes"]


# ---------------------------------------------------------------------------------------
# Schema with resolvers


def _cursor(offset: int) -> str:
    return base64.b64encode(f"cursor:v2:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.b64decode(cursor).decode()
        return int(text.rsplit(":", 1)[1]) + 1
    except (ValueError, IndexError) as exc:
        raise GraphQLError(f"`{cursor}` does not appear to be a valid cursor.") from exc


def connection(items: list[Any], args: dict[str, Any]) -> dict[str, Any]:
    """A Relay connection page over `items` (first/after or last/before)."""
    start = _offset(args.get("after"))
    end = len(items)
    if args.get("before"):
        end = min(_offset(args["before"]) - 1, end)
    if args.get("first") is not None:
        end = min(end, start + args["first"])
    if args.get("last") is not None:
        start = max(start, end - args["last"])
    page = items[start:end]
    return {
        "nodes": page,
        "edges": [{"cursor": _cursor(start + i), "node": node} for i, node in enumerate(page)],
        "pageInfo": {
            "hasNextPage": end < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": _cursor(start) if page else None,
            "endCursor": _cursor(end - 1) if page else None,
        },
        "totalCount": len(items),
    }


def _timestamp(value: str) -> int:
    """A `DateTime` argument (ISO 8601) as epoch seconds."""
    try:
        return int(datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp())
    except ValueError as exc:
        raise GraphQLError(f"`{value}` is not a valid DateTime.") from exc


def _b64(kind: str, key: object) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{key}".encode()).decode()


class _Ctx:
    """Per-request context: the API (clock, base URL, people) and the repository index."""

    def __init__(self, api: GitHubApi) -> None:
        self.api = api
        self.clock = api.clock_ts


def _actor(ctx: _Ctx, login: str) -> dict[str, Any]:
    person = ctx.api.org.people.get(login)
    user_id = person.user_id if person else 0
    bot = login.endswith(BOTS_SUFFIX) or (person is not None and person.kind == "Bot")
    shown = login.removesuffix(BOTS_SUFFIX) if bot else login
    return {
        "__typename": "Bot" if bot else "User",
        "login": shown,
        "id": _b64("Bot" if bot else "User", user_id),
        "databaseId": user_id,
        "name": person.name if person else login,
        "avatarUrl": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "url": f"{ctx.api.base_url}/{'apps/' if bot else ''}{shown}",
        "resourcePath": f"/{'apps/' if bot else ''}{shown}",
    }


def _never(value: Any) -> bool:
    return False  # every resolver is synchronous: skip graphql-core's awaitable checks


def _lazy_actor(ctx: _Ctx, login: str) -> Callable[..., dict[str, Any]]:
    """Resolved only when the query selects the author (graphql-core calls callables)."""
    return lambda info, **_: _actor(ctx, login)


def _deployment_state(dep: Deployment, clock: int) -> str:
    visible = [s.state for s in dep.statuses if s.created_ts <= clock]
    if not visible:
        return "PENDING"
    if "inactive" in visible:
        return "INACTIVE"
    last = visible[-1]
    return {"success": "ACTIVE"}.get(last, last.upper())


def _resolvers() -> dict[str, dict[str, Callable[..., Any]]]:
    """Field resolvers per type; fields not listed read a dict key of the same name."""

    def ctx(info: Any) -> _Ctx:
        return info.context

    # Query ------------------------------------------------------------------------------
    def repository(_: Any, info: Any, owner: str, name: str, followRenames: bool = True) -> Any:  # noqa: N803
        index = ctx(info).api._repos.get(f"{owner}/{name}".lower())
        if index is None:
            raise GraphQLError(
                f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                extensions={"type": "NOT_FOUND"},
            )
        return index

    def rate_limit(_: Any, info: Any, dryRun: bool = False) -> dict[str, Any]:  # noqa: N803
        return info.context.rate

    # Repository -------------------------------------------------------------------------
    def pull_requests(index: _RepoIndex, info: Any, **args: Any) -> dict[str, Any]:
        clock = ctx(info).clock
        states = frozenset(args.get("states") or ())
        labels = frozenset(args.get("labels") or ())
        head, base = args.get("headRefName"), args.get("baseRefName")
        order = args.get("orderBy") or {"field": "CREATED_AT", "direction": "ASC"}

        def build() -> list[tuple[_RepoIndex, PullRequest]]:
            items = []
            for pr in index.pulls:
                if pr.created_ts > clock:
                    continue
                if states and _pr_state(pr, clock) not in states:
                    continue
                if labels and not labels & set(pr.labels):
                    continue
                if head and pr.head_ref != head:
                    continue
                if base and base != index.repo.default_branch:
                    continue
                items.append(pr)
            if order["field"] == "UPDATED_AT":
                items.sort(key=lambda p: (p.updated_at(clock), p.number))
            else:
                items.sort(key=lambda p: (p.created_ts, p.number))
            if order["direction"] == "DESC":
                items.reverse()
            return [(index, pr) for pr in items]

        key = ("graphql-pulls", index.repo.repo_id, states, labels, head, base,
               order["field"], order["direction"])  # fmt: skip
        return connection(ctx(info).api.memo_list(key, build), args)

    def deployments(index: _RepoIndex, info: Any, **args: Any) -> dict[str, Any]:
        clock = ctx(info).clock
        environments = set(args.get("environments") or ())
        items = [
            d
            for d in reversed(index.deployments_newest_first)
            if d.created_ts <= clock and (not environments or d.environment in environments)
        ]
        order = args.get("orderBy") or {"direction": "ASC"}
        if order.get("direction") == "DESC":
            items.reverse()
        return connection([(index, d) for d in items], args)

    def issues(index: _RepoIndex, info: Any, **args: Any) -> dict[str, Any]:
        """The repository's issues (not its pull requests), as REST's `/issues` lists them:
        `filterBy.since` keeps those updated at or after it."""
        c = ctx(info)
        filters = args.get("filterBy") or {}
        since = filters.get("since")
        since_ts = _timestamp(since) if since else None
        states = set(args.get("states") or ()) | set(filters.get("states") or ())
        labels = set(args.get("labels") or ()) | set(filters.get("labels") or ())
        order = args.get("orderBy") or {"field": "CREATED_AT", "direction": "ASC"}
        items = []
        for issue in c.api.org.issues.get(index.repo.full_name, []):
            if issue.created_ts > c.clock:
                continue
            closed = issue.closed_ts is not None and issue.closed_ts <= c.clock
            if states and ("CLOSED" if closed else "OPEN") not in states:
                continue
            if labels and not labels <= set(issue.labels):
                continue
            if since_ts is not None and issue.updated_at(c.clock) < since_ts:
                continue
            items.append(issue)
        if order["field"] == "UPDATED_AT":
            items.sort(key=lambda i: (i.updated_at(c.clock), i.number))
        else:
            items.sort(key=lambda i: (i.created_ts, i.number))
        if order["direction"] == "DESC":
            items.reverse()
        nodes = [
            {
                "id": _b64("Issue", issue.issue_id),
                "databaseId": issue.issue_id,
                "number": issue.number,
                "title": issue.title,
                "state": "CLOSED"
                if issue.closed_ts is not None and issue.closed_ts <= c.clock
                else "OPEN",
                "createdAt": iso(issue.created_ts),
                "updatedAt": iso(issue.updated_at(c.clock)),
                "closedAt": iso(issue.closed_ts)
                if issue.closed_ts is not None and issue.closed_ts <= c.clock
                else None,
            }
            for issue in items
        ]
        return connection(nodes, args)

    def releases(index: _RepoIndex, info: Any, **args: Any) -> dict[str, Any]:
        """The published releases, as REST's `/releases` lists them; a release last changed
        when it was published."""
        c = ctx(info)
        items = [r for r in index.releases_newest_first if r.published_ts <= c.clock]
        order = args.get("orderBy") or {"field": "CREATED_AT", "direction": "DESC"}
        if order["field"] == "NAME":
            items.sort(key=lambda r: (r.name, r.release_id), reverse=True)
        if order["direction"] == "ASC":
            items.reverse()
        nodes = [
            {
                "id": _b64("Release", r.release_id),
                "databaseId": r.release_id,
                "tagName": r.tag_name,
                "name": r.name,
                "description": r.body,
                "isDraft": False,
                "isPrerelease": r.prerelease,
                "createdAt": iso(r.created_ts),
                "publishedAt": iso(r.published_ts),
                "updatedAt": iso(r.published_ts),
                "author": _lazy_actor(c, r.author_login),
            }
            for r in items
        ]
        return connection(nodes, args)

    def ref(index: _RepoIndex, info: Any, qualifiedName: str) -> Any:  # noqa: N803
        name = qualifiedName.removeprefix("refs/heads/")
        if name != index.repo.default_branch:
            return None
        return index

    def default_branch_ref(index: _RepoIndex, info: Any) -> Any:
        return index

    # Ref (the default branch only) --------------------------------------------------------
    def ref_target(index: _RepoIndex, info: Any) -> Any:
        return (index, index.head_at(ctx(info).clock))

    # PullRequest ------------------------------------------------------------------------
    def pr(fn: Callable[[_RepoIndex, PullRequest, _Ctx], Any]) -> Callable[..., Any]:
        return lambda src, info, **_: fn(src[0], src[1], ctx(info))

    def pr_labels(src: Any, info: Any, **args: Any) -> dict[str, Any]:
        index, p = src
        return connection(
            [
                {"name": n, "color": "ededed", "id": _b64("Label", f"{index.repo.repo_id}:{n}")}
                for n in p.labels
            ],
            args,
        )

    def pr_reviews(src: Any, info: Any, **args: Any) -> dict[str, Any]:
        index, p = src
        clock = ctx(info).clock
        states = set(args.get("states") or ())
        items = [
            r
            for r in p.reviews
            if r.submitted_ts <= clock
            and (not states or r.state in states)
            and (not args.get("author") or r.reviewer_login == args["author"])
        ]
        return connection(
            [
                {
                    "id": _b64("PullRequestReview", r.review_id),
                    "databaseId": r.review_id,
                    "state": r.state,
                    "body": r.body,
                    "createdAt": iso(r.submitted_ts),
                    "submittedAt": iso(r.submitted_ts),
                    "author": _lazy_actor(ctx(info), r.reviewer_login),
                }
                for r in items
            ],
            args,
        )

    def pr_commits(src: Any, info: Any, **args: Any) -> dict[str, Any]:
        index, p = src
        return connection(
            [
                {"id": _b64("PullRequestCommit", f"{p.pull_id}:{c.sha}"), "commit": (index, c)}
                for c in p.commits[:250]
            ],
            args,
        )

    def pr_merge_commit(src: Any, info: Any) -> Any:
        index, p = src
        clock = ctx(info).clock
        if p.merged_ts is None or p.merged_ts > clock or not p.merge_commit_sha:
            return None
        return (index, index.by_sha[p.merge_commit_sha])

    # Commit -----------------------------------------------------------------------------
    def commit(fn: Callable[[_RepoIndex, Commit, _Ctx], Any]) -> Callable[..., Any]:
        return lambda src, info, **_: fn(src[0], src[1], ctx(info))

    def git_actor(which: str) -> Callable[..., Any]:
        def resolve(src: Any, info: Any) -> dict[str, Any]:
            _, c = src
            login = c.author_login if which == "author" else c.committer_login
            person = ctx(info).api.org.people.get(login)
            ts = c.authored_ts if which == "author" else c.committed_ts
            return {
                "name": person.name if person else login,
                "email": person.email if person else "",
                "date": iso(ts),
                "user": _actor(ctx(info), login) if person and person.kind == "User" else None,
            }

        return resolve

    def commit_parents(src: Any, info: Any, **args: Any) -> dict[str, Any]:
        index, c = src
        return connection([(index, index.by_sha[p]) for p in c.parents if p in index.by_sha], args)

    def commit_history(src: Any, info: Any, **args: Any) -> dict[str, Any]:
        from ingestion.sandbox.github_api import _parse_time

        index, c = src
        clock = ctx(info).clock
        since = _parse_time(args["since"]) if args.get("since") else None
        until = _parse_time(args["until"]) if args.get("until") else None
        items = [
            (index, h)
            for h in index.history(c.sha)
            if h.committed_ts <= clock
            and (since is None or h.committed_ts >= since)
            and (until is None or h.committed_ts <= until)
        ]
        return connection(items, args)

    def repository_object(index: _RepoIndex, info: Any, **args: Any) -> Any:
        wanted = args.get("oid") or args.get("expression")
        found = ctx(info).api._resolve(index, wanted) if wanted else None
        return (index, found) if found else None

    def commit_check_suites(src: Any, info: Any, **args: Any) -> dict[str, Any]:
        index, c = src
        api = ctx(info).api
        runs = api.check_runs_at(index, c)
        wanted = args.get("filterBy") or {}
        suites = []
        if runs and wanted.get("appId") in (None, ACTIONS_APP_ID):
            suites.append(_check_suite(api, index, c, runs))
        return connection(suites, args)

    def suite_check_runs(suite: dict[str, Any], info: Any, **args: Any) -> dict[str, Any]:
        wanted = args.get("filterBy") or {}
        statuses = set(wanted.get("statuses") or ([wanted["status"]] if wanted.get("status")
                                                   else []))  # fmt: skip
        conclusions = set(wanted.get("conclusions") or ())
        items = [
            run
            for run in suite["_runs"]
            if (not wanted.get("checkName") or run["name"] == wanted["checkName"])
            and (not statuses or run["status"] in statuses)
            and (not conclusions or run["conclusion"] in conclusions)
            and wanted.get("appId") in (None, ACTIONS_APP_ID)
        ]
        # One run per name: the latest runs are all of them (checkType LATEST or ALL).
        return connection(items, args)

    # Deployment -------------------------------------------------------------------------
    def dep(fn: Callable[[_RepoIndex, Deployment, _Ctx], Any]) -> Callable[..., Any]:
        return lambda src, info, **_: fn(src[0], src[1], ctx(info))

    def visible_statuses(d: Deployment, c: _Ctx) -> list[DeploymentStatus]:
        return sorted(
            (s for s in d.statuses if s.created_ts <= c.clock),
            key=lambda s: (s.created_ts, s.status_id),
            reverse=True,
        )

    def status_node(
        index: _RepoIndex, d: Deployment, s: DeploymentStatus, c: _Ctx
    ) -> dict[str, Any]:
        return {
            "id": _b64("DeploymentStatus", s.status_id),
            "state": s.state.upper(),
            "createdAt": iso(s.created_ts),
            "updatedAt": iso(s.created_ts),
            "description": s.description,
            "creator": _actor(c, s.creator_login),
            "logUrl": f"{c.api.base_url}/{s.log_url_path}",
            "environmentUrl": c.api._environment_url(index, d),
        }

    def dep_statuses(src: Any, info: Any, **args: Any) -> dict[str, Any]:
        index, d = src
        c = ctx(info)
        return connection([status_node(index, d, s, c) for s in visible_statuses(d, c)], args)

    def dep_latest(src: Any, info: Any) -> Any:
        index, d = src
        c = ctx(info)
        statuses = visible_statuses(d, c)
        return status_node(index, d, statuses[0], c) if statuses else None

    def dep_commit(src: Any, info: Any) -> Any:
        index, d = src
        found = index.by_sha.get(d.sha)
        return (index, found) if found else None

    return {
        "Query": {"repository": repository, "rateLimit": rate_limit},
        "Repository": {
            "id": lambda i, info: _b64("Repository", i.repo.repo_id),
            "databaseId": lambda i, info: i.repo.repo_id,
            "name": lambda i, info: i.repo.name,
            "nameWithOwner": lambda i, info: i.repo.full_name,
            "pullRequests": pull_requests,
            "deployments": deployments,
            "issues": issues,
            "releases": releases,
            "ref": ref,
            "defaultBranchRef": default_branch_ref,
            "object": repository_object,
        },
        "Ref": {
            "id": lambda i, info: _b64("Ref", f"{i.repo.repo_id}:main"),
            "name": lambda i, info: i.repo.default_branch,
            "prefix": lambda i, info: "refs/heads/",
            "target": ref_target,
        },
        "PullRequest": {
            "id": pr(lambda i, p, c: _b64("PullRequest", p.pull_id)),
            "databaseId": pr(lambda i, p, c: p.pull_id),
            "number": pr(lambda i, p, c: p.number),
            "title": pr(lambda i, p, c: p.title),
            "body": pr(lambda i, p, c: p.body),
            "url": pr(lambda i, p, c: f"{c.api.base_url}/{i.repo.full_name}/pull/{p.number}"),
            "state": pr(lambda i, p, c: _pr_state(p, c.clock)),
            "createdAt": pr(lambda i, p, c: iso(p.created_ts)),
            "updatedAt": pr(lambda i, p, c: iso(p.updated_at(c.clock))),
            "mergedAt": pr(
                lambda i, p, c: iso(p.merged_ts) if p.merged_ts and p.merged_ts <= c.clock else None
            ),
            "merged": pr(lambda i, p, c: bool(p.merged_ts and p.merged_ts <= c.clock)),
            "closedAt": pr(
                lambda i, p, c: iso(p.closed_ts) if p.closed_ts and p.closed_ts <= c.clock else None
            ),
            "isDraft": pr(lambda i, p, c: p.draft and (p.ready_ts is None or p.ready_ts > c.clock)),
            "author": pr(lambda i, p, c: _actor(c, p.author_login)),
            "headRefName": pr(lambda i, p, c: p.head_ref),
            "headRefOid": pr(lambda i, p, c: p.commits[-1].sha),
            "baseRefName": pr(lambda i, p, c: i.repo.default_branch),
            "baseRefOid": pr(lambda i, p, c: p.base_sha),
            "mergeCommit": pr_merge_commit,
            "labels": pr_labels,
            "reviews": pr_reviews,
            "commits": pr_commits,
        },
        "Commit": {
            "id": commit(lambda i, c, x: _b64("Commit", f"{i.repo.repo_id}:{c.sha}")),
            "oid": commit(lambda i, c, x: c.sha),
            "abbreviatedOid": commit(lambda i, c, x: c.sha[:7]),
            "message": commit(lambda i, c, x: c.message),
            "messageHeadline": commit(lambda i, c, x: c.message.split("\n", 1)[0]),
            "authoredDate": commit(lambda i, c, x: iso(c.authored_ts)),
            "committedDate": commit(lambda i, c, x: iso(c.committed_ts)),
            "author": git_actor("author"),
            "committer": git_actor("committer"),
            "parents": commit_parents,
            "history": commit_history,
            "checkSuites": commit_check_suites,
        },
        "CheckSuite": {"checkRuns": suite_check_runs},
        "Deployment": {
            "id": dep(lambda i, d, c: _b64("Deployment", d.deployment_id)),
            "databaseId": dep(lambda i, d, c: d.deployment_id),
            "environment": dep(lambda i, d, c: d.environment),
            "originalEnvironment": dep(lambda i, d, c: d.original_environment or d.environment),
            "state": dep(lambda i, d, c: _deployment_state(d, c.clock)),
            "createdAt": dep(lambda i, d, c: iso(d.created_ts)),
            "updatedAt": dep(
                lambda i, d, c: iso(
                    max(
                        [d.created_ts]
                        + [s.created_ts for s in d.statuses if s.created_ts <= c.clock]
                    )
                )
            ),
            "commitOid": dep(lambda i, d, c: d.sha),
            "commit": dep_commit,
            "task": dep(lambda i, d, c: d.task),
            "description": dep(lambda i, d, c: d.description),
            "creator": dep(lambda i, d, c: _actor(c, d.creator_login)),
            "latestStatus": dep_latest,
            "statuses": dep_statuses,
        },
    }


def _check_suite(
    api: GitHubApi, index: _RepoIndex, commit: Commit, runs: list[tuple[Any, ...]]
) -> dict[str, Any]:
    """The GitHub Actions check suite of a checked commit, its runs as REST lists them."""
    suite_id = stable_id("suite", index.repo.full_name, commit.sha)
    done = all(run[4] for run in runs)
    failed = any(run[1] == "failure" for run in runs)
    suite: dict[str, Any] = {
        "id": _b64("CheckSuite", suite_id),
        "databaseId": suite_id,
        "app": {
            "id": _b64("App", ACTIONS_APP_ID),
            "databaseId": ACTIONS_APP_ID,
            "name": "GitHub Actions",
            "slug": "github-actions",
        },
        "commit": (index, commit),
        "status": "COMPLETED" if done else "IN_PROGRESS",
        "conclusion": ("FAILURE" if failed else "SUCCESS") if done else None,
        "createdAt": iso(min(run[2] for run in runs)),
        "updatedAt": iso(max(run[3] if run[4] else run[2] for run in runs)),
    }
    suite["_runs"] = [
        {
            "id": _b64("CheckRun", run_id),
            "databaseId": run_id,
            "name": name,
            "status": "COMPLETED" if complete else "IN_PROGRESS",
            "conclusion": conclusion.upper() if conclusion else None,
            "startedAt": iso(started),
            "completedAt": iso(completed) if complete else None,
            "detailsUrl": f"{api._html_url(index)}/runs/{run_id}",
            "checkSuite": suite,
        }
        for name, conclusion, started, completed, complete in runs
        for run_id in [stable_id("check", index.repo.full_name, commit.sha, name)]
    ]
    return suite


def _pr_state(pr: PullRequest, clock: int) -> str:
    if pr.merged_ts is not None and pr.merged_ts <= clock:
        return "MERGED"
    if pr.closed_ts is not None and pr.closed_ts <= clock:
        return "CLOSED"
    return "OPEN"


def _type_of(value: Any, info: Any, abstract: Any) -> str:
    if isinstance(value, dict):
        return value["__typename"]
    return "Commit"  # the only GitObject served


@cache
def sandbox_schema() -> GraphQLSchema:
    """The served schema (the checked-in subset) with the sandbox's resolvers attached."""
    schema = build_schema(SUBSET_PATH.read_text())
    for type_name, fields in _resolvers().items():
        kind = schema.type_map[type_name]
        assert isinstance(kind, GraphQLObjectType)
        for field_name, resolve in fields.items():
            kind.fields[field_name].resolve = resolve
    for name in ("Actor", "GitObject"):
        kind = schema.type_map[name]
        assert isinstance(kind, GraphQLInterfaceType)
        kind.resolve_type = _type_of
    return schema


@lru_cache(maxsize=256)
def _prepared(query: str) -> tuple[Any, list[dict[str, Any]]]:
    """Parsed and validated once per distinct query text (clients repeat theirs)."""
    try:
        document = parse(query)
    except GraphQLError as err:
        return None, [err.formatted]
    return document, [e.formatted for e in validate(sandbox_schema(), document)]


def handle_graphql(api: GitHubApi, body: bytes) -> tuple[int, str, list[tuple[str, str]]]:
    """Answer one GraphQL POST: (HTTP status, JSON body, extra headers)."""
    schema = sandbox_schema()
    try:
        request = json.loads(body or b"{}")
        query = request["query"]
        variables = request.get("variables") or {}
        operation_name = request.get("operationName")
    except (ValueError, KeyError, TypeError):
        return (
            400,
            _dumps(
                {
                    "message": "Problems parsing JSON",
                    "documentation_url": "https://docs.github.com/graphql",
                }
            ),
            [],
        )
    if not isinstance(query, str):
        return 200, _dumps({"errors": [{"message": "A query attribute must be specified"}]}), []
    document, errors = _prepared(query)
    if errors:
        return 200, _dumps({"errors": errors}), []
    try:
        cost, nodes = query_cost(schema, document, variables, operation_name)
    except QueryLimitError as err:
        return 200, _dumps({"errors": [{"type": err.kind, "message": err.message}]}), []
    except GraphQLError as err:
        return 200, _dumps({"errors": [err.formatted]}), []
    dry_run = '"dryRun"' in query or "dryRun: true" in query
    rate, allowed = api.charge_graphql(0 if dry_run else cost)
    headers = [
        ("X-RateLimit-Limit", str(rate["limit"])),
        ("X-RateLimit-Remaining", str(rate["remaining"])),
        ("X-RateLimit-Reset", str(rate["reset"])),
        ("X-RateLimit-Used", str(rate["used"])),
        ("X-RateLimit-Resource", "graphql"),
    ]
    if not allowed:
        message = "API rate limit already exceeded for user ID 5000001."
        return 200, _dumps({"errors": [{"type": "RATE_LIMITED", "message": message}]}), headers
    context = _Ctx(api)
    context.rate = {  # type: ignore[attr-defined]
        "cost": cost,
        "limit": rate["limit"],
        "nodeCount": nodes,
        "remaining": rate["remaining"],
        "resetAt": iso(rate["reset"]),
        "used": rate["used"],
    }
    result = execute(
        schema,
        document,
        is_awaitable=_never,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
    )
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [
            dict(
                e.formatted,
                **(
                    {"type": e.extensions["type"]}
                    if e.extensions and "type" in e.extensions
                    else {}
                ),
            )
            for e in result.errors
        ]
    return 200, _dumps(answer), headers


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
