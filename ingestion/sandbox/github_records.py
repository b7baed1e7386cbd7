"""GitHub REST endpoints for pull requests, reviews, workflow runs, check runs, releases and
issues, mixed into `GitHubApi`. Every answer is as of the API's clock: a PR merged after it
is still open, a review submitted after it is not there yet, `updated_at` moves with it.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from ingestion.sandbox.model import (
    Commit,
    Deployment,
    Issue,
    PullRequest,
    Release,
    check_runs_for,
    iso,
)

if TYPE_CHECKING:
    from ingestion.sandbox.github_api import _RepoIndex

Answer = tuple[int, str, list[tuple[str, str]]]
ACTIONS_APP_ID = 15368
LABEL_COLOURS = {
    "bug": ("d73a4a", "Something isn't working"),
    "enhancement": ("a2eeef", "New feature or request"),
    "dependencies": ("0366d6", "Pull requests that update a dependency file"),
    "hotfix": ("b60205", "Urgent fix for production"),
    "incident": ("e11d21", "A production incident"),
    "sev1": ("5319e7", "Severity 1"),
    "sev2": ("5319e7", "Severity 2"),
    "sev3": ("5319e7", "Severity 3"),
}


def stable_id(*parts: object, digits: int = 10) -> int:
    """A deterministic positive id from a key (for records GitHub numbers but we derive)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return 10 ** (digits - 1) + int.from_bytes(digest[:8]) % (9 * 10 ** (digits - 1))


def _time_filter(value: str) -> tuple[int | None, int | None]:
    """GitHub's `created` search qualifier: `>=D`, `<=D`, `>D`, `<D`, `D..D` or `D`."""
    from ingestion.sandbox.github_api import ApiError, _parse_time

    def start(text: str) -> int:
        return _parse_time(text if "T" in text else f"{text}T00:00:00Z")

    def end(text: str) -> int:
        return _parse_time(text if "T" in text else f"{text}T23:59:59Z")

    try:
        if ".." in value:
            low, high = value.split("..", 1)
            return (start(low) if low != "*" else None, end(high) if high != "*" else None)
        for op in (">=", "<=", ">", "<"):
            if value.startswith(op):
                moment = value[len(op) :]
                if op == ">=":
                    return start(moment), None
                if op == ">":
                    return end(moment) + 1, None
                if op == "<=":
                    return None, end(moment)
                return None, start(moment) - 1
        return start(value), end(value)
    except ApiError:
        raise
    except ValueError as exc:
        raise ApiError(422, f"Invalid created filter: {value}") from exc


