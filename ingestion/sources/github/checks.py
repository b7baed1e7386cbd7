"""The schema contract of the GitHub rows: a record whose row cannot be built (a field
missing, a timestamp that does not parse) or whose row breaks its table's column types (an
id as text) goes to the `quarantine` table with its position and the reason, and the rest
of the load goes on (`ingestion.quarantine`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ingestion.quarantine import QuarantineRow, quarantine_row

_TYPES: dict[str, tuple[type, ...]] = {
    "bigint": (int,),
    "text": (str,),
    "bool": (bool,),
}


def checked_row(
    build: Callable[[], dict[str, Any]],
    payload: Any,
    *,
    entity: str,
    position: str,
    columns: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any] | QuarantineRow:
    """`build()`'s row when it keeps the contract of `columns`, else a quarantine row."""
    try:
        row = build()
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return _quarantined(payload, entity, position, _reason(error))
    for column, value in row.items():
        hint = columns.get(column) or {}
        if value is None:
            if hint.get("nullable") is False:
                return _quarantined(payload, entity, position, f"{column}: missing")
            continue
        allowed = _TYPES.get(hint.get("data_type", ""))
        wrong_bool = allowed == (int,) and isinstance(value, bool)
        if allowed and (not isinstance(value, allowed) or wrong_bool):
            expected = {"bigint": "a whole number", "text": "text", "bool": "true or false"}
            return _quarantined(
                payload,
                entity,
                position,
                f"{column}: expected {expected[hint['data_type']]}, got {value!r}"[:200],
            )
    return row


def _reason(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return f"{error.args[0]}: missing"
    return str(error).splitlines()[0][:200] or type(error).__name__


def _record_id(payload: Any) -> str | None:
    """The record's id; when the id itself is what broke (missing, or of the wrong type), the
    last segment of its API `url`, which names it too (`.../commits/{sha}`)."""
    if not isinstance(payload, Mapping):
        return None
    for key, kind in (("id", int), ("number", int), ("sha", str), ("oid", str)):
        value = payload.get(key)
        if isinstance(value, kind) and not isinstance(value, bool):
            return str(value)
    url = payload.get("url")
    if isinstance(url, str) and url.strip("/"):
        return url.rstrip("/").rsplit("/", 1)[-1]
    for key in ("id", "number", "sha", "oid"):
        if payload.get(key) is not None:
            return str(payload[key])
    return None


def _quarantined(payload: Any, entity: str, position: str, reason: str) -> QuarantineRow:
    return quarantine_row(
        payload,
        source="github",
        entity=entity,
        position=position,
        reason=reason,
        record_id=_record_id(payload),
    )
