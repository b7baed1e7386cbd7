"""Flat rows of pull requests, reviews, pull-request commits, check runs, releases, issues and
workflow runs (from REST or GraphQL answers), and GraphQL's deployment statuses and commits
in the same shape as their REST rows.

GraphQL and REST name the same things differently; the rows follow REST's conventions:
lower-case states, a bot's login with its `[bot]` suffix (GraphQL's `Bot.login` drops it),
database ids (GraphQL's `databaseId`, or decoded from a node id where there is none).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .._http import parse_timestamp

BOT_SUFFIX = "[bot]"
_NOREPLY = re.compile(r"^\d+\+(?P<login>[^@]+)@users\.noreply\.(?:[\w.-]+)$")


def _time(value: Any, name: str) -> Any:
    """`parse_timestamp`, its error naming the field (for the quarantine's reason)."""
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from error


def _login(user: Mapping[str, Any] | None) -> str | None:
    return user.get("login") if user else None


def actor_login(actor: Mapping[str, Any] | None) -> str | None:
    """A GraphQL `Actor`'s login as REST writes it (`dependabot[bot]` for the Bot)."""
    if not actor:
        return None
    login = actor.get("login")
    if login and actor.get("__typename") == "Bot" and not login.endswith(BOT_SUFFIX):
        login += BOT_SUFFIX
    return login


def actor_is_bot(actor: Mapping[str, Any] | None) -> bool | None:
    if not actor:
        return None
    return actor.get("__typename") == "Bot" or str(actor.get("login", "")).endswith(BOT_SUFFIX)


def git_actor_login(git_actor: Mapping[str, Any] | None) -> str | None:
    """The account behind a commit's author or committer: the GitHub user, or for an app
    (which is no `User`) the login in its `ID+login@users.noreply...` address."""
    if not git_actor:
        return None
    user = git_actor.get("user")
    if user and user.get("login"):
        return str(user["login"])
    match = _NOREPLY.match(git_actor.get("email") or "")
    return match.group("login") if match else None


def labels_json(names: Iterable[str]) -> str:
    return json.dumps(sorted(names))


def node_database_id(node_id: str | None) -> int | None:
    """The database id inside a GraphQL node id: the legacy `base64("0NN:Type<id>")` form, or
    the current `PREFIX_<base64url(msgpack [0, ..., id])>` form; None when it is neither."""
    if not node_id:
        return None
    if "_" in node_id:
        payload = node_id.split("_", 1)[1]
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            numbers = _msgpack_ints(raw)
        except ValueError:
            return None
        return numbers[-1] if numbers else None
    try:
        text = base64.b64decode(node_id + "=" * (-len(node_id) % 4)).decode()
    except ValueError:
        return None
    match = re.fullmatch(r"0\d+:[A-Za-z]+?(\d+)", text)
    return int(match.group(1)) if match else None


def _msgpack_ints(raw: bytes) -> list[int]:
    """The integers of a msgpack array of integers (all a node id holds)."""
    if not raw or not 0x90 <= raw[0] <= 0x9F:
        raise ValueError("not a msgpack array")
    count, position, found = raw[0] & 0x0F, 1, []
    sizes = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}
    for _ in range(count):
        if position >= len(raw):
            raise ValueError("cut short")
        tag = raw[position]
        if tag < 0x80:
            found.append(tag)
            position += 1
        elif tag in sizes:
            size = sizes[tag]
            chunk = raw[position + 1 : position + 1 + size]
            if len(chunk) != size:
                raise ValueError("cut short")
            found.append(int.from_bytes(chunk, "big", signed=tag >= 0xD0))
            position += 1 + size
        else:
            raise ValueError("not an integer")
    return found


# --------------------------------------------------------------------------- GraphQL nodes


def graphql_status_row(
    repository: str, deployment_id: int, environment: str | None, node: Mapping[str, Any]
) -> dict[str, Any] | None:
    """A deployment status as `helpers.status_row` makes it from REST; None when its node id
    holds no database id (the caller asks REST)."""
    status_id = node_database_id(node.get("id"))
    if status_id is None:
        return None
    return {
        "id": status_id,
        "deployment_id": deployment_id,
        "repository": repository,
        "state": (node.get("state") or "").lower() or None,
        "environment": environment,
        "description": node.get("description"),
        "creator_login": actor_login(node.get("creator")),
        "created_at": parse_timestamp(node.get("createdAt")),
        "updated_at": parse_timestamp(node.get("updatedAt")),
        "log_url": node.get("logUrl"),
    }


