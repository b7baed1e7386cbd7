"""Quarantine: records that break a source's schema contract, kept aside instead of loaded.

A record with a missing id, an unparsable timestamp, a value of the wrong type or an unknown
enum value is not written to its entity table. It goes to the `quarantine` table of the
source's dataset, with where it was found and one sentence saying what is wrong, and the
rest of the load goes on::

    resource = with_quarantine_table(dlt.resource(read, name="files_deployments", ...))

    def read():
        checked = validate_records(records, Deployment, source="files", entity="deployments",
                                   position_of=lambda index, record: f"a.csv:{index + 2}")
        yield from route(row_of(item) if isinstance(item, Deployment) else item
                         for item in checked)

`route` sends quarantined rows to the `quarantine` table from the same resource
(`dlt.mark.with_table_name`); `with_quarantine_table` gives that table its own hints (its
columns and primary key), so it never inherits the entity table's.

The table is merged on (`source`, `entity`, `position`, `record_hash`): re-reading the
same bad record at the same place updates its row (and `quarantined_at`) rather than
adding a second one. It is created (empty) on the first run even when nothing is
quarantined, so models that read it never miss it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import dlt
from dlt.common.schema.utils import has_table_seen_data
from dlt.extract import DltResource
from pydantic import BaseModel, ValidationError

__all__ = [
    "QUARANTINE_COLUMNS",
    "QUARANTINE_PRIMARY_KEY",
    "QUARANTINE_TABLE",
    "BrokenRecord",
    "QuarantineRow",
    "describe_validation_error",
    "materialize_once",
    "quarantine_row",
    "route",
    "show",
    "validate_records",
    "with_quarantine_table",
]

QUARANTINE_TABLE = "quarantine"
QUARANTINE_PRIMARY_KEY = ("source", "entity", "position", "record_hash")
# Longer payloads are cut (the reason and position still say what and where).
MAX_PAYLOAD_CHARS = 10_000
DEFAULT_BATCH_SIZE = 5_000


def _column(data_type: str, nullable: bool = True) -> dict[str, Any]:
    # A fresh dict per column: dlt writes the column name into the hint it is given.
    return {"data_type": data_type, "nullable": nullable}


def _quarantine_columns() -> dict[str, Any]:
    return {
        "source": _column("text", nullable=False),
        "entity": _column("text", nullable=False),
        "record_id": _column("text"),
        "position": _column("text", nullable=False),
        "reason": _column("text", nullable=False),
        "raw_payload": _column("text", nullable=False),
        "record_hash": _column("text", nullable=False),
        "quarantined_at": _column("timestamp", nullable=False),
    }


QUARANTINE_COLUMNS: dict[str, Any] = _quarantine_columns()

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


@dataclass(frozen=True)
class QuarantineRow:
    """One record kept out of its entity table, and why."""

    source: str
    entity: str
    record_id: str | None
    position: str
    reason: str
    raw_payload: str
    record_hash: str
    quarantined_at: datetime = field(compare=False)

    def as_row(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "entity": self.entity,
            "record_id": self.record_id,
            "position": self.position,
            "reason": self.reason,
            "raw_payload": self.raw_payload,
            "record_hash": self.record_hash,
            "quarantined_at": self.quarantined_at,
        }


@dataclass(frozen=True)
class BrokenRecord:
    """A record a reader could not even parse (a line that is not JSON, a CSV line with
    too many values): passed through `validate_records` so it is quarantined like the rest."""

    reason: str
    raw: Any


def show(value: Any, limit: int = 60) -> str:
    """A value as a user wrote it, quoted and shortened, for error messages."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif value is None:
        return "nothing"
    else:
        text = _json(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json(value: Any) -> str:
    def default(item: Any) -> Any:
        if isinstance(item, datetime | date):
            return item.isoformat()
        return str(item)

    return json.dumps(value, ensure_ascii=False, sort_keys=False, default=default)


def quarantine_row(
    payload: Any,
    *,
    source: str,
    entity: str,
    position: str,
    reason: str,
    record_id: str | None = None,
    now: datetime | None = None,
) -> QuarantineRow:
    """A quarantine row for `payload` (any JSON-able value; text is kept as it was)."""
    raw = payload if isinstance(payload, str) else _json(payload)
    if len(raw) > MAX_PAYLOAD_CHARS:
        raw = raw[:MAX_PAYLOAD_CHARS]
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]
    return QuarantineRow(
        source=source,
        entity=entity,
        record_id=record_id,
        position=position,
        reason=reason,
        raw_payload=raw,
        record_hash=digest,
        quarantined_at=now or datetime.now(UTC),
    )


# Pydantic's own error types, said the way `valuestream.yml` errors are said.
_EXPECTED = {
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "list_type": "expected a list",
    "datetime_parsing": "expected a timestamp",
    "datetime_type": "expected a timestamp",
    "model_type": "expected a JSON object",
    "dict_type": "expected a JSON object",
}


