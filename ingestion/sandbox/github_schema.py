"""The subset of GitHub's published GraphQL schema that the sandbox serves.

`SUBSET` names the types and fields; `subset_sdl(full_sdl)` cuts them, unchanged (names,
arguments, defaults, descriptions), out of the published SDL. The result is checked in as
`github_schema.graphql` so serving never parses the 1.2 MB original; a test regenerates it
from the fixture and compares.
"""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
    get_named_type,
    print_ast,
)

SUBSET_PATH = Path(__file__).with_name("github_schema.graphql")

SUBSET: dict[str, tuple[str, ...]] = {
    "Query": ("rateLimit", "repository"),
    "Repository": (
        "databaseId", "defaultBranchRef", "deployments", "id", "issues", "name",
        "nameWithOwner", "object", "pullRequests", "ref", "releases",
    ),
    "IssueConnection": ("edges", "nodes", "pageInfo", "totalCount"),
    "IssueEdge": ("cursor", "node"),
    "Issue": (
        "closedAt", "createdAt", "databaseId", "id", "number", "state", "title", "updatedAt",
    ),
    "ReleaseConnection": ("edges", "nodes", "pageInfo", "totalCount"),
    "ReleaseEdge": ("cursor", "node"),
    "Release": (
        "author", "createdAt", "databaseId", "description", "id", "isDraft", "isPrerelease",
        "name", "publishedAt", "tagName", "updatedAt",
    ),
    "PullRequestConnection": ("edges", "nodes", "pageInfo", "totalCount"),
    "PullRequestEdge": ("cursor", "node"),
    "PullRequest": (
        "author", "baseRefName", "baseRefOid", "body", "closedAt", "commits", "createdAt",
        "databaseId", "headRefName", "headRefOid", "id", "isDraft", "labels", "mergeCommit",
        "merged", "mergedAt", "number", "reviews", "state", "title", "updatedAt", "url",
    ),
    "LabelConnection": ("edges", "nodes", "pageInfo", "totalCount"),
    "LabelEdge": ("cursor", "node"),
    "Label": ("color", "id", "name"),
    "PullRequestReviewConnection": ("edges", "nodes", "pageInfo", "totalCount"),
    "PullRequestReviewEdge": ("cursor", "node"),
    "PullRequestReview": (
        "author", "body", "createdAt", "databaseId", "id", "state", "submittedAt",
    ),
    "PullRequestCommitConnection": ("edges", "nodes", "pageInfo", "totalCount"),
    "PullRequestCommitEdge": ("cursor", "node"),
    "PullRequestCommit": ("commit", "id"),
    "Commit": (
        "abbreviatedOid", "author", "authoredDate", "checkSuites", "committedDate", "committer",
        "history", "id", "message", "messageHeadline", "oid", "parents",
    ),
    "CheckSuiteConnection": ("edges", "nodes", "pageInfo", "totalCount"),
    "CheckSuiteEdge": ("cursor", "node"),
    "CheckSuite": (
        "app", "checkRuns", "commit", "conclusion", "createdAt", "databaseId", "id", "status",
        "updatedAt",
    ),
    "App": ("databaseId", "id", "name", "slug"),
    "CheckRunConnection": ("edges", "nodes", "pageInfo", "totalCount"),
    "CheckRunEdge": ("cursor", "node"),
    "CheckRun": (
        "checkSuite", "completedAt", "conclusion", "databaseId", "detailsUrl", "id", "name",
        "startedAt", "status",
    ),
    "CommitConnection": ("edges", "nodes", "pageInfo", "totalCount"),
    "CommitHistoryConnection": ("edges", "nodes", "pageInfo", "totalCount"),
    "CommitEdge": ("cursor", "node"),
    "GitActor": ("date", "email", "name", "user"),
    "Actor": ("avatarUrl", "login", "resourcePath", "url"),
    "User": ("avatarUrl", "databaseId", "id", "login", "name", "resourcePath", "url"),
    "Bot": ("avatarUrl", "databaseId", "id", "login", "resourcePath", "url"),
    "GitObject": ("abbreviatedOid", "id", "oid"),
    "Ref": ("id", "name", "prefix", "target"),
    "DeploymentConnection": ("edges", "nodes", "pageInfo", "totalCount"),
    "DeploymentEdge": ("cursor", "node"),
    "Deployment": (
        "commit", "commitOid", "createdAt", "creator", "databaseId", "description",
        "environment", "id", "latestStatus", "originalEnvironment", "state", "statuses",
        "task", "updatedAt",
    ),
    "DeploymentStatusConnection": ("edges", "nodes", "pageInfo", "totalCount"),
    "DeploymentStatusEdge": ("cursor", "node"),
    "DeploymentStatus": (
        "createdAt", "creator", "description", "environmentUrl", "id", "logUrl", "state",
        "updatedAt",
    ),
    "RateLimit": ("cost", "limit", "nodeCount", "remaining", "resetAt", "used"),
    "PageInfo": ("endCursor", "hasNextPage", "hasPreviousPage", "startCursor"),
}  # fmt: skip


def subset_sdl(full_sdl: str) -> str:
    """The SUBSET of `full_sdl`, plus every input, enum and scalar its arguments need."""
    full = build_schema(full_sdl, assume_valid_sdl=True)
    needed: list[str] = []
    seen: set[str] = set()

    def need(name: str) -> None:
        if name not in seen and name not in ("String", "Int", "Boolean", "ID", "Float"):
            seen.add(name)
            needed.append(name)

    for name in SUBSET:
        need(name)
    parts: list[str] = []
    i = 0
    while i < len(needed):
        name = needed[i]
        i += 1
        kind = full.type_map[name]
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            fields = SUBSET[name]
            lines = []
            for field_name in fields:
                field = kind.fields[field_name]
                assert field.ast_node is not None
                for arg in field.args.values():
                    need(get_named_type(arg.type).name)
                named = get_named_type(field.type).name
                if named not in SUBSET and named not in seen:
                    need(named)
                lines.append("  " + print_ast(field.ast_node).replace("\n", "\n  "))
            keyword = "type" if isinstance(kind, GraphQLObjectType) else "interface"
            interfaces = [t.name for t in kind.interfaces if t.name in SUBSET]
            implements = f" implements {' & '.join(interfaces)}" if interfaces else ""
            parts.append(f"{keyword} {name}{implements} {{\n" + "\n".join(lines) + "\n}")
        elif isinstance(kind, GraphQLInputObjectType):
            for field in kind.fields.values():
                need(get_named_type(field.type).name)
            assert kind.ast_node is not None
            parts.append(print_ast(kind.ast_node))
        elif isinstance(kind, GraphQLEnumType | GraphQLScalarType):
            assert kind.ast_node is not None
            parts.append(print_ast(kind.ast_node))
    header = (
        "# A subset of GitHub's public GraphQL schema (octokit/graphql-schema), cut by\n"
        "# ingestion/sandbox/github_schema.py. Do not edit by hand.\n\n"
    )
    return header + "\n\n".join(parts) + "\n"


if __name__ == "__main__":  # regenerate: python -m ingestion.sandbox.github_schema FULL_SDL
    import sys

    SUBSET_PATH.write_text(subset_sdl(Path(sys.argv[1]).read_text()))