class GitHubRecordsMixin:
    """Endpoints over pull requests, reviews, runs, checks, releases and issues."""

    # provided by GitHubApi
    base_url: str
    clock_ts: int
    org: Any
    _render_cache: dict[tuple[Any, ...], str]

    if TYPE_CHECKING:

        def _user(self, login: str, kind: str | None = None) -> dict[str, Any]: ...
        def _repo_url(self, index: _RepoIndex) -> str: ...
        def _html_url(self, index: _RepoIndex) -> str: ...
        def _repository(self, index: _RepoIndex) -> dict[str, Any]: ...
        def _commit_fragment(self, index: _RepoIndex, commit: Commit) -> str: ...
        def _resolve(self, index: _RepoIndex, ref: str) -> Commit | None: ...
        def _page_lazy(
            self, items: list[Any], render: Any, query: dict[str, str],
            pairs: list[tuple[str, str]], path: str, wrap: str | None = None,
        ) -> Answer: ...  # fmt: skip
        def memo_list(self, key: tuple[Any, ...], build: Any) -> list[Any]: ...

    # -- shared pieces --------------------------------------------------------------------

    def _label(self, index: _RepoIndex, name: str) -> dict[str, Any]:
        colour, description = LABEL_COLOURS.get(name, ("ededed", ""))
        label_id = stable_id("label", index.repo.full_name, name)
        return {
            "id": label_id,
            "node_id": _b64("LA_", label_id),
            "url": f"{self._repo_url(index)}/labels/{name}",
            "name": name,
            "description": description,
            "color": colour,
            "default": name in ("bug", "enhancement"),
        }

    def _association(self, login: str) -> str:
        person = self.org.people.get(login)
        if person is None or person.team_id is None:
            return "NONE" if login.endswith("[bot]") else "CONTRIBUTOR"
        return "MEMBER"

    def _repo_json(self, index: _RepoIndex) -> str:
        from ingestion.sandbox.github_api import _dumps

        key = ("repo", index.repo.repo_id, index.head_at(self.clock_ts).sha)
        cached = self._render_cache.get(key)
        if cached is None:
            cached = self._render_cache[key] = _dumps(self._repository(index))
        return cached

    def _minimal_repo(self, index: _RepoIndex) -> dict[str, Any]:
        full = self._repository(index)
        keep = [
            "id",
            "node_id",
            "name",
            "full_name",
            "owner",
            "private",
            "html_url",
            "description",
            "fork",
            "url",
            "forks_url",
            "keys_url",
            "collaborators_url",
            "teams_url",
            "hooks_url",
            "issue_events_url",
            "events_url",
            "assignees_url",
            "branches_url",
            "tags_url",
            "blobs_url",
            "git_tags_url",
            "git_refs_url",
            "trees_url",
            "statuses_url",
            "languages_url",
            "stargazers_url",
            "contributors_url",
            "subscribers_url",
            "subscription_url",
            "commits_url",
            "git_commits_url",
            "comments_url",
            "issue_comment_url",
            "contents_url",
            "compare_url",
            "merges_url",
            "archive_url",
            "downloads_url",
            "issues_url",
            "pulls_url",
            "milestones_url",
            "notifications_url",
            "labels_url",
            "releases_url",
            "deployments_url",
        ]
        return {k: full[k] for k in keep}

    # -- pull requests --------------------------------------------------------------------

    def _pull_visible(self, pr: PullRequest) -> bool:
        return pr.created_ts <= self.clock_ts

    def _pull_dict(self, index: _RepoIndex, pr: PullRequest, full: bool) -> dict[str, Any]:
        clock = self.clock_ts
        api = f"{self._repo_url(index)}/pulls/{pr.number}"
        html = f"{self._html_url(index)}/pull/{pr.number}"
        issue_api = f"{self._repo_url(index)}/issues/{pr.number}"
        merged = pr.merged_ts is not None and pr.merged_ts <= clock
        closed = pr.closed_ts is not None and pr.closed_ts <= clock
        head_sha = pr.commits[-1].sha
        statuses = f"{self._repo_url(index)}/statuses/{head_sha}"
        owner = index.repo.owner
        draft = pr.draft and (pr.ready_ts is None or pr.ready_ts > clock)
        data: dict[str, Any] = {
            "url": api,
            "id": pr.pull_id,
            "node_id": _b64("PR_", pr.pull_id),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue_api,
            "commits_url": f"{api}/commits",
            "review_comments_url": f"{api}/comments",
            "review_comment_url": f"{self._repo_url(index)}/pulls/comments{{/number}}",
            "comments_url": f"{issue_api}/comments",
            "statuses_url": statuses,
            "number": pr.number,
            "state": "closed" if closed else "open",
            "locked": False,
            "title": pr.title,
            "user": self._user(pr.author_login),
            "body": pr.body or None,
            "labels": [self._label(index, name) for name in pr.labels],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": iso(pr.created_ts),
            "updated_at": iso(pr.updated_at(clock)),
            "closed_at": iso(pr.closed_ts) if closed and pr.closed_ts else None,
            "merged_at": iso(pr.merged_ts) if merged and pr.merged_ts else None,
            "merge_commit_sha": pr.merge_commit_sha if merged else None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": {
                "label": f"{owner}:{pr.head_ref}",
                "ref": pr.head_ref,
                "sha": head_sha,
                "user": self._user(owner, kind="Organization"),
                "repo": "__REPO__",
            },
            "base": {
                "label": f"{owner}:{index.repo.default_branch}",
                "ref": index.repo.default_branch,
                "sha": pr.base_sha,
                "user": self._user(owner, kind="Organization"),
                "repo": "__REPO__",
            },
            "_links": {
                "self": {"href": api},
                "html": {"href": html},
                "issue": {"href": issue_api},
                "comments": {"href": f"{issue_api}/comments"},
                "review_comments": {"href": f"{api}/comments"},
                "review_comment": {"href": f"{self._repo_url(index)}/pulls/comments{{/number}}"},
                "commits": {"href": f"{api}/commits"},
                "statuses": {"href": statuses},
            },
            "author_association": self._association(pr.author_login),
            "auto_merge": None,
            "draft": draft,
        }
        if full:
            merger = pr.merged_by_login if merged and pr.merged_by_login else None
            data.update(
                {
                    "merged": merged,
                    "mergeable": None if closed else True,
                    "rebaseable": None if closed else True,
                    "mergeable_state": "unknown" if closed else "clean",
                    "merged_by": self._user(merger) if merger else None,
                    "comments": 0,
                    "review_comments": 0,
                    "maintainer_can_modify": False,
                    "commits": len(pr.commits),
                    "additions": 10 * len(pr.commits),
                    "deletions": 3 * len(pr.commits),
                    "changed_files": len(pr.commits),
                }
            )
        return data

    def _pull_fragment(self, index: _RepoIndex, pr: PullRequest, full: bool = False) -> str:
        from ingestion.sandbox.github_api import _dumps

        clock = self.clock_ts
        key = (
            "pull", pr.pull_id, full, pr.updated_at(clock), pr.state_at(clock),
            pr.draft and (pr.ready_ts is None or pr.ready_ts > clock),
            index.head_at(clock).sha,
        )  # fmt: skip
        cached = self._render_cache.get(key)
        if cached is None:
            body = _dumps(self._pull_dict(index, pr, full))
            cached = body.replace('"__REPO__"', self._repo_json(index))
            self._render_cache[key] = cached
        return cached

    def _list_pulls(
        self, index: _RepoIndex, query: dict[str, str], pairs: list[tuple[str, str]], path: str
    ) -> Answer:
        from ingestion.sandbox.github_api import ApiError

        clock = self.clock_ts
        state = query.get("state", "open")
        sort = query.get("sort", "created")
        if state not in ("open", "closed", "all"):
            raise ApiError(422, "Validation Failed")
        if sort not in ("created", "updated", "popularity", "long-running"):
            raise ApiError(422, "Validation Failed")
        direction = query.get("direction") or ("desc" if sort == "created" else "asc")
        head = query.get("head", "")
        base = query.get("base", "")

        def build() -> list[PullRequest]:
            items = []
            for pr in index.pulls:
                if pr.created_ts > clock:
                    continue
                if state != "all" and pr.state_at(clock) != state:
                    continue
                if head and f"{index.repo.owner}:{pr.head_ref}" != head and pr.head_ref != head:
                    continue
                if base and base != index.repo.default_branch:
                    continue
                items.append(pr)
            if sort == "updated":
                items.sort(key=lambda p: (p.updated_at(clock), p.number))
            else:
                items.sort(key=lambda p: (p.created_ts, p.number))
            if direction == "desc":
                items.reverse()
            return items

        key = ("pulls", index.repo.repo_id, state, sort, direction, head, base)
        items = self.memo_list(key, build)
        return self._page_lazy(items, lambda p: self._pull_fragment(index, p), query, pairs, path)

    def _find_pull(self, index: _RepoIndex, number: int, doc: str) -> PullRequest:
        from ingestion.sandbox.github_api import ApiError

        pr = index.pulls_by_number.get(number)
        if pr is None or pr.created_ts > self.clock_ts:
            raise ApiError(404, "Not Found", doc)
        return pr

    def _get_pull(self, index: _RepoIndex, number: int, doc: str) -> Answer:
        return 200, self._pull_fragment(index, self._find_pull(index, number, doc), True), []

    def _list_reviews(
        self,
        index: _RepoIndex,
        number: int,
        query: dict[str, str],
        pairs: list[tuple[str, str]],
        path: str,
        doc: str,
    ) -> Answer:
        from ingestion.sandbox.github_api import _dumps

        pr = self._find_pull(index, number, doc)
        visible = [r for r in pr.reviews if r.submitted_ts <= self.clock_ts]
        api = f"{self._repo_url(index)}/pulls/{pr.number}"
        html = f"{self._html_url(index)}/pull/{pr.number}"

        def render(review: Any) -> str:
            link = f"{html}#pullrequestreview-{review.review_id}"
            return _dumps(
                {
                    "id": review.review_id,
                    "node_id": _b64("PRR_", review.review_id),
                    "user": self._user(review.reviewer_login),
                    "body": review.body,
                    "state": review.state,
                    "html_url": link,
                    "pull_request_url": api,
                    "_links": {"html": {"href": link}, "pull_request": {"href": api}},
                    "submitted_at": iso(review.submitted_ts),
                    "commit_id": review.commit_sha,
                    "author_association": self._association(review.reviewer_login),
                }
            )

        return self._page_lazy(visible, render, query, pairs, path)

    def _list_pull_commits(
        self,
        index: _RepoIndex,
        number: int,
        query: dict[str, str],
        pairs: list[tuple[str, str]],
        path: str,
        doc: str,
    ) -> Answer:
        pr = self._find_pull(index, number, doc)
        commits = pr.commits[:250]  # GitHub lists at most 250 commits of a pull request
        return self._page_lazy(
            commits, lambda c: self._commit_fragment(index, c), query, pairs, path
        )

    # -- workflow runs --------------------------------------------------------------------

    def _run_id(self, dep: Deployment) -> int:
        return dep.workflow_run_id

    def _run_dict(self, index: _RepoIndex, dep: Deployment, number: int) -> dict[str, Any]:
        clock = self.clock_ts
        repo = index.repo
        visible = [s for s in dep.statuses if s.created_ts <= clock and s.state != "inactive"]
        last = visible[-1]
        if last.state in ("success", "failure", "error"):
            status, conclusion = "completed", {"error": "cancelled"}.get(last.state, last.state)
        else:
            status, conclusion = last.state, None
        run_id = self._run_id(dep)
        environment = "preview" if dep.transient_environment else dep.environment
        workflow_id = stable_id("workflow", repo.full_name, environment, digits=8)
        api = f"{self._repo_url(index)}/actions/runs/{run_id}"
        html = f"{self._html_url(index)}/actions/runs/{run_id}"
        commit = index.by_sha.get(dep.sha)
        head_commit = None
        if commit is not None:
            author = self.org.people.get(commit.author_login)
            committer = self.org.people.get(commit.committer_login)
            head_commit = {
                "id": commit.sha,
                "tree_id": hashlib.sha1(f"tree:{commit.sha}".encode()).hexdigest(),
                "message": commit.message,
                "timestamp": iso(commit.committed_ts),
                "author": {
                    "name": author.name if author else commit.author_login,
                    "email": author.email if author else "",
                },
                "committer": {
                    "name": committer.name if committer else commit.committer_login,
                    "email": committer.email if committer else "",
                },
            }
        suite = stable_id("suite", run_id)
        minimal = self._minimal_repo(index)
        event = "push" if dep.kind in ("release", "hotfix", "preview") else "workflow_dispatch"
        return {
            "id": run_id,
            "name": repo.deploy_workflow_name(environment),
            "node_id": _b64("WFR_", run_id),
            "check_suite_id": suite,
            "check_suite_node_id": _b64("CS_", suite),
            "head_branch": dep.ref if not re.fullmatch(r"[0-9a-f]{40}", dep.ref) else None,
            "head_sha": dep.sha,
            "path": repo.deploy_workflow_path(environment),
            "run_number": number,
            "event": event,
            "display_title": (commit.message.splitlines()[0] if commit else dep.description),
            "status": status,
            "conclusion": conclusion,
            "workflow_id": workflow_id,
            "url": api,
            "html_url": html,
            "pull_requests": [],
            "created_at": iso(dep.created_ts),
            "updated_at": iso(last.created_ts),
            "actor": self._user(dep.creator_login),
            "triggering_actor": self._user(dep.creator_login),
            "run_attempt": 1,
            "run_started_at": iso(visible[1].created_ts if len(visible) > 1 else dep.created_ts),
            "jobs_url": f"{api}/jobs",
            "logs_url": f"{api}/logs",
            "check_suite_url": f"{self._repo_url(index)}/check-suites/{suite}",
            "artifacts_url": f"{api}/artifacts",
            "cancel_url": f"{api}/cancel",
            "rerun_url": f"{api}/rerun",
            "workflow_url": f"{self._repo_url(index)}/actions/workflows/{workflow_id}",
            "head_commit": head_commit,
            "repository": minimal,
            "head_repository": minimal,
        }

    def _list_runs(
        self, index: _RepoIndex, query: dict[str, str], pairs: list[tuple[str, str]], path: str
    ) -> Answer:
        from ingestion.sandbox.github_api import _dumps

        clock = self.clock_ts
        runs = index.workflow_runs  # (deployment, run number), newest first
        status = query.get("status", "")
        created = _time_filter(query["created"]) if query.get("created") else (None, None)
        items = []
        for dep, number in runs:
            if dep.created_ts > clock:
                continue
            if created[0] is not None and dep.created_ts < created[0]:
                continue
            if created[1] is not None and dep.created_ts > created[1]:
                continue
            if query.get("head_sha") and dep.sha != query["head_sha"]:
                continue
            if query.get("branch") and dep.ref != query["branch"]:
                continue
            if query.get("actor") and dep.creator_login != query["actor"]:
                continue
            if status:
                last = [s for s in dep.statuses if s.created_ts <= clock][-1].state
                state = "completed" if last in ("success", "failure", "error", "inactive") else last
                conclusion = {"error": "cancelled", "inactive": "success"}.get(last, last)
                if status not in (state, conclusion):
                    continue
            items.append((dep, number))

        def render(item: tuple[Deployment, int]) -> str:
            dep, number = item
            key = ("run", dep.deployment_id, sum(s.created_ts <= clock for s in dep.statuses))
            cached = self._render_cache.get(key)
            if cached is None:
                cached = self._render_cache[key] = _dumps(self._run_dict(index, dep, number))
            return cached

        return self._page_lazy(items, render, query, pairs, path, wrap="workflow_runs")

    # -- check runs -----------------------------------------------------------------------

    def _list_check_runs(
        self,
        index: _RepoIndex,
        ref: str,
        query: dict[str, str],
        pairs: list[tuple[str, str]],
        path: str,
        doc: str,
    ) -> Answer:
        from ingestion.sandbox.github_api import ApiError, _dumps

        commit = self._resolve(index, ref)
        if commit is None:
            raise ApiError(422, f"No commit found for SHA: {ref}", doc)
        runs = [
            run
            for run in self.check_runs_at(index, commit)
            if (not query.get("check_name") or query["check_name"] == run[0])
            and (
                not query.get("status")
                or query["status"] == ("completed" if run[4] else "in_progress")
            )
        ]
        app = self._actions_app()
        suite = stable_id("suite", index.repo.full_name, commit.sha)

        def render(run: tuple[str, str | None, int, int, bool]) -> str:
            name, conclusion, started, completed, done = run
            run_id = stable_id("check", index.repo.full_name, commit.sha, name)
            api = f"{self._repo_url(index)}/check-runs/{run_id}"
            return _dumps(
                {
                    "id": run_id,
                    "head_sha": commit.sha,
                    "node_id": _b64("CR_", run_id),
                    "external_id": str(run_id),
                    "url": api,
                    "html_url": f"{self._html_url(index)}/runs/{run_id}",
                    "details_url": f"{self._html_url(index)}/runs/{run_id}",
                    "status": "completed" if done else "in_progress",
                    "conclusion": conclusion,
                    "started_at": iso(started),
                    "completed_at": iso(completed) if done else None,
                    "output": {
                        "title": f"{name} {conclusion or 'running'}",
                        "summary": f"The {name} job {conclusion or 'is running'}.",
                        "text": None,
                        "annotations_count": 0,
                        "annotations_url": f"{api}/annotations",
                    },
                    "name": name,
                    "check_suite": {"id": suite},
                    "app": app,
                    "pull_requests": [],
                }
            )

        return self._page_lazy(runs, render, query, pairs, path, wrap="check_runs")

    def check_runs_at(
        self, index: _RepoIndex, commit: Commit
    ) -> list[tuple[str, str | None, int, int, bool]]:
        """The check runs of `commit` started by the clock: (name, conclusion or None while
        running, started_ts, completed_ts, done), REST and GraphQL alike."""
        clock = self.clock_ts
        runs: list[tuple[str, str | None, int, int, bool]] = []
        if commit.sha not in index.checked_shas:
            return runs
        pr_head = commit.sha in index.pr_heads
        for name, conclusion, started, completed in check_runs_for(
            index.repo.full_name, commit.sha, commit.committed_ts, pr_head
        ):
            if started > clock:
                continue
            done = completed <= clock
            runs.append((name, conclusion if done else None, started, completed, done))
        return runs

    def _actions_app(self) -> dict[str, Any]:
        owner = self._user("github", kind="Organization")
        return {
            "id": ACTIONS_APP_ID,
            "slug": "github-actions",
            "node_id": "MDM6QXBwMTUzNjg=",
            "owner": owner,
            "name": "GitHub Actions",
            "description": "Automate your workflow from idea to production",
            "external_url": "https://help.github.com/en/actions",
            "html_url": "https://github.com/apps/github-actions",
            "created_at": "2018-07-30T09:30:17Z",
            "updated_at": "2024-04-10T20:33:16Z",
            "permissions": {"checks": "write", "contents": "write", "deployments": "write"},
            "events": ["check_run", "check_suite", "push", "pull_request", "deployment"],
        }

    # -- releases -------------------------------------------------------------------------

    def _list_releases(
        self, index: _RepoIndex, query: dict[str, str], pairs: list[tuple[str, str]], path: str
    ) -> Answer:
        from ingestion.sandbox.github_api import _dumps

        clock = self.clock_ts
        items = [r for r in index.releases_newest_first if r.published_ts <= clock]

        def render(release: Release) -> str:
            api = f"{self._repo_url(index)}/releases/{release.release_id}"
            html = f"{self._html_url(index)}/releases/tag/{release.tag_name}"
            return _dumps(
                {
                    "url": api,
                    "html_url": html,
                    "assets_url": f"{api}/assets",
                    "upload_url": (
                        f"https://uploads.github.com/repos/{index.repo.full_name}/releases/"
                        f"{release.release_id}/assets{{?name,label}}"
                    ),
                    "tarball_url": f"{self._repo_url(index)}/tarball/{release.tag_name}",
                    "zipball_url": f"{self._repo_url(index)}/zipball/{release.tag_name}",
                    "id": release.release_id,
                    "node_id": _b64("RE_", release.release_id),
                    "tag_name": release.tag_name,
                    "target_commitish": release.sha,
                    "name": release.name,
                    "body": release.body,
                    "draft": False,
                    "prerelease": release.prerelease,
                    "immutable": False,
                    "created_at": iso(release.created_ts),
                    "published_at": iso(release.published_ts),
                    "author": self._user(release.author_login),
                    "assets": [],
                }
            )

        return self._page_lazy(items, render, query, pairs, path)

    # -- issues (pull requests included, as GitHub does) ----------------------------------

    def _list_issues(
        self, index: _RepoIndex, query: dict[str, str], pairs: list[tuple[str, str]], path: str
    ) -> Answer:
        from ingestion.sandbox.github_api import ApiError, _parse_time

        clock = self.clock_ts
        state = query.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise ApiError(422, "Validation Failed")
        sort = query.get("sort", "created")
        direction = query.get("direction", "desc")
        labels = [x.strip() for x in query.get("labels", "").split(",") if x.strip()]
        since = _parse_time(query["since"]) if query.get("since") else None
        creator = query.get("creator", "")

        def build() -> list[Issue | PullRequest]:
            items: list[Issue | PullRequest] = []
            for record in index.issues_and_pulls:
                if record.created_ts > clock:
                    continue
                closed = record.closed_ts is not None and record.closed_ts <= clock
                if state != "all" and (state == "closed") != closed:
                    continue
                if labels and not all(label in record.labels for label in labels):
                    continue
                if since is not None and record.updated_at(clock) < since:
                    continue
                if creator and creator != record.author_login:
                    continue
                items.append(record)
            if sort == "updated":
                items.sort(key=lambda r: (r.updated_at(clock), r.number))
            else:
                items.sort(key=lambda r: (r.created_ts, r.number))
            if direction == "desc":
                items.reverse()
            return items

        key = ("issues", index.repo.repo_id, state, sort, direction, tuple(labels), since, creator)
        items = self.memo_list(key, build)
        return self._page_lazy(items, lambda r: self._issue_fragment(index, r), query, pairs, path)

    def _issue_fragment(self, index: _RepoIndex, record: Issue | PullRequest) -> str:
        from ingestion.sandbox.github_api import _dumps

        clock = self.clock_ts
        updated = record.updated_at(clock)
        key = ("issue", index.repo.repo_id, record.number, updated)
        cached = self._render_cache.get(key)
        if cached is not None:
            return cached
        api = f"{self._repo_url(index)}/issues/{record.number}"
        closed = record.closed_ts is not None and record.closed_ts <= clock
        is_pull = isinstance(record, PullRequest)
        record_id = record.pull_id if is_pull else record.issue_id  # type: ignore[union-attr]
        html = f"{self._html_url(index)}/{'pull' if is_pull else 'issues'}/{record.number}"
        closed_by = None
        if closed:
            login = (
                (record.merged_by_login or record.author_login)  # type: ignore[union-attr]
                if is_pull
                else record.closed_by_login  # type: ignore[union-attr]
            )
            closed_by = self._user(login) if login else None
        data: dict[str, Any] = {
            "id": record_id,
            "node_id": _b64("PR_" if is_pull else "I_", record_id),
            "url": api,
            "repository_url": self._repo_url(index),
            "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "html_url": html,
            "number": record.number,
            "state": "closed" if closed else "open",
            "title": record.title,
            "body": record.body or None,
            "user": self._user(record.author_login),
            "labels": [self._label(index, name) for name in record.labels],
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "locked": False,
            "active_lock_reason": None,
            "comments": 0,
            "closed_at": iso(record.closed_ts) if closed and record.closed_ts else None,
            "created_at": iso(record.created_ts),
            "updated_at": iso(updated),
            "closed_by": closed_by,
            "author_association": self._association(record.author_login),
        }
        if closed:
            data["state_reason"] = "completed"
        if is_pull:
            pull_api = f"{self._repo_url(index)}/pulls/{record.number}"
            merged = record.merged_ts is not None and record.merged_ts <= clock  # type: ignore[union-attr]
            data["pull_request"] = {
                "url": pull_api,
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": iso(record.merged_ts) if merged else None,  # type: ignore[union-attr,arg-type]
            }
            data["draft"] = record.draft and (  # type: ignore[union-attr]
                record.ready_ts is None or record.ready_ts > clock  # type: ignore[union-attr]
            )
        cached = self._render_cache[key] = _dumps(data)
        return cached


def _b64(prefix: str, number: int) -> str:
    import base64

    return prefix + base64.urlsafe_b64encode(number.to_bytes(8)).decode().rstrip("=")
