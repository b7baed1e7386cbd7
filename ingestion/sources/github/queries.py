"""The GraphQL queries the GitHub source sends, every one checked against GitHub's published
schema by the tests (`ALL`). Each selects `rateLimit` so the client can pace itself.

Page sizes are variables: nested connections cost points in proportion to the parent's page
size, and big nested pages are what makes GitHub time a query out.
"""

from __future__ import annotations

from collections.abc import Sequence

RATE_LIMIT = "rateLimit { cost remaining resetAt }"

_ACTOR = "{ __typename login }"

# Node ids, not `databaseId`: GitHub's `databaseId` is a 32-bit Int and fails for newer
# records; the database id is read from the node id (`rows.node_database_id`).
_REVIEW = f"id state submittedAt author {_ACTOR}"

_PULL_COMMIT = """
commit {
  oid messageHeadline authoredDate committedDate
  author { name email user { login } }
}
"""

# One page of pull requests with their labels, reviews and commits nested.
_PULL_REQUEST_PAGE = f"""
fragment PullRequestPage on PullRequestConnection {{
  edges {{
    cursor
    node {{
      id number title body state isDraft url
      author {_ACTOR}
      headRefName headRefOid baseRefName baseRefOid
      createdAt updatedAt mergedAt closedAt
      mergeCommit {{ oid }}
      labels(first: 50) {{ nodes {{ name }} }}
      reviews(first: $reviewsPageSize) {{
        nodes {{ {_REVIEW} }}
        pageInfo {{ hasNextPage endCursor }}
      }}
      commits(first: $commitsPageSize) {{
        nodes {{ {_PULL_COMMIT} }}
        pageInfo {{ hasNextPage endCursor }}
      }}
    }}
  }}
  pageInfo {{ hasNextPage endCursor }}
}}
"""

PULL_REQUESTS = f"""
query PullRequests($owner: String!, $name: String!, $cursor: String, $pageSize: Int!,
                   $reviewsPageSize: Int!, $commitsPageSize: Int!) {{
  repository(owner: $owner, name: $name) {{
    pullRequests(first: $pageSize, after: $cursor,
                 orderBy: {{field: UPDATED_AT, direction: DESC}}) {{
      ...PullRequestPage
    }}
  }}
  {RATE_LIMIT}
}}
{_PULL_REQUEST_PAGE}"""


_RELEASE_CHECK = """
fragment ReleaseCheck on ReleaseConnection {
  nodes {
    id tagName name description isDraft isPrerelease createdAt publishedAt
  }
  pageInfo { hasNextPage }
}
"""

_ISSUE_CHECK = """
fragment IssueCheck on IssueConnection {
  nodes { number updatedAt }
  pageInfo { hasNextPage }
}
"""


def repository_probes(wanted: Sequence[tuple[bool, ...]]) -> str:
    """First small pages of several repositories in one query: for each entry (pull
    requests?, deployments?[, releases?, issues?, history?]), an alias `r<i>` on
    `repository(owner: $owner<i>, name: $name<i>)`. On a later run most repositories have
    fewer changes than these pages and need no other query. The releases (newest created
    first) and the issues updated since `$issuesSince<i>` tell whether the REST lists of a
    repository need asking at all (`changes`); the history is the default branch's first
    page (`branch_histories` asks the next ones)."""
    flags = [(*entry, False, False, False)[:5] for entry in wanted]
    declared = [f"$owner{i}: String!, $name{i}: String!" for i in range(len(flags))]
    declared += [f"$issuesSince{i}: DateTime" for i, f in enumerate(flags) if f[3]]
    if any(f[0] for f in flags):
        declared.insert(0, "$pullsPageSize: Int!, $reviewsPageSize: Int!, $commitsPageSize: Int!")
    if any(f[1] for f in flags):
        declared.insert(0, "$deploymentsPageSize: Int!")
    if any(f[2] for f in flags):
        declared.insert(0, "$releasesPageSize: Int!")
    if any(f[3] for f in flags):
        declared.insert(0, "$issuesPageSize: Int!")
    if any(f[4] for f in flags):
        declared.insert(0, "$historyPageSize: Int!")
    blocks = []
    for i, (pulls, deployments, releases, issues, history) in enumerate(flags):
        parts = []
        if pulls:
            parts.append(
                "    pullRequests(first: $pullsPageSize, "
                "orderBy: {field: UPDATED_AT, direction: DESC}) { ...PullRequestPage }"
            )
        if deployments:
            parts.append(
                "    deployments(first: $deploymentsPageSize, "
                "orderBy: {field: CREATED_AT, direction: DESC}) { ...DeploymentPage }"
            )
        if releases:
            parts.append(
                "    releases(first: $releasesPageSize, "
                "orderBy: {field: CREATED_AT, direction: DESC}) { ...ReleaseCheck }"
            )
        if issues:
            parts.append(
                f"    issues(first: $issuesPageSize, filterBy: {{since: $issuesSince{i}}}, "
                "orderBy: {field: UPDATED_AT, direction: DESC}) { ...IssueCheck }"
            )
        if history:
            parts.append(
                "    defaultBranchRef { target { __typename "
                "... on Commit { history(first: $historyPageSize) { ...HistoryPage } } } }"
            )
        body = "\n".join(parts)
        blocks.append(f"  r{i}: repository(owner: $owner{i}, name: $name{i}) {{\n{body}\n  }}")
    fragments = "".join(
        fragment
        for used, fragment in zip(
            (any(f[n] for f in flags) for n in range(5)),
            (_PULL_REQUEST_PAGE, _DEPLOYMENT_PAGE, _RELEASE_CHECK, _ISSUE_CHECK, _HISTORY_PAGE),
            strict=True,
        )
        if used
    )
    variables = ",\n    ".join(declared)
    repositories = "\n".join(blocks)
    return f"""
query RepositoryProbes(
    {variables}) {{
{repositories}
  {RATE_LIMIT}
}}
{fragments}"""


