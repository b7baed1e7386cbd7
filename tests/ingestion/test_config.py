"""valuestream.yml: the model, the resolved views and every kind of error line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ingestion.config import ConfigError, ResolvedRepository, load_config

ROOT = Path(__file__).resolve().parents[2]

VALID = """\
organisation: Acme
value_streams:
  - id: payments
    name: Payments
    teams:
      - {id: checkout, name: Checkout}
    repositories:
      - acme/payments-api
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "valuestream.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    # the file is named by the path given to load_config
    return [line.replace(str(path), "valuestream.yml") for line in caught.value.errors]


def test_shipped_file_describes_the_sandbox_organisation():
    config = load_config(ROOT / "valuestream.yml")

    assert config.summary() == (
        "valuestream.yml: 2 value streams, 4 teams, 6 repositories, "
        "sources: github, jira, pagerduty, files"
    )
    assert config.organisation == "Acme"
    assert config.sources.github.api_url == "https://api.github.com"
    repos = {r.repo: r for r in config.repositories()}
    assert list(repos) == [
        "acme/payments-api",
        "acme/checkout-web",
        "acme/billing-service",
        "acme/catalog-api",
        "acme/storefront-web",
        "acme/search-service",
    ]
    assert repos["acme/search-service"] == ResolvedRepository(
        repo="acme/search-service",
        owner="acme",
        name="search-service",
        value_stream_id="storefront",
        team_id="search",
        service="search-service",
        production_pattern="^prod(uction)?$",
        timezone="Europe/Berlin",
        attribution_window_hours=24,
    )
    assert repos["acme/billing-service"].team_id == "billing"
    assert repos["acme/payments-api"].timezone == "UTC"
    assert [(t.team_id, t.value_stream_id) for t in config.teams()] == [
        ("checkout", "payments"),
        ("billing", "payments"),
        ("catalog", "storefront"),
        ("search", "storefront"),
    ]
    settings = {s.value_stream_id: s for s in config.value_stream_settings()}
    assert settings["storefront"].timezone == "Europe/Berlin"
    assert settings["payments"].attribution_window_hours == 24
    assert settings["payments"].hotfix_labels == ("hotfix",)
    assert settings["storefront"].hotfix_branch_prefixes == ("hotfix/",)


def test_defaults_and_short_forms_resolve(tmp_path):
    config = load_config(
        write(
            tmp_path,
            """\
            defaults:
              timezone: Asia/Tokyo
              production_pattern: "^live$"
              attribution_window_hours: 12
            value_streams:
              - id: solo
                name: Solo
                attribution_window_hours: 6
                teams: [{id: only, name: Only}]
                repositories:
                  - acme/one                  # the stream's only team
                  - {repo: acme/two, service: two-svc}
              - id: teamless
                name: Teamless
                production_pattern: "^prd$"
                repositories: [acme/three]
            """,
        )
    )
    one, two, three = config.repositories()
    assert (one.team_id, one.service, one.timezone, one.production_pattern) == (
        "only",
        "one",
        "Asia/Tokyo",
        "^live$",
    )
    assert (one.attribution_window_hours, three.attribution_window_hours) == (6, 12)
    assert two.service == "two-svc"
    assert (three.team_id, three.production_pattern) == (None, "^prd$")
    assert three.is_production_environment("PRD")
    assert not three.is_production_environment("prd-eu")
    assert one.is_production_environment("Live")
    assert (
        config.summary()
        == "valuestream.yml: 2 value streams, 1 team, 3 repositories, sources: github"
    )


def test_plain_repository_string_must_be_owner_slash_name(tmp_path):
    assert errors(
        tmp_path,
        """\
        value_streams:
          - {id: a, name: A, repositories: [acme/a]}
          - id: b
            name: B
            repositories: [foo, {repo: "acme/x y"}]
        """,
    ) == [
        'valuestream.yml: value_streams[1].repositories[0]: expected "owner/name", got "foo"',
        'valuestream.yml: value_streams[1].repositories[1].repo: expected "owner/name", '
        'got "acme/x y"',
    ]


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yml")
    assert caught.value.errors == [f"{tmp_path / 'nope.yml'}: file not found"]
    assert str(caught.value) == f"{tmp_path / 'nope.yml'}: file not found"


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    assert errors(tmp_path, "value_streams:\n  - id: a\n   name: b\n") == [
        "valuestream.yml: line 3, column 4: invalid YAML: while parsing a block collection: "
        "expected <block end>, but found '<block mapping start>'"
    ]


def test_key_written_twice_is_an_error(tmp_path):
    assert errors(tmp_path, VALID + "organisation: Other\n") == [
        'valuestream.yml: line 9, column 1: invalid YAML: duplicate key "organisation" '
        "(first written on line 1)"
    ]


