"""The `valuestream.yml` model: value streams, teams, repositories and sources.

`load_config(path)` reads and validates the file. Every problem it finds is reported as one
line naming the file, the key path and what was expected, for example::

    valuestream.yml: value_streams[1].repositories[0]: expected "owner/name", got "foo"

All problems are collected and raised together as a `ConfigError`, so a user fixes the file
in one pass rather than one error per run.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
import zoneinfo
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

DEFAULT_TIMEZONE = "UTC"
DEFAULT_PRODUCTION_PATTERN = "^prod(uction)?$"
DEFAULT_ATTRIBUTION_WINDOW_HOURS = 24
DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_PAGERDUTY_API_URL = "https://api.pagerduty.com"
DEFAULT_INCIDENT_LABEL = "incident"
# A shipped pull request carrying one of these labels (ignoring case), or whose branch
# starts with one of these prefixes (ignoring case), makes its deployment a hotfix.
DEFAULT_HOTFIX_LABELS = ("hotfix",)
DEFAULT_HOTFIX_BRANCH_PREFIXES = ("hotfix/",)
# Flow item types (metrics.md section 3): ordered rules, the first whose words appear in the
# issue's type or one of its labels (ignoring case, '-' and '_' read as spaces) wins.
FLOW_ITEM_TYPES = ("feature", "defect", "risk", "debt")
FLOW_STATES = ("new", "waiting", "active", "done", "canceled")
DEFAULT_FLOW_TYPE_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("feature", ("story", "feature", "requirement", "improvement")),
    ("defect", ("bug", "defect", "problem")),
    ("risk", ("security", "vulnerability", "compliance")),
    ("debt", ("tech debt", "chore", "refactor")),
)

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# GitHub owners: letters, digits, single hyphens; repository names: letters, digits, . _ -
_REPO_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$")


class ConfigError(Exception):
    """`valuestream.yml` could not be used; `.errors` holds one line per problem."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


# --------------------------------------------------------------------------- field types


def _check_id(value: str) -> str:
    if not _ID_PATTERN.match(value):
        raise PydanticCustomError(
            "vsm_id",
            "expected an id of lowercase letters, digits, '-' or '_', got {got}",
            {"got": _show(value)},
        )
    return value


def _check_repo(value: str) -> str:
    if not _REPO_PATTERN.match(value):
        raise PydanticCustomError(
            "vsm_repo", 'expected "owner/name", got {got}', {"got": _show(value)}
        )
    return value