# The rest of one pull request's reviews and commits: the pull request is found again as the
# one after `$pullCursor` in the same order (the caller checks its number), since a
# connection's cursor is the only way back to it that every GitHub version serves.
PULL_REQUEST_MORE = f"""
query PullRequestMore($owner: String!, $name: String!, $pullCursor: String,
                      $reviewsCursor: String, $commitsCursor: String) {{
  repository(owner: $owner, name: $name) {{
    pullRequests(first: 1, after: $pullCursor,
                 orderBy: {{field: UPDATED_AT, direction: DESC}}) {{
      nodes {{
        number
        reviews(first: 100, after: $reviewsCursor) {{
          nodes {{ {_REVIEW} }}
          pageInfo {{ hasNextPage endCursor }}
        }}
        commits(first: 100, after: $commitsCursor) {{
          nodes {{ {_PULL_COMMIT} }}
          pageInfo {{ hasNextPage endCursor }}
        }}
      }}
    }}
  }}
  {RATE_LIMIT}
}}
"""

# One page of deployments with their statuses nested.
_DEPLOYMENT_PAGE = f"""
fragment DeploymentPage on DeploymentConnection {{
  nodes {{
    databaseId environment createdAt updatedAt commitOid
    statuses(first: 50) {{
      nodes {{
        id state description createdAt updatedAt logUrl
        creator {_ACTOR}
      }}
      pageInfo {{ hasNextPage }}
    }}
  }}
  pageInfo {{ hasNextPage endCursor }}
}}
"""

DEPLOYMENT_STATUSES = f"""
query DeploymentStatuses($owner: String!, $name: String!, $cursor: String, $pageSize: Int!) {{
  repository(owner: $owner, name: $name) {{
    deployments(first: $pageSize, after: $cursor,
                orderBy: {{field: CREATED_AT, direction: DESC}}) {{
      ...DeploymentPage
    }}
  }}
  {RATE_LIMIT}
}}
{_DEPLOYMENT_PAGE}"""


def deployment_statuses_many(count: int) -> str:
    """The next page of deployments with their statuses of `count` repositories in one
    query: alias `r<i>` on `repository(owner: $owner<i>, name: $name<i>)`, after
    `$cursor<i>`."""
    declared = ["$pageSize: Int!"]
    declared += [f"$owner{i}: String!, $name{i}: String!, $cursor{i}: String" for i in range(count)]
    blocks = [
        f"  r{i}: repository(owner: $owner{i}, name: $name{i}) {{\n"
        f"    deployments(first: $pageSize, after: $cursor{i}, "
        "orderBy: {field: CREATED_AT, direction: DESC}) { ...DeploymentPage }\n  }"
        for i in range(count)
    ]
    variables = ",\n    ".join(declared)
    body = "\n".join(blocks)
    return f"""
query DeploymentStatusesOfRepositories(
    {variables}) {{
{body}
  {RATE_LIMIT}
}}
{_DEPLOYMENT_PAGE}"""