def test_empty_file_and_wrong_top_level(tmp_path):
    assert errors(tmp_path, "") == [
        "valuestream.yml: the file is empty (expected at least value_streams)"
    ]
    assert errors(tmp_path, "- a\n") == [
        "valuestream.yml: expected a mapping of keys at the top level, got a list"
    ]
    assert errors(tmp_path, "value_streams: []\n") == [
        "valuestream.yml: value_streams: expected at least one value stream"
    ]


def test_unknown_keys_are_named_with_a_suggestion(tmp_path):
    assert errors(
        tmp_path,
        """\
        sources:
          pagerdutty: {}
        value_streams:
          - id: a
            name: A
            timezon: UTC
            colour: red
            repositories:
              - {repo: acme/a, tem: x}
        """,
    ) == [
        'valuestream.yml: sources: unknown key "pagerdutty" (did you mean "pagerduty"?)',
        'valuestream.yml: value_streams[0].repositories[0]: unknown key "tem" '
        '(did you mean "team"?)',
        'valuestream.yml: value_streams[0]: unknown key "timezon" (did you mean "timezone"?)',
        'valuestream.yml: value_streams[0]: unknown key "colour" (expected one of: id, name, '
        "timezone, production_pattern, attribution_window_hours, hotfix_labels, "
        "hotfix_branch_prefixes, flow, teams, repositories)",
    ]


def test_wrong_types_and_missing_keys(tmp_path):
    assert errors(
        tmp_path,
        """\
        defaults:
          attribution_window_hours: 0
        sources:
          github: {enabled: maybe, api_url: "ftp://example.com"}
        value_streams:
          - id: Payments Team
            teams: [{id: t, name: 3}]
        """,
    ) == [
        "valuestream.yml: defaults.attribution_window_hours: expected a number greater than 0, "
        "got 0",
        'valuestream.yml: sources.github.enabled: expected true or false, got "maybe"',
        "valuestream.yml: sources.github.api_url: expected an http(s) URL such as "
        '"https://api.github.com", got "ftp://example.com"',
        "valuestream.yml: value_streams[0].id: expected an id of lowercase letters, digits, "
        "'-' or '_', got \"Payments Team\"",
        'valuestream.yml: value_streams[0]: missing required key "name"',
        "valuestream.yml: value_streams[0].teams[0].name: expected a string, got 3",
    ]


def test_invalid_regex_and_unknown_timezone(tmp_path):
    assert errors(
        tmp_path,
        """\
        defaults:
          production_pattern: "^prod("
        value_streams:
          - id: a
            name: A
            timezone: Europe/Berln
          - id: b
            name: B
            timezone: Mars/Olympus
        """,
    ) == [
        'valuestream.yml: defaults.production_pattern: expected a regular expression, got "^prod(" '
        "(missing ), unterminated subpattern at position 5)",
        "valuestream.yml: value_streams[0].timezone: expected an IANA timezone such as "
        '"Europe/Berlin", got "Europe/Berln" (did you mean "Europe/Berlin"?)',
        "valuestream.yml: value_streams[1].timezone: expected an IANA timezone such as "
        '"Europe/Berlin", got "Mars/Olympus"',
    ]


def test_duplicate_ids_shared_repositories_and_unknown_teams(tmp_path):
    assert errors(
        tmp_path,
        """\
        value_streams:
          - id: payments
            name: Payments
            teams: [{id: checkout, name: Checkout}, {id: billing, name: Billing}]
            repositories:
              - {repo: acme/payments-api, team: checkout}
              - {repo: acme/billing, team: biling}
              - acme/ledger
          - id: payments
            name: Payments again
            teams: [{id: checkout, name: Checkout}]
            repositories:
              - Acme/Payments-API
        """,
    ) == [
        "valuestream.yml: value_streams[0].repositories[1].team: expected a team of value "
        'stream "payments" (checkout, billing), got "biling"',
        "valuestream.yml: value_streams[0].repositories[2].team: expected a team (value stream "
        '"payments" has several: checkout, billing), got nothing',
        'valuestream.yml: value_streams[1].id: duplicate value stream id "payments" '
        "(already used by value_streams[0])",
        'valuestream.yml: value_streams[1].teams[0].id: duplicate team id "checkout" '
        "(already used at value_streams[0].teams[0])",
        'valuestream.yml: value_streams[1].repositories[0]: repository "Acme/Payments-API" is '
        "already listed at value_streams[0].repositories[0]; a repository belongs to one "
        "value stream",
    ]


def test_error_str_joins_the_lines(tmp_path):
    path = write(tmp_path, "value_streams: [{id: a}, {name: b}]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f'{path}: value_streams[0]: missing required key "name"\n'
        f'{path}: value_streams[1]: missing required key "id"'
    )