def graphql_commit_row(repository: str, node: Mapping[str, Any]) -> dict[str, Any]:
    """A branch-history commit as `helpers.commit_row` makes it from REST."""
    author = node.get("author") or {}
    committer = node.get("committer") or {}
    parents = [p["oid"] for p in (node.get("parents") or {}).get("nodes") or []]
    return {
        "repository": repository,
        "sha": node["oid"],
        "message": node.get("message"),
        "author_name": author.get("name"),
        "author_email": author.get("email"),
        "author_login": git_actor_login(author),
        "authored_at": parse_timestamp(node.get("authoredDate")),
        "committer_login": git_actor_login(committer),
        "committed_at": parse_timestamp(node.get("committedDate")),
        "parent_shas": " ".join(parents),
        "parent_count": (node.get("parents") or {}).get("totalCount", len(parents)),
    }


def graphql_pull_request_row(repository: str, node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "repository": repository,
        "number": node["number"],
        "id": node_database_id(node.get("id")),
        "title": node.get("title"),
        "body": node.get("body") or None,
        "state": (node.get("state") or "").lower() or None,
        "is_draft": node.get("isDraft"),
        "author_login": actor_login(node.get("author")),
        "author_is_bot": actor_is_bot(node.get("author")),
        "head_ref": node.get("headRefName"),
        "head_sha": node.get("headRefOid"),
        "base_ref": node.get("baseRefName"),
        "base_sha": node.get("baseRefOid"),
        "created_at": parse_timestamp(node.get("createdAt")),
        "updated_at": parse_timestamp(node.get("updatedAt")),
        "merged_at": parse_timestamp(node.get("mergedAt")),
        "closed_at": parse_timestamp(node.get("closedAt")),
        "merge_commit_sha": (node.get("mergeCommit") or {}).get("oid"),
        "labels": labels_json(n["name"] for n in (node.get("labels") or {}).get("nodes") or []),
        "url": node.get("url"),
    }


def graphql_review_row(
    repository: str, number: int, node: Mapping[str, Any]
) -> dict[str, Any] | None:
    """None when the node id holds no database id (the caller asks REST)."""
    review_id = node_database_id(node.get("id"))
    if review_id is None:
        return None
    return {
        "id": review_id,
        "repository": repository,
        "pull_request_number": number,
        "state": (node.get("state") or "").lower() or None,
        "submitted_at": parse_timestamp(node.get("submittedAt")),
        "author_login": actor_login(node.get("author")),
        "author_is_bot": actor_is_bot(node.get("author")),
    }


def graphql_pull_commit_row(
    repository: str, number: int, position: int, node: Mapping[str, Any]
) -> dict[str, Any]:
    commit = node.get("commit") or {}
    author = commit.get("author") or {}
    return {
        "repository": repository,
        "pull_request_number": number,
        "sha": commit["oid"],
        "position": position,
        "author_name": author.get("name"),
        "author_email": author.get("email"),
        "author_login": git_actor_login(author),
        "authored_at": parse_timestamp(commit.get("authoredDate")),
        "committed_at": parse_timestamp(commit.get("committedDate")),
        "message_headline": commit.get("messageHeadline"),
    }


def graphql_check_run_row(
    repository: str, sha: str, suite: Mapping[str, Any], node: Mapping[str, Any]
) -> dict[str, Any] | None:
    """A check run as `check_run_row` makes it from REST; None when a node id holds no
    database id (the caller asks REST)."""
    run_id = node_database_id(node.get("id"))
    suite_id = node_database_id(suite.get("id"))
    if run_id is None or suite_id is None:
        return None
    return {
        "id": run_id,
        "repository": repository,
        "head_sha": sha,
        "name": node.get("name"),
        "status": (node.get("status") or "").lower() or None,
        "conclusion": (node.get("conclusion") or "").lower() or None,
        "started_at": parse_timestamp(node.get("startedAt")),
        "completed_at": parse_timestamp(node.get("completedAt")),
        "app_slug": (suite.get("app") or {}).get("slug"),
        "check_suite_id": suite_id,
        "details_url": node.get("detailsUrl"),
    }


# --------------------------------------------------------------------------- REST items


def _is_bot_user(user: Mapping[str, Any] | None) -> bool | None:
    if not user:
        return None
    return user.get("type") == "Bot" or str(user.get("login", "")).endswith(BOT_SUFFIX)


