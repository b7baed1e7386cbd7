"""A `valuestream.yml` describing a generated organisation, for any tier.

The small tier is the organisation of the committed `valuestream.yml`; the larger tiers are
generated, so their config is rendered here: value streams (id, name, timezone, the work
map's stages in workflow order), teams (with their Jira projects), repositories (team,
service), the GitHub, Jira (the organisation's projects), PagerDuty and files sources, and a
deploy-workflow pattern for each repository that deploys through a GitHub Actions workflow
(`Repository.deploy_via == "workflow"`, runs named `Deploy <env>`).
"""

from __future__ import annotations

from typing import Any

import yaml

from ingestion.sandbox.jira.truth import stage_order
from ingestion.sandbox.model import DEFAULT_PRODUCTION_PATTERN, Organisation

# The name of a sandbox deploy workflow is `Deploy <environment>`: the text after the match
# is the environment (see ingestion/sources/github/README.md, "Deploy workflows").
DEPLOY_WORKFLOW_PATTERN = "^Deploy "


def sandbox_config(org: Organisation) -> dict[str, Any]:
    """The config of `org` as the mapping `valuestream.yml` holds."""
    deploy_workflows = {
        repo.full_name: DEPLOY_WORKFLOW_PATTERN
        for repo in org.repositories
        if repo.deploy_via == "workflow"
    }
    github: dict[str, Any] = {"enabled": True, "api_url": "https://api.github.com"}
    if deploy_workflows:
        github["deploy_workflows"] = deploy_workflows
    projects = [p.key for p in org.jira.projects] if org.jira is not None else []
    team_projects: dict[str, list[str]] = {}
    for project in org.jira.projects if org.jira is not None else []:
        team_projects.setdefault(project.team_id, []).append(project.key)
    streams = []
    for stream in org.value_streams:
        entry: dict[str, Any] = {
            "id": stream.value_stream_id,
            "name": stream.name,
            "timezone": stream.timezone,
        }
        if stream.production_pattern != DEFAULT_PRODUCTION_PATTERN:
            entry["production_pattern"] = stream.production_pattern
        if org.jira is not None:
            # the work map's stages in workflow order, as the stream's admin lists them
            stages = stage_order(org.jira, stream.value_stream_id)
            if stages:
                names = [org.jira.statuses[status_id].name for status_id in stages]
                entry["flow"] = {"stages": names}
        teams = []
        for team in org.teams:
            if team.value_stream_id != stream.value_stream_id:
                continue
            team_entry: dict[str, Any] = {"id": team.team_id, "name": team.name}
            if team.team_id in team_projects:
                team_entry["jira_projects"] = team_projects[team.team_id]
            teams.append(team_entry)
        entry["teams"] = teams
        entry["repositories"] = [
            {"repo": repo.full_name, "team": repo.team_id, "service": repo.name}
            for repo in org.repositories
            if repo.value_stream_id == stream.value_stream_id
        ]
        streams.append(entry)
    return {
        "organisation": org.name,
        "defaults": {
            "timezone": "UTC",
            "production_pattern": DEFAULT_PRODUCTION_PATTERN,
            "attribution_window_hours": 24,
        },
        "sources": {
            "github": github,
            "jira": {
                "enabled": org.jira is not None,
                "base_url": f"https://{org.login}.atlassian.net",
                "projects": projects,
            },
            "pagerduty": {"enabled": org.pagerduty is not None},
            "files": {"enabled": True},
        },
        "value_streams": streams,
    }


def render_sandbox_config(org: Organisation) -> str:
    """`valuestream.yml` text for `org` (valid for `ingestion.config.load_config`)."""
    header = (
        f"# valuestream.yml for the sandbox organisation {org.name} (tier {org.tier}, seed "
        f"{org.seed}),\n# written by `vsm sandbox config`. The sandbox's URLs and tokens come "
        "from the environment\n# (SOURCES__GITHUB__API_URL, SOURCES__JIRA__BASE_URL, ...).\n"
        "# sources.github.deploy_workflows names the repositories that deploy through a GitHub\n"
        "# Actions workflow: a successful run of `Deploy <environment>` is a deployment to the\n"
        "# environment after the match (or the pattern's group `environment`).\n"
    )
    body = yaml.safe_dump(sandbox_config(org), sort_keys=False, allow_unicode=True, width=100)
    return header + body