def test_jira_and_pagerduty_sections(tmp_path):
    assert errors(
        tmp_path,
        """\
        sources:
          jira: {enabled: true, base_url: "not a url", projects: [CHK, chk]}
          pagerduty: {enabled: true, service_ids: [PABC123]}
        value_streams:
          - id: a
            name: A
            repositories: [acme/a]
        """,
    ) == [
        "valuestream.yml: sources.jira.base_url: expected an http(s) URL such as "
        '"https://your-domain.atlassian.net", got "not a url"',
        'valuestream.yml: sources.jira.projects[1]: expected a Jira project key such as "CHK", '
        'got "chk"',
    ]


def test_github_incident_label_and_deploy_workflows(tmp_path):
    config = load_config(
        write(
            tmp_path,
            VALID
            + """\
sources:
  github:
    incident_label: sev
    deploy_workflows: {acme/payments-api: "^Deploy (prod|production)$"}
""",
        )
    )
    github = config.sources.github
    assert github.incident_label == "sev"
    assert github.deploy_workflows == {"acme/payments-api": "^Deploy (prod|production)$"}
    # defaults
    default = load_config(write(tmp_path, VALID)).sources.github
    assert (default.incident_label, default.deploy_workflows) == ("incident", {})


def test_github_source_from_config_passes_the_label_and_workflows(tmp_path, monkeypatch):
    from ingestion import pipelines

    seen = {}

    def fake(repositories, **kwargs):
        seen.update(kwargs)

    monkeypatch.setattr("ingestion.sources.github.github_source", fake)
    monkeypatch.delenv("SOURCES__GITHUB__API_URL", raising=False)
    config = load_config(
        write(
            tmp_path,
            VALID
            + """\
sources:
  github: {incident_label: sev, deploy_workflows: {acme/payments-api: "^Deploy"}}
""",
        )
    )
    pipelines.github_source_from_config(config)
    assert seen["incident_label"] == "sev"
    assert seen["deploy_workflow_patterns"] == {"acme/payments-api": "^Deploy"}


def test_github_incident_label_and_deploy_workflow_errors(tmp_path):
    assert errors(
        tmp_path,
        VALID
        + """\
sources:
  github:
    incident_label: " "
    deploy_workflows: {payments: "^Deploy", acme/search: "^Deploy ("}
""",
    ) == [
        'valuestream.yml: sources.github.incident_label: expected a label name, got " "',
        'valuestream.yml: sources.github.deploy_workflows.payments: expected "owner/name", '
        'got "payments"',
        "valuestream.yml: sources.github.deploy_workflows.acme/search: expected a regular "
        'expression, got "^Deploy (" (missing ), unterminated subpattern at position 8)',
    ]


def test_hotfix_markers_inherit_the_defaults_or_replace_them(tmp_path):
    config = load_config(
        write(
            tmp_path,
            """\
            defaults:
              hotfix_labels: [hotfix, Urgent-Fix]
            value_streams:
              - {id: a, name: A, repositories: [acme/a]}
              - id: b
                name: B
                hotfix_labels: []
                hotfix_branch_prefixes: [fix/, emergency/]
                repositories: [acme/b]
            """,
        )
    )
    a, b = config.value_stream_settings()
    assert (a.hotfix_labels, a.hotfix_branch_prefixes) == (("hotfix", "Urgent-Fix"), ("hotfix/",))
    # an empty list turns labels off for the stream; prefixes replace the default ones
    assert (b.hotfix_labels, b.hotfix_branch_prefixes) == ((), ("fix/", "emergency/"))


def test_hotfix_marker_errors_name_the_key_path(tmp_path):
    assert errors(
        tmp_path,
        """\
        defaults:
          hotfix_labels: hotfix
        value_streams:
          - id: a
            name: A
            hotfix_branch_prefixes: ["hotfix/", "  ", 7]
            repositories: [acme/a]
        """,
    ) == [
        'valuestream.yml: defaults.hotfix_labels: expected a list, got "hotfix"',
        "valuestream.yml: value_streams[0].hotfix_branch_prefixes[1]: expected a non-empty "
        'label or branch prefix, got "  "',
        "valuestream.yml: value_streams[0].hotfix_branch_prefixes[2]: expected a string, got 7",
    ]