BRANCH_HISTORY = f"""
query BranchHistory($owner: String!, $name: String!, $cursor: String, $since: GitTimestamp,
                    $pageSize: Int!) {{
  repository(owner: $owner, name: $name) {{
    defaultBranchRef {{
      name
      target {{
        __typename
        ... on Commit {{
          history(first: $pageSize, after: $cursor, since: $since) {{
            nodes {{
              oid message authoredDate committedDate
              author {{ name email user {{ login }} }}
              committer {{ name email user {{ login }} }}
              parents(first: 20) {{ totalCount nodes {{ oid }} }}
            }}
            pageInfo {{ hasNextPage endCursor }}
          }}
        }}
      }}
    }}
  }}
  {RATE_LIMIT}
}}
"""

_CHECK_RUNS_OF_COMMIT = """
fragment CommitCheckRuns on Commit {
  oid
  checkSuites(first: $suitesPageSize) {
    nodes {
      id
      app { slug }
      checkRuns(first: $runsPageSize, filterBy: {checkType: LATEST}) {
        nodes { id name status conclusion startedAt completedAt detailsUrl }
        pageInfo { hasNextPage }
      }
    }
    pageInfo { hasNextPage }
  }
}
"""


def check_runs(repository_of_sha: Sequence[int]) -> str:
    """The check runs of many commits in one query: sha `j` (variable `$sha<j>`, alias `c<j>`)
    is looked up with `object(oid:)` in repository `repository_of_sha[j]` (variables
    `$owner<i>`, `$name<i>`, alias `r<i>`). The latest run of each name, as REST's
    `GET /commits/{ref}/check-runs` lists them (its default `filter=latest`)."""
    repositories = sorted(set(repository_of_sha))
    declared = ["$suitesPageSize: Int!, $runsPageSize: Int!"]
    declared += [f"$owner{i}: String!, $name{i}: String!" for i in repositories]
    declared += [f"$sha{j}: GitObjectID!" for j in range(len(repository_of_sha))]
    blocks = []
    for i in repositories:
        objects = "\n".join(
            f"    c{j}: object(oid: $sha{j}) {{ ...CommitCheckRuns }}"
            for j, owner in enumerate(repository_of_sha)
            if owner == i
        )
        blocks.append(f"  r{i}: repository(owner: $owner{i}, name: $name{i}) {{\n{objects}\n  }}")
    variables = ",\n    ".join(declared)
    body = "\n".join(blocks)
    return f"""
query CheckRuns(
    {variables}) {{
{body}
  {RATE_LIMIT}
}}
{_CHECK_RUNS_OF_COMMIT}"""


_HISTORY_PAGE = """
fragment HistoryPage on CommitHistoryConnection {
  nodes {
    oid message authoredDate committedDate
    author { name email user { login } }
    committer { name email user { login } }
    parents(first: 20) { totalCount nodes { oid } }
  }
  pageInfo { hasNextPage endCursor }
}
"""


def branch_histories(count: int) -> str:
    """The next history page of the default branch of `count` repositories in one query:
    alias `r<i>` on `repository(owner: $owner<i>, name: $name<i>)`, its page after
    `$cursor<i>` committed since `$since<i>`."""
    declared = ["$pageSize: Int!"]
    declared += [
        f"$owner{i}: String!, $name{i}: String!, $cursor{i}: String, $since{i}: GitTimestamp"
        for i in range(count)
    ]
    blocks = [
        f"""  r{i}: repository(owner: $owner{i}, name: $name{i}) {{
    defaultBranchRef {{
      target {{
        __typename
        ... on Commit {{
          history(first: $pageSize, after: $cursor{i}, since: $since{i}) {{ ...HistoryPage }}
        }}
      }}
    }}
  }}"""
        for i in range(count)
    ]
    variables = ",\n    ".join(declared)
    body = "\n".join(blocks)
    return f"""
query BranchHistories(
    {variables}) {{
{body}
  {RATE_LIMIT}
}}
{_HISTORY_PAGE}"""


ALL: dict[str, str] = {
    "pull_requests": PULL_REQUESTS,
    "repository_probes_pulls": repository_probes([(True, False)]),
    "repository_probes_deployments": repository_probes([(False, True)]),
    "repository_probes_mixed": repository_probes([(True, True), (False, True), (True, False)]),
    "repository_probes_changes": repository_probes(
        [
            (True, True, True, True, True),
            (False, False, True, False, False),
            (False, False, False, True, True),
        ]
    ),
    "pull_request_more": PULL_REQUEST_MORE,
    "deployment_statuses": DEPLOYMENT_STATUSES,
    "branch_history": BRANCH_HISTORY,
    "check_runs": check_runs([0, 0, 1, 2, 2]),
    "branch_histories": branch_histories(3),
    "deployment_statuses_many": deployment_statuses_many(3),
}
