"""The GraphQL queries a connector sends to GitHub (and the sandbox answers)."""

PULL_REQUESTS = """
query PullRequests($owner: String!, $name: String!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequests(first: 50, after: $cursor, orderBy: {field: UPDATED_AT, direction: DESC}) {
      nodes {
        number title state createdAt updatedAt mergedAt closedAt isDraft
        author { __typename login }
        headRefName baseRefName
        mergeCommit { oid }
        labels(first: 10) { nodes { name } }
        reviews(first: 20) { nodes { state submittedAt author { __typename login } } }
        commits(first: 50) { nodes { commit { oid authoredDate committedDate } } }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
  rateLimit { cost remaining resetAt limit used }
}
"""

DEPLOYMENTS = """
query Deployments($owner: String!, $name: String!, $cursor: String, $environments: [String!]) {
  repository(owner: $owner, name: $name) {
    deployments(first: 100, after: $cursor, environments: $environments,
                orderBy: {field: CREATED_AT, direction: ASC}) {
      nodes {
        databaseId environment state createdAt updatedAt commitOid task description
        creator { __typename login }
        latestStatus { state createdAt }
        statuses(first: 10) { nodes { state createdAt description } }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
  rateLimit { cost remaining resetAt }
}
"""

HISTORY = """
query History($owner: String!, $name: String!, $cursor: String, $since: GitTimestamp) {
  repository(owner: $owner, name: $name) {
    ref(qualifiedName: "refs/heads/main") {
      target {
        __typename
        ... on Commit {
          history(first: 100, after: $cursor, since: $since) {
            nodes {
              oid authoredDate committedDate message
              parents(first: 2) { nodes { oid } }
            }
            pageInfo { hasNextPage endCursor }
          }
        }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}
"""

ALL = {"pull_requests": PULL_REQUESTS, "deployments": DEPLOYMENTS, "history": HISTORY}