def rest_pull_request_row(repository: str, item: Mapping[str, Any]) -> dict[str, Any]:
    merged_at = parse_timestamp(item.get("merged_at"))
    state = "merged" if merged_at else item.get("state")
    return {
        "repository": repository,
        "number": item["number"],
        "id": item.get("id"),
        "title": item.get("title"),
        "body": item.get("body") or None,
        "state": state,
        "is_draft": item.get("draft"),
        "author_login": _login(item.get("user")),
        "author_is_bot": _is_bot_user(item.get("user")),
        "head_ref": (item.get("head") or {}).get("ref"),
        "head_sha": (item.get("head") or {}).get("sha"),
        "base_ref": (item.get("base") or {}).get("ref"),
        "base_sha": (item.get("base") or {}).get("sha"),
        "created_at": parse_timestamp(item.get("created_at")),
        "updated_at": parse_timestamp(item.get("updated_at")),
        "merged_at": merged_at,
        "closed_at": parse_timestamp(item.get("closed_at")),
        "merge_commit_sha": item.get("merge_commit_sha") if merged_at else None,
        "labels": labels_json(label["name"] for label in item.get("labels") or []),
        "url": item.get("html_url"),
    }


def rest_review_row(repository: str, number: int, item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "repository": repository,
        "pull_request_number": number,
        "state": (item.get("state") or "").lower() or None,
        "submitted_at": parse_timestamp(item.get("submitted_at")),
        "author_login": _login(item.get("user")),
        "author_is_bot": _is_bot_user(item.get("user")),
    }


def rest_pull_commit_row(
    repository: str, number: int, position: int, item: Mapping[str, Any]
) -> dict[str, Any]:
    commit = item.get("commit") or {}
    author = commit.get("author") or {}
    return {
        "repository": repository,
        "pull_request_number": number,
        "sha": item["sha"],
        "position": position,
        "author_name": author.get("name"),
        "author_email": author.get("email"),
        "author_login": _login(item.get("author")),
        "authored_at": parse_timestamp(author.get("date")),
        "committed_at": parse_timestamp((commit.get("committer") or {}).get("date")),
        "message_headline": (commit.get("message") or "").split("\n", 1)[0] or None,
    }


def check_run_row(repository: str, item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "repository": repository,
        "head_sha": item.get("head_sha"),
        "name": item.get("name"),
        "status": item.get("status"),
        "conclusion": item.get("conclusion"),
        "started_at": parse_timestamp(item.get("started_at")),
        "completed_at": parse_timestamp(item.get("completed_at")),
        "app_slug": (item.get("app") or {}).get("slug"),
        "check_suite_id": (item.get("check_suite") or {}).get("id"),
        "details_url": item.get("details_url"),
    }


def release_row(repository: str, item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "repository": repository,
        "tag_name": item.get("tag_name"),
        "name": item.get("name"),
        "target_commitish": item.get("target_commitish"),
        "draft": item.get("draft"),
        "prerelease": item.get("prerelease"),
        "author_login": _login(item.get("author")),
        "created_at": _time(item.get("created_at"), "created_at"),
        "published_at": _time(item.get("published_at"), "published_at"),
        "body": item.get("body"),
        "url": item.get("html_url"),
    }


def issue_row(repository: str, item: Mapping[str, Any], incident_label: str) -> dict[str, Any]:
    names = [label["name"] if isinstance(label, Mapping) else str(label) for label in
             item.get("labels") or []]  # fmt: skip
    wanted = incident_label.casefold()
    return {
        "repository": repository,
        "number": item["number"],
        "id": item.get("id"),
        "title": item.get("title"),
        "body": item.get("body"),
        "state": item.get("state"),
        "state_reason": item.get("state_reason"),
        "author_login": _login(item.get("user")),
        "labels": labels_json(names),
        "is_incident": any(name.casefold() == wanted for name in names),
        "created_at": parse_timestamp(item.get("created_at")),
        "updated_at": parse_timestamp(item.get("updated_at")),
        "closed_at": parse_timestamp(item.get("closed_at")),
        "closed_by_login": _login(item.get("closed_by")),
        "url": item.get("html_url"),
    }


def workflow_run_row(repository: str, item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "repository": repository,
        "name": item.get("name"),
        "workflow_id": item.get("workflow_id"),
        "path": item.get("path"),
        "run_number": item.get("run_number"),
        "run_attempt": item.get("run_attempt"),
        "event": item.get("event"),
        "status": item.get("status"),
        "conclusion": item.get("conclusion"),
        "head_branch": item.get("head_branch"),
        "head_sha": item.get("head_sha"),
        "display_title": item.get("display_title"),
        "actor_login": _login(item.get("actor")),
        "created_at": parse_timestamp(item.get("created_at")),
        "updated_at": parse_timestamp(item.get("updated_at")),
        "run_started_at": parse_timestamp(item.get("run_started_at")),
        "url": item.get("html_url"),
    }