def describe_validation_error(error: ValidationError) -> str:
    """The problems of one record as one sentence, each naming its field:
    `finished_at: expected a timestamp ..., got "yesterday"; status: expected one of ...`."""
    parts = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(part) for part in item["loc"])
        kind = item["type"]
        if kind == "missing":
            message = "expected a value, got nothing"
        elif kind in _EXPECTED:
            message = f"{_EXPECTED[kind]}, got {show(item.get('input'))}"
        else:
            message = str(item["msg"])
            # Pydantic prefixes errors raised in validators.
            message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        parts.append(f"{loc}: {message}" if loc else message)
    return "; ".join(parts)


def _record_id(payload: Any, id_field: str | None) -> str | None:
    if id_field is None or not isinstance(payload, Mapping):
        return None
    value = payload.get(id_field)
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None


def _itself(record: Any) -> Any:
    return record


def validate_records(
    records: Iterable[R],
    model: type[M],
    *,
    source: str,
    entity: str,
    position_of: Callable[[int, R], str],
    payload_of: Callable[[R], Any] = _itself,
    id_field: str | None = None,
    now: datetime | None = None,
) -> Iterator[M | QuarantineRow]:
    """Each record validated against `model`: the model instance when it holds, else a
    `QuarantineRow` naming the field and the problem. One result per record, in order;
    never raises for a bad record.

    Args:
        records: what a reader produced (mappings, or anything `payload_of` turns into one).
        model: the pydantic model of the entity's contract.
        source: the source's name (`files`, `github`, ...).
        entity: the entity (table) the records are meant for.
        position_of: where record number `index` (0-based) was found, e.g. `a.csv:12` or
            `page 3/17`.
        payload_of: the mapping to validate, from a record; a `BrokenRecord` is
            quarantined with its own reason.
        id_field: the field holding the record's id, copied to `record_id` when present.
        now: the `quarantined_at` of this batch (default: now).
    """
    stamp = now or datetime.now(UTC)
    for index, record in enumerate(records):
        payload = payload_of(record)
        if isinstance(payload, BrokenRecord):
            yield quarantine_row(
                payload.raw,
                source=source,
                entity=entity,
                position=position_of(index, record),
                reason=payload.reason,
                now=stamp,
            )
            continue
        if not isinstance(payload, Mapping):
            yield quarantine_row(
                payload,
                source=source,
                entity=entity,
                position=position_of(index, record),
                reason=f"expected a JSON object, got {show(payload)}",
                now=stamp,
            )
            continue
        try:
            yield model.model_validate(payload)
        except ValidationError as error:
            yield quarantine_row(
                dict(payload),
                source=source,
                entity=entity,
                position=position_of(index, record),
                reason=describe_validation_error(error),
                record_id=_record_id(payload, id_field),
                now=stamp,
            )


def with_quarantine_table(resource: DltResource) -> DltResource:
    """Give `resource` a `quarantine` table variant with its own columns and primary key.

    dlt builds a table variant from the resource's hints and merges the columns it is given
    into them, so the entity's columns are cleared first; otherwise the quarantine table
    would grow every entity column (and the entity's non-null id).
    """
    resource.apply_hints(table_name=QUARANTINE_TABLE, columns={}, create_table_variant=True)
    resource.apply_hints(
        table_name=QUARANTINE_TABLE,
        write_disposition="merge",
        primary_key=list(QUARANTINE_PRIMARY_KEY),
        columns=_quarantine_columns(),
        file_format="parquet",
        create_table_variant=True,
    )
    return resource


def route(
    items: Iterable[Mapping[str, Any] | QuarantineRow], batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[Any]:
    """Batches of good rows for the resource's own table, and batches of quarantined rows
    marked for the `quarantine` table (set up by `with_quarantine_table`)."""
    good: list[Mapping[str, Any]] = []
    bad: list[dict[str, Any]] = []
    quarantined = 0
    for item in items:
        if isinstance(item, QuarantineRow):
            bad.append(item.as_row())
            quarantined += 1
            if len(bad) >= batch_size:
                yield dlt.mark.with_table_name(bad, QUARANTINE_TABLE)
                bad = []
        else:
            good.append(item)
            if len(good) >= batch_size:
                yield good
                good = []
    if good:
        yield good
    if bad:
        yield dlt.mark.with_table_name(bad, QUARANTINE_TABLE)
    elif not quarantined:
        yield from materialize_once(QUARANTINE_TABLE)


def materialize_once(table_name: str) -> Iterator[Any]:
    """Items that make dlt create `table_name` (empty) when it has never received data, so
    that models reading it find it before its first row. Nothing once the table exists."""
    try:
        table = dlt.current.source_schema().tables.get(table_name)
    except Exception:  # noqa: BLE001 - outside an extraction there is no schema to ask
        return
    if table is None or not has_table_seen_data(table):
        yield dlt.mark.with_table_name(dlt.mark.materialize_table_schema(), table_name)