def _check_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(value, _timezones(), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise PydanticCustomError(
            "vsm_timezone",
            'expected an IANA timezone such as "Europe/Berlin", got {got}{hint}',
            {"got": _show(value), "hint": hint},
        ) from None
    return value


def _check_pattern(value: str) -> str:
    try:
        re.compile(value, re.IGNORECASE)
    except re.error as error:
        raise PydanticCustomError(
            "vsm_regex",
            "expected a regular expression, got {got} ({reason})",
            {"got": _show(value), "reason": str(error)},
        ) from None
    return value


def _check_project_key(value: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,19}", value):
        raise PydanticCustomError(
            "vsm_project_key",
            'expected a Jira project key such as "CHK", got {got}',
            {"got": _show(value)},
        )
    return value


def _check_url(value: str, example: str = DEFAULT_GITHUB_API_URL) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise PydanticCustomError(
            "vsm_url",
            'expected an http(s) URL such as "{example}", got {got}',
            {"got": _show(value), "example": example},
        )
    return value.rstrip("/")


@cache
def _timezones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def _check_marker(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError(
            "vsm_marker",
            "expected a non-empty label or branch prefix, got {got}",
            {"got": _show(value)},
        )
    return value


# A hotfix label or branch prefix: a non-empty string.
HotfixMarker = Annotated[str, AfterValidator(_check_marker)]


def _check_choice(value: str, choices: tuple[str, ...], code: str) -> str:
    if value not in choices:
        raise PydanticCustomError(
            code,
            "expected one of {choices}, got {got}",
            {"choices": ", ".join(choices), "got": _show(value)},
        )
    return value


def _check_flow_item_type(value: str) -> str:
    return _check_choice(value, FLOW_ITEM_TYPES, "vsm_flow_item_type")


def _check_flow_state(value: str) -> str:
    return _check_choice(value, FLOW_STATES, "vsm_flow_state")


def _check_status_name(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError(
            "vsm_status_name", "expected a status name, got {got}", {"got": _show(value)}
        )
    return value


def _repository_entry(value: Any) -> Any:
    # The short form `- acme/payments-api` is checked here so that its error points at the
    # list item itself rather than at a `repo` key the user never wrote.
    if isinstance(value, str):
        return {"repo": _check_repo(value)}
    return value


# --------------------------------------------------------------------------- the model


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FlowTypeRule(_Section):
    """One ordered flow-type rule: `type` when one of `match` appears in the issue's type or
    one of its labels (ignoring case; '-' and '_' in labels read as spaces)."""

    type: Annotated[str, AfterValidator(_check_flow_item_type)]
    match: list[HotfixMarker] = Field(min_length=1)


def _default_type_rules() -> list[FlowTypeRule]:
    return [FlowTypeRule(type=kind, match=list(words)) for kind, words in DEFAULT_FLOW_TYPE_RULES]


class FlowSettings(_Section):
    """How issues become flow items and statuses flow states (metrics.md section 3).

    `type_rules` replaces the ordered rules as a whole (None inherits them);
    `status_states` maps a status name (as Jira names it now, ignoring case) to a flow state
    and wins over the defaults from the status category; a value stream's entries are added
    to those of `defaults.flow`. `stages` lists the work map's stages (status names as Jira
    names them now, ignoring case) from left to right (metrics.md section 4); a value
    stream's list replaces the defaults' (None inherits it); statuses it does not name
    follow, in the order items first reach them, which is also the order without a list.
    """

    type_rules: list[FlowTypeRule] | None = None
    status_states: dict[
        Annotated[str, AfterValidator(_check_status_name)],
        Annotated[str, AfterValidator(_check_flow_state)],
    ] = {}
    stages: list[Annotated[str, AfterValidator(_check_status_name)]] | None = None


class Defaults(_Section):
    """Settings every value stream inherits unless it sets its own."""

    timezone: str = DEFAULT_TIMEZONE
    production_pattern: str = DEFAULT_PRODUCTION_PATTERN
    attribution_window_hours: int = Field(DEFAULT_ATTRIBUTION_WINDOW_HOURS, gt=0)
    hotfix_labels: list[HotfixMarker] = list(DEFAULT_HOTFIX_LABELS)
    hotfix_branch_prefixes: list[HotfixMarker] = list(DEFAULT_HOTFIX_BRANCH_PREFIXES)
    # type_rules None: the rules of metrics.md section 3 (DEFAULT_FLOW_TYPE_RULES)
    flow: FlowSettings = FlowSettings()

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        return _check_timezone(value)

    @field_validator("production_pattern")
    @classmethod
    def _valid_pattern(cls, value: str) -> str:
        return _check_pattern(value)


class GitHubSource(_Section):
    enabled: bool = True
    api_url: str = DEFAULT_GITHUB_API_URL
    # Issues carrying this label (case-insensitive) are incidents.
    incident_label: str = DEFAULT_INCIDENT_LABEL
    # Repository "owner/name" -> regular expression of its deploy workflow's name (matched
    # case-insensitively); those runs load as `workflow_runs`.
    deploy_workflows: dict[
        Annotated[str, AfterValidator(_check_repo)],
        Annotated[str, AfterValidator(_check_pattern)],
    ] = {}

    @field_validator("incident_label")
    @classmethod
    def _valid_label(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError(
                "vsm_label", "expected a label name, got {got}", {"got": _show(value)}
            )
        return value

    @field_validator("api_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        return _check_url(value)


class FilesSource(_Section):
    """A drop folder of CSV/JSONL files for tools without a connector."""

    enabled: bool = False
    # Default: $VSM_HOME/drop. Relative paths are read from the working folder.
    folder: str | None = None


class JiraSource(_Section):
    """Jira Cloud, or Server/Data Center by its base URL."""

    enabled: bool = False
    # https://your-domain.atlassian.net; SOURCES__JIRA__BASE_URL overrides.
    base_url: str | None = None
    # Project keys whose issues are work items, e.g. [CHK, BIL].
    projects: list[Annotated[str, AfterValidator(_check_project_key)]] = []

    @field_validator("base_url")
    @classmethod
    def _valid_url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value, "https://your-domain.atlassian.net")


class PagerDutySource(_Section):
    enabled: bool = False
    # SOURCES__PAGERDUTY__API_URL overrides.
    api_url: str = DEFAULT_PAGERDUTY_API_URL
    # Services to read; every service the token can see when empty.
    service_ids: list[str] = []

    @field_validator("api_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        return _check_url(value, DEFAULT_PAGERDUTY_API_URL)


class Sources(_Section):
    github: GitHubSource = GitHubSource()
    jira: JiraSource = JiraSource()
    pagerduty: PagerDutySource = PagerDutySource()
    files: FilesSource = FilesSource()

    def enabled(self) -> list[str]:
        """Names of the enabled sources, in a stable order."""
        return [name for name in type(self).model_fields if getattr(self, name).enabled]


class Team(_Section):
    id: str
    name: str
    # Jira projects whose issues are this team's work items.
    jira_projects: list[Annotated[str, AfterValidator(_check_project_key)]] = []

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        return _check_id(value)


class RepositoryEntry(_Section):
    repo: str
    team: str | None = None
    service: str | None = None

    @field_validator("repo")
    @classmethod
    def _valid_repo(cls, value: str) -> str:
        return _check_repo(value)


class ValueStream(_Section):
    id: str
    name: str
    timezone: str | None = None
    production_pattern: str | None = None
    attribution_window_hours: int | None = Field(None, gt=0)
    # None inherits the defaults; an empty list turns that kind of marker off.
    hotfix_labels: list[HotfixMarker] | None = None
    hotfix_branch_prefixes: list[HotfixMarker] | None = None
    flow: FlowSettings = FlowSettings()
    teams: list[Team] = []
    repositories: list[Annotated[RepositoryEntry, BeforeValidator(_repository_entry)]] = []

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        return _check_id(value)

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)

    @field_validator("production_pattern")
    @classmethod
    def _valid_pattern(cls, value: str | None) -> str | None:
        return None if value is None else _check_pattern(value)


class ResolvedValueStream(BaseModel):
    """A value stream with the defaults filled in."""

    model_config = ConfigDict(frozen=True)

    value_stream_id: str
    name: str
    timezone: str
    production_pattern: str
    attribution_window_hours: int
    hotfix_labels: tuple[str, ...]
    hotfix_branch_prefixes: tuple[str, ...]


class ResolvedTeam(BaseModel):
    model_config = ConfigDict(frozen=True)

    team_id: str
    name: str
    value_stream_id: str


class ResolvedFlowTypeRule(BaseModel):
    """One word of one ordered flow-type rule of a value stream."""

    model_config = ConfigDict(frozen=True)

    value_stream_id: str
    rule_order: int
    flow_item_type: str
    match_text: str


class ResolvedFlowStatusState(BaseModel):
    model_config = ConfigDict(frozen=True)

    value_stream_id: str
    status_name: str
    flow_state: str


class ResolvedFlowStage(BaseModel):
    """One configured work-map stage of a value stream; stage_position counts from 1."""

    model_config = ConfigDict(frozen=True)

    value_stream_id: str
    stage_position: int
    status_name: str


class ResolvedJiraProject(BaseModel):
    model_config = ConfigDict(frozen=True)

    project_key: str
    team_id: str
    value_stream_id: str


class ResolvedRepository(BaseModel):
    """One repository with everything a source or a model needs to know about it."""

    model_config = ConfigDict(frozen=True)

    repo: str
    owner: str
    name: str
    value_stream_id: str
    team_id: str | None
    service: str
    production_pattern: str
    timezone: str
    attribution_window_hours: int

    def is_production_environment(self, environment: str | None) -> bool:
        """True when `environment` matches this repository's production pattern."""
        return bool(environment) and bool(
            re.search(self.production_pattern, environment or "", re.IGNORECASE)
        )


class VsmConfig(_Section):
    """The whole of `valuestream.yml`."""

    organisation: str | None = None
    defaults: Defaults = Defaults()
    sources: Sources = Sources()
    value_streams: list[ValueStream] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_references(self) -> VsmConfig:
        problems = list(_reference_problems(self))
        if problems:
            raise PydanticCustomError(
                "vsm_references",
                "{lines}",
                {"lines": "\n".join(f"{p}: {m}" for p, m in problems), "problems": problems},
            )
        return self

    def value_stream_settings(self) -> list[ResolvedValueStream]:
        """Value streams with the defaults applied."""
        return [
            ResolvedValueStream(
                value_stream_id=vs.id,
                name=vs.name,
                timezone=vs.timezone or self.defaults.timezone,
                production_pattern=vs.production_pattern or self.defaults.production_pattern,
                attribution_window_hours=(
                    vs.attribution_window_hours or self.defaults.attribution_window_hours
                ),
                hotfix_labels=tuple(
                    self.defaults.hotfix_labels if vs.hotfix_labels is None else vs.hotfix_labels
                ),
                hotfix_branch_prefixes=tuple(
                    self.defaults.hotfix_branch_prefixes
                    if vs.hotfix_branch_prefixes is None
                    else vs.hotfix_branch_prefixes
                ),
            )
            for vs in self.value_streams
        ]

    def teams(self) -> list[ResolvedTeam]:
        return [
            ResolvedTeam(team_id=team.id, name=team.name, value_stream_id=vs.id)
            for vs in self.value_streams
            for team in vs.teams
        ]

    def flow_type_rules(self) -> list[ResolvedFlowTypeRule]:
        """Each value stream's ordered flow-type rules (its own, else the defaults'), one row
        per word; rule_order counts from 1."""
        rows = []
        for vs in self.value_streams:
            rules = vs.flow.type_rules
            if rules is None:
                rules = self.defaults.flow.type_rules
            if rules is None:
                rules = _default_type_rules()
            for order, rule in enumerate(rules, start=1):
                rows.extend(
                    ResolvedFlowTypeRule(
                        value_stream_id=vs.id,
                        rule_order=order,
                        flow_item_type=rule.type,
                        match_text=word.lower().replace("-", " ").replace("_", " "),
                    )
                    for word in dict.fromkeys(rule.match)
                )
        return rows

    def flow_status_states(self) -> list[ResolvedFlowStatusState]:
        """Each value stream's status-name overrides (the defaults', then its own)."""
        rows = []
        for vs in self.value_streams:
            merged: dict[str, str] = {}
            for name, state in [*self.defaults.flow.status_states.items(),
                                *vs.flow.status_states.items()]:  # fmt: skip
                merged[name.strip().lower()] = state
            rows.extend(
                ResolvedFlowStatusState(value_stream_id=vs.id, status_name=name, flow_state=state)
                for name, state in merged.items()
            )
        return rows

    def flow_stages(self) -> list[ResolvedFlowStage]:
        """Each value stream's configured work-map stages in order (its own list, else the
        defaults'), status names lowercase, each once."""
        rows = []
        for vs in self.value_streams:
            stages = vs.flow.stages if vs.flow.stages is not None else self.defaults.flow.stages
            names = dict.fromkeys(name.strip().lower() for name in stages or [])
            rows.extend(
                ResolvedFlowStage(value_stream_id=vs.id, stage_position=n, status_name=name)
                for n, name in enumerate(names, start=1)
            )
        return rows

    def jira_projects(self) -> list[ResolvedJiraProject]:
        """The Jira projects of each team."""
        return [
            ResolvedJiraProject(project_key=key, team_id=team.id, value_stream_id=vs.id)
            for vs in self.value_streams
            for team in vs.teams
            for key in team.jira_projects
        ]

    def repositories(self) -> list[ResolvedRepository]:
        """Every configured repository, resolved against its value stream and the defaults."""
        resolved = []
        for vs, settings in zip(self.value_streams, self.value_stream_settings(), strict=True):
            for entry in vs.repositories:
                owner, name = entry.repo.split("/", 1)
                team = entry.team or (vs.teams[0].id if len(vs.teams) == 1 else None)
                resolved.append(
                    ResolvedRepository(
                        repo=entry.repo,
                        owner=owner,
                        name=name,
                        value_stream_id=vs.id,
                        team_id=team,
                        service=entry.service or name,
                        production_pattern=settings.production_pattern,
                        timezone=settings.timezone,
                        attribution_window_hours=settings.attribution_window_hours,
                    )
                )
        return resolved

    def summary(self, file_name: str = "valuestream.yml") -> str:
        """One line describing what the file configures."""
        sources = ", ".join(self.sources.enabled()) or "none"
        return (
            f"{file_name}: {_plural(len(self.value_streams), 'value stream')}, "
            f"{_plural(len(self.teams()), 'team')}, "
            f"{_plural(len(self.repositories()), 'repository', 'repositories')}, "
            f"sources: {sources}"
        )


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _reference_problems(config: VsmConfig) -> Iterator[tuple[str, str]]:
    """Cross-references pydantic cannot see field by field: ids, teams, repositories."""
    stream_ids: dict[str, int] = {}
    team_ids: dict[str, str] = {}
    repositories: dict[str, str] = {}
    projects: dict[str, str] = {}
    for i, vs in enumerate(config.value_streams):
        where = f"value_streams[{i}]"
        if vs.id in stream_ids:
            yield (
                f"{where}.id",
                f'duplicate value stream id "{vs.id}" '
                f"(already used by value_streams[{stream_ids[vs.id]}])",
            )
        else:
            stream_ids[vs.id] = i
        own_teams = [team.id for team in vs.teams]
        for j, team in enumerate(vs.teams):
            if team.id in team_ids:
                yield (
                    f"{where}.teams[{j}].id",
                    f'duplicate team id "{team.id}" (already used at {team_ids[team.id]})',
                )
            else:
                team_ids[team.id] = f"{where}.teams[{j}]"
            for p, key in enumerate(team.jira_projects):
                if key in projects:
                    yield (
                        f"{where}.teams[{j}].jira_projects[{p}]",
                        f'Jira project "{key}" is already listed at {projects[key]}; '
                        "a project belongs to one team",
                    )
                else:
                    projects[key] = f"{where}.teams[{j}].jira_projects[{p}]"
        for k, entry in enumerate(vs.repositories):
            key = entry.repo.lower()
            if key in repositories:
                yield (
                    f"{where}.repositories[{k}]",
                    f'repository "{entry.repo}" is already listed at {repositories[key]}; '
                    "a repository belongs to one value stream",
                )
            else:
                repositories[key] = f"{where}.repositories[{k}]"
            choices = ", ".join(own_teams) or "none defined"
            if entry.team is not None and entry.team not in own_teams:
                yield (
                    f"{where}.repositories[{k}].team",
                    f'expected a team of value stream "{vs.id}" ({choices}), '
                    f"got {_show(entry.team)}",
                )
            elif entry.team is None and len(own_teams) > 1:
                yield (
                    f"{where}.repositories[{k}].team",
                    f'expected a team (value stream "{vs.id}" has several: {choices}), got nothing',
                )


# --------------------------------------------------------------------------- loading


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key written twice in one mapping (YAML keeps the last)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f'duplicate key "{key}" (first written on line {seen[key] + 1})',
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def load_config(path: str | Path) -> VsmConfig:
    """Read and validate `valuestream.yml`; raise `ConfigError` listing every problem."""
    path = Path(path)
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{label}: file not found"]) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as error:
        raise ConfigError([f"{label}: cannot read the file ({error})"]) from None

    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = error.problem or str(error)
        if error.context and not problem.startswith("duplicate key"):
            problem = f"{error.context}: {problem}"
        raise ConfigError([f"{label}: {where}invalid YAML: {problem}"]) from None
    except yaml.YAMLError as error:
        raise ConfigError([f"{label}: invalid YAML: {error}"]) from None

    if data is None:
        raise ConfigError([f"{label}: the file is empty (expected at least value_streams)"])
    if not isinstance(data, dict):
        raise ConfigError(
            [f"{label}: expected a mapping of keys at the top level, got {_show(data)}"]
        )

    try:
        return VsmConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_translate(label, error)) from None


# --------------------------------------------------------------------------- error text


_EXPECTED = {
    "string_type": "expected a string",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of keys",
    "model_type": "expected a mapping of keys",
    "model_attributes_type": "expected a mapping of keys",
}


def _translate(label: str, error: ValidationError) -> list[str]:
    lines: list[str] = []
    for item in error.errors(include_url=False):
        kind, loc, ctx = item["type"], tuple(item["loc"]), item.get("ctx") or {}
        if kind == "vsm_references":
            lines.extend(f"{label}: {p}: {m}" for p, m in ctx["problems"])
            continue
        if kind == "extra_forbidden":
            key, parent = loc[-1], loc[:-1]
            allowed = _allowed_keys(parent)
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = (
                f'did you mean "{close[0]}"?' if close else f"expected one of: {', '.join(allowed)}"
            )
            lines.append(f"{label}: {_path(parent)}unknown key {_show(key)} ({hint})")
            continue
        if kind == "missing":
            lines.append(f"{label}: {_path(loc[:-1])}missing required key {_show(loc[-1])}")
            continue
        if kind in _EXPECTED:
            message = f"{_EXPECTED[kind]}, got {_show(item['input'])}"
        elif kind == "greater_than":
            message = f"expected a number greater than {ctx['gt']}, got {_show(item['input'])}"
        elif kind == "too_short" and loc and loc[-1] == "value_streams":
            message = "expected at least one value stream"
        else:
            message = item["msg"]
        lines.append(f"{label}: {_path(loc)}{message}")
    return lines


def _path(loc: tuple[Any, ...]) -> str:
    """`('value_streams', 1, 'repositories', 0)` -> `value_streams[1].repositories[0]: `."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("function-before[_repository_entry(), RepositoryEntry]", "[key]"):
            continue  # pydantic's names for a validator and for a mapping's key
        else:
            text += f".{part}" if text else str(part)
    return f"{text}: " if text else ""


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys of the model found at `loc` (walking field annotations from VsmConfig)."""
    current: Any = VsmConfig
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if args else Any
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            current = field.annotation if field else Any
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and `X | None` down to the model or list type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = options[0] if len(options) == 1 else annotation
            if len(options) != 1:
                return annotation
        else:
            return annotation


def _show(value: Any) -> str:
    """A value as the user would recognise it from the YAML file, shortened."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + '..."'