def test_work_map_stages_inherit_the_defaults_or_replace_them(tmp_path):
    config = load_config(
        write(
            tmp_path,
            """\
            defaults:
              flow:
                stages: [Backlog, In Progress, In Review]
            value_streams:
              - {id: a, name: A, repositories: [acme/a]}
              - id: b
                name: B
                flow:
                  stages: [To Do, "In Progress ", in progress, Testing]
                repositories: [acme/b]
              - id: c
                name: C
                flow:
                  stages: []
                repositories: [acme/c]
            """,
        )
    )
    rows = [(r.value_stream_id, r.stage_position, r.status_name) for r in config.flow_stages()]
    assert rows == [
        ("a", 1, "backlog"),
        ("a", 2, "in progress"),
        ("a", 3, "in review"),
        # the stream's list replaces the defaults'; names lowercase, each once
        ("b", 1, "to do"),
        ("b", 2, "in progress"),
        ("b", 3, "testing"),
        # c lists none: its stages follow the order items first reach them
    ]
    problems = errors(
        tmp_path,
        """\
        value_streams:
          - id: a
            name: A
            flow: {stages: [Backlog, " "]}
            repositories: [acme/a]
        """,
    )
    assert len(problems) == 1 and "value_streams[0].flow.stages[1]" in problems[0]


FLOW = """\
defaults:
  flow:
    status_states: {Awaiting Deploy: waiting, Ready for QA: waiting}
value_streams:
  - id: payments
    name: Payments
    flow:
      status_states: {READY for QA: active}
    teams:
      - {id: checkout, name: Checkout, jira_projects: [CHK, PAY]}
      - {id: billing, name: Billing, jira_projects: [BIL]}
  - id: storefront
    name: Storefront
    flow:
      type_rules:
        - {type: risk, match: [CVE, security]}
        - {type: feature, match: [story, epic-child]}
    teams:
      - {id: catalog, name: Catalog}
"""


def test_flow_settings_resolve_per_value_stream(tmp_path):
    config = load_config(write(tmp_path, FLOW))

    payments = [
        (r.rule_order, r.flow_item_type, r.match_text)
        for r in config.flow_type_rules()
        if r.value_stream_id == "payments"
    ]
    # the default rules of metrics.md section 3, in order
    assert payments[0] == (1, "feature", "story")
    assert (4, "debt", "tech debt") in payments
    assert [t for _, t, _ in payments].count("defect") == 3
    storefront = [
        (r.rule_order, r.flow_item_type, r.match_text)
        for r in config.flow_type_rules()
        if r.value_stream_id == "storefront"
    ]
    # a stream's own rules replace the defaults; words lowercase, '-' as a space
    assert storefront == [
        (1, "risk", "cve"),
        (1, "risk", "security"),
        (2, "feature", "story"),
        (2, "feature", "epic child"),
    ]
    states = {(r.value_stream_id, r.status_name): r.flow_state for r in config.flow_status_states()}
    # a stream's entries are added to the defaults' and win on the same name (any case)
    assert states == {
        ("payments", "awaiting deploy"): "waiting",
        ("payments", "ready for qa"): "active",
        ("storefront", "awaiting deploy"): "waiting",
        ("storefront", "ready for qa"): "waiting",
    }
    assert [(p.project_key, p.team_id, p.value_stream_id) for p in config.jira_projects()] == [
        ("CHK", "checkout", "payments"),
        ("PAY", "checkout", "payments"),
        ("BIL", "billing", "payments"),
    ]


def test_flow_setting_mistakes_are_named(tmp_path):
    assert errors(
        tmp_path,
        """\
        value_streams:
          - id: payments
            name: Payments
            flow:
              status_states: {Review: doing}
              type_rules:
                - {type: story, match: [story]}
                - {type: defect, match: []}
            teams:
              - {id: checkout, name: Checkout, jira_projects: [CHK, chk]}
              - {id: billing, name: Billing, jira_projects: [CHK]}
        """,
    ) == [
        "valuestream.yml: value_streams[0].flow.type_rules[0].type: expected one of feature, "
        'defect, risk, debt, got "story"',
        "valuestream.yml: value_streams[0].flow.type_rules[1].match: List should have at least "
        "1 item after validation, not 0",
        "valuestream.yml: value_streams[0].flow.status_states.Review: expected one of new, "
        'waiting, active, done, canceled, got "doing"',
        "valuestream.yml: value_streams[0].teams[0].jira_projects[1]: expected a Jira "
        'project key such as "CHK", got "chk"',
    ]


def test_a_jira_project_belongs_to_one_team(tmp_path):
    assert errors(
        tmp_path,
        """\
        value_streams:
          - id: payments
            name: Payments
            teams:
              - {id: checkout, name: Checkout, jira_projects: [CHK]}
          - id: storefront
            name: Storefront
            teams:
              - {id: catalog, name: Catalog, jira_projects: [CAT, CHK]}
        """,
    ) == [
        'valuestream.yml: value_streams[1].teams[0].jira_projects[1]: Jira project "CHK" is '
        "already listed at value_streams[0].teams[0].jira_projects[0]; a project belongs to "
        "one team"
    ]
