"""The columns a drop-folder file may have, one pydantic model per entity.

These models are the contract the README's column tables describe (a test keeps the two
equal). A record that breaks them is quarantined with the field and the reason.

Values are read leniently where nothing can be lost: text around a value is trimmed, an
empty CSV cell or a JSON `null` is "not given", numbers are accepted as text (ids), and
enum values ignore case. Timestamps may carry any offset (`+08:00`, `+0800`, `Z`) or be
epoch milliseconds; they are stored in UTC. A timestamp without an offset is taken as UTC.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from ingestion.quarantine import show

# Epoch milliseconds below this (1973-03-03) are almost surely epoch seconds.
_SMALLEST_EPOCH_MS = 100_000_000_000
_EPOCH_PATTERN = re.compile(r"^\d+(\.\d+)?$")
TIMESTAMP_HINT = "an ISO 8601 timestamp such as 2026-11-02T09:30:00+08:00, or epoch milliseconds"


# --------------------------------------------------------------------------- value types


def parse_timestamp(value: Any) -> datetime:
    """An ISO 8601 text (any offset; none means UTC) or epoch milliseconds, as aware UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, bool):
        raise PydanticCustomError(
            "vsm_timestamp", "expected {hint}, got {got}", {"hint": TIMESTAMP_HINT, "got": "true"}
        )
    elif isinstance(value, int | float) or (
        isinstance(value, str) and _EPOCH_PATTERN.match(value.strip())
    ):
        millis = float(value)
        if millis < _SMALLEST_EPOCH_MS:
            raise PydanticCustomError(
                "vsm_timestamp",
                "expected epoch milliseconds, got {got} (epoch seconds? multiply by 1000)",
                {"got": show(value)},
            )
        try:
            parsed = datetime.fromtimestamp(millis / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise PydanticCustomError(
                "vsm_timestamp",
                "expected {hint}, got {got}",
                {"hint": TIMESTAMP_HINT, "got": show(value)},
            ) from None
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "vsm_timestamp",
                "expected {hint}, got {got}",
                {"hint": TIMESTAMP_HINT, "got": show(value)},
            ) from None
    else:
        raise PydanticCustomError(
            "vsm_timestamp",
            "expected {hint}, got {got}",
            {"hint": TIMESTAMP_HINT, "got": show(value)},
        )
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _text(value: Any) -> str:
    # Ids exported as numbers (`"deployment_id": 4711`) are still ids: keep them as text.
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise PydanticCustomError("vsm_text", "expected text, got {got}", {"got": show(value)})


def _labels(value: Any) -> str:
    """Labels as one text, `;`-separated: a JSON list, or a CSV cell `a;b` / `a, b`."""
    if isinstance(value, list):
        if not all(isinstance(item, str) for item in value):
            raise PydanticCustomError(
                "vsm_labels", "expected a list of labels (text), got {got}", {"got": show(value)}
            )
        items = value
    elif isinstance(value, str):
        items = re.split(r"[;,]", value)
    else:
        raise PydanticCustomError(
            "vsm_labels", "expected labels as text or a list, got {got}", {"got": show(value)}
        )
    return ";".join(label.strip() for label in items if label.strip())


@dataclass(frozen=True)
class Choices:
    """Marks a text column that accepts only these values (case-insensitive, aliases)."""

    values: tuple[str, ...]
    aliases: tuple[tuple[str, str], ...] = ()

    def __call__(self, value: Any) -> str:
        if isinstance(value, str):
            key = re.sub(r"[\s-]+", "_", value.strip().lower())
            key = dict(self.aliases).get(key, key)
            if key in self.values:
                return key
        raise PydanticCustomError(
            "vsm_choice",
            "expected one of {values}, got {got}",
            {"values": ", ".join(self.values), "got": show(value)},
        )


def one_of(*values: str, aliases: dict[str, str] | None = None) -> Any:
    choices = Choices(tuple(values), tuple((aliases or {}).items()))
    return Annotated[str, PlainValidator(choices), choices]


Text = Annotated[str, PlainValidator(_text)]
Timestamp = Annotated[datetime, PlainValidator(parse_timestamp)]
Labels = Annotated[str, PlainValidator(_labels)]
Flag = Annotated[
    bool, BeforeValidator(lambda value: value.strip() if isinstance(value, str) else value)
]

DeploymentStatus = one_of(
    "success",
    "failure",
    "error",
    "cancelled",
    "in_progress",
    "queued",
    aliases={"succeeded": "success", "failed": "failure", "canceled": "cancelled"},
)
StatusCategory = one_of(
    "to_do",
    "in_progress",
    "done",
    aliases={"todo": "to_do", "new": "to_do", "indeterminate": "in_progress"},
)
BookingStatus = one_of(
    "requested", "approved", "rejected", "cancelled", aliases={"canceled": "cancelled"}
)


# --------------------------------------------------------------------------- records


class FileRecord(BaseModel):
    """What every entity shares: empty cells and nulls mean "not given", unknown columns are
    ignored (the source logs them once per file)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {
                key: value
                for key, value in data.items()
                if value is not None and not (isinstance(value, str) and not value.strip())
            }
        return data


class Deployment(FileRecord):
    """One deployment (or attempt) of a service to an environment."""

    deployment_id: Text = Field(description="the tool's id of the deployment")
    service: Text = Field(description="the deployed service (a repository name by default)")
    environment: Text = Field(description="where it was deployed, e.g. production, staging")
    status: DeploymentStatus = Field(description="outcome")
    started_at: Timestamp | None = Field(None, description="when the deployment started")
    finished_at: Timestamp | None = Field(None, description="when it finished")
    sha: Text | None = Field(None, description="the deployed commit")
    repository: Text | None = Field(None, description="owner/name of the deployed repository")
    value_stream: Text | None = Field(None, description="value stream id of valuestream.yml")
    team: Text | None = Field(None, description="team id of valuestream.yml")
    url: Text | None = Field(None, description="link to the deployment in its tool")

    @model_validator(mode="after")
    def _finished_when_final(self) -> Deployment:
        if self.status in {"success", "failure", "error"} and self.finished_at is None:
            raise PydanticCustomError(
                "vsm_required_with",
                "finished_at: expected a timestamp when status is {status}, got nothing",
                {"status": self.status},
            )
        if self.started_at and self.finished_at and self.finished_at < self.started_at:
            raise PydanticCustomError(
                "vsm_order", "finished_at: expected a time after started_at, got an earlier one"
            )
        return self


class Incident(FileRecord):
    """One incident of a service."""

    incident_id: Text = Field(description="the tool's id of the incident")
    service: Text = Field(description="the affected service")
    title: Text | None = Field(None, description="title or summary")
    severity: Text | None = Field(None, description="the tool's severity, e.g. SEV1")
    priority: Text | None = Field(None, description="the tool's priority, e.g. P1")
    started_at: Timestamp = Field(description="when it started (was triggered)")
    acknowledged_at: Timestamp | None = Field(None, description="when someone acknowledged it")
    resolved_at: Timestamp | None = Field(None, description="when it was resolved")
    caused_by_deployment_id: Text | None = Field(
        None, description="deployment_id of the deployment that caused it, when known"
    )
    url: Text | None = Field(None, description="link to the incident in its tool")


class WorkItem(FileRecord):
    """One work item (ticket, issue, story)."""

    work_item_id: Text = Field(description="the tool's id or key of the item")
    title: Text | None = Field(None, description="title or summary")
    type: Text = Field(description="the tool's type, e.g. story, bug (mapped to flow types)")
    status: Text = Field(description="the tool's current status name")
    status_category: StatusCategory | None = Field(None, description="category of the status")
    team: Text | None = Field(None, description="team id of valuestream.yml")
    value_stream: Text | None = Field(None, description="value stream id of valuestream.yml")
    created_at: Timestamp = Field(description="when the item was created")
    started_at: Timestamp | None = Field(None, description="when work on it started")
    completed_at: Timestamp | None = Field(None, description="when it was completed")
    canceled: Flag | None = Field(None, description="true when it was dropped, not done")
    parent_id: Text | None = Field(None, description="work_item_id of its parent (epic)")
    labels: Labels | None = Field(None, description="labels")


class EnvironmentBooking(FileRecord):
    """One request to book a (test) environment for a period."""

    booking_id: Text = Field(description="the tool's id of the booking")
    environment: Text = Field(description="the booked environment")
    team: Text | None = Field(None, description="the team that booked it")
    release: Text | None = Field(None, description="the release it is booked for")
    requested_by: Text | None = Field(None, description="who asked for it")
    start_at: Timestamp = Field(description="start of the booked period")
    end_at: Timestamp = Field(description="end of the booked period")
    status: BookingStatus = Field(description="state of the request")

    @model_validator(mode="after")
    def _ends_after_start(self) -> EnvironmentBooking:
        if self.end_at < self.start_at:
            raise PydanticCustomError(
                "vsm_order", "end_at: expected a time after start_at, got an earlier one"
            )
        return self


# --------------------------------------------------------------------------- the entities


@dataclass(frozen=True)
class Entity:
    """One kind of drop-folder file: its table, model and id column."""

    name: str
    model: type[FileRecord]
    id_field: str


ENTITIES: tuple[Entity, ...] = (
    Entity("deployments", Deployment, "deployment_id"),
    Entity("incidents", Incident, "incident_id"),
    Entity("work_items", WorkItem, "work_item_id"),
    Entity("environment_bookings", EnvironmentBooking, "booking_id"),
)


def _parts(annotation: Any) -> list[Any]:
    """The annotation and everything nested in it (unions, `Annotated` metadata)."""
    found = [annotation]
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *metadata = typing.get_args(annotation)
        found += _parts(base) + list(metadata)
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found += _parts(arg)
    return found


def column_type(info: FieldInfo) -> str:
    """The type of a column as the README names it: text, timestamp, boolean or one of."""
    parts = _parts(info.annotation) + list(info.metadata)
    if any(isinstance(part, Choices) for part in parts):
        return "one of"
    if datetime in parts:
        return "timestamp"
    if bool in parts:
        return "boolean"
    return "text"


def choices(info: FieldInfo) -> tuple[str, ...]:
    """The accepted values of a `one of` column."""
    for part in _parts(info.annotation) + list(info.metadata):
        if isinstance(part, Choices):
            return part.values
    return ()


_DLT_TYPES = {"text": "text", "one of": "text", "timestamp": "timestamp", "boolean": "bool"}


def dlt_columns(entity: Entity) -> dict[str, Any]:
    """The entity table's column hints: the model's fields, then the lineage columns."""
    columns: dict[str, Any] = {
        name: {"data_type": _DLT_TYPES[column_type(info)], "nullable": not info.is_required()}
        for name, info in entity.model.model_fields.items()
    }
    columns["source_file"] = {"data_type": "text", "nullable": False}
    columns["source_line"] = {"data_type": "bigint", "nullable": False}
    return columns
