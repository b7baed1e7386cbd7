"""Reading drop-folder files: which files belong to an entity, their fingerprint, and their
records (CSV or JSON Lines) with the line each starts on."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingestion.quarantine import BrokenRecord, show

from . import settings
from .schemas import ENTITIES, Entity


class FilesSourceError(Exception):
    """The files source cannot go on; the message is one line a user can act on."""


class MalformedFileError(Exception):
    """A file that is not the CSV or JSON Lines its name says; the other files still load."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"files source: {path}: {problem}")


@dataclass
class ParsedFile:
    """The records of one file, each with the line it starts on (1-based)."""

    records: list[tuple[int, dict[str, Any] | BrokenRecord | Any]] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)


def entity_files(folder: Path, entity: Entity) -> list[Path]:
    """The files of `entity` in `folder`, by name: `<entity>*.csv|jsonl|ndjson`."""
    return sorted(
        (path for path in folder.iterdir() if _entity_of(path.name) == entity.name),
        key=lambda path: path.name,
    )


def unmatched_files(folder: Path, entities: Iterable[Entity]) -> list[Path]:
    """Files the source will not read (no entity prefix or another format), hidden ones aside."""
    names = {entity.name for entity in entities}
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and not path.name.startswith(".") and _entity_of(path.name) not in names
    )


def _entity_of(name: str) -> str | None:
    lowered = name.lower()
    if name.startswith(".") or not lowered.endswith(
        settings.CSV_SUFFIXES + settings.JSONL_SUFFIXES
    ):
        return None
    # Longest first, so that no entity's name hides another that starts with it.
    for entity in sorted(ENTITIES, key=lambda entity: len(entity.name), reverse=True):
        if lowered.startswith(entity.name):
            return entity.name
    return None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_file(path: Path, data: bytes, entity: Entity) -> ParsedFile:
    """The records of one file. Raises `MalformedFileError` when the file as a whole cannot
    be read as its format (not text, no usable header, no JSON object on any line)."""
    text = _decode(path, data)
    if path.name.lower().endswith(settings.CSV_SUFFIXES):
        return _parse_csv(path, text, entity)
    return _parse_jsonl(path, text, entity)


def _decode(path: Path, data: bytes) -> str:
    try:
        text = data.decode(settings.ENCODING)
    except UnicodeDecodeError as error:
        raise MalformedFileError(
            path, f"not UTF-8 text (byte {error.start} is {data[error.start]:#04x})"
        ) from None
    if "\x00" in text:
        raise MalformedFileError(path, "binary content (NUL bytes), not a text file")
    return text


def _plural(items: list[str], word: str) -> str:
    return word if len(items) == 1 else f"{word}s"


def _column_name(name: str) -> str:
    return "_".join(name.strip().lower().split())


def _expected_columns(entity: Entity) -> str:
    return ", ".join(entity.model.model_fields)


def _parse_csv(path: Path, text: str, entity: Entity) -> ParsedFile:
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        return ParsedFile()
    delimiter = max(settings.CSV_DELIMITERS, key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    parsed = ParsedFile()
    header: list[str] | None = None
    last_line = 0
    try:
        for row in reader:
            start, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _csv_header(path, row, entity, start)
                parsed.unknown_columns = [
                    name for name in header if name not in entity.model.model_fields
                ]
                continue
            if len(row) > len(header):
                parsed.records.append(
                    (
                        start,
                        BrokenRecord(
                            f"line has {len(row)} values but the header has {len(header)} "
                            "columns (a delimiter inside a value that is not quoted?)",
                            row,
                        ),
                    )
                )
                continue
            parsed.records.append((start, dict(zip(header, row, strict=False))))
    except csv.Error as error:
        raise MalformedFileError(
            path, f"not valid CSV at line {reader.line_num}: {error}"
        ) from None
    return parsed


def _csv_header(path: Path, row: list[str], entity: Entity, line: int) -> list[str]:
    header = [_column_name(cell) for cell in row]
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        raise MalformedFileError(
            path, f"the header (line {line}) names {', '.join(duplicates)} more than once"
        )
    required = [name for name, info in entity.model.model_fields.items() if info.is_required()]
    missing = [name for name in required if name not in header]
    if missing:
        raise MalformedFileError(
            path,
            f"the header (line {line}) lacks the required "
            f"{_plural(missing, 'column')} {', '.join(missing)}; the {entity.name} columns are: "
            f"{_expected_columns(entity)}",
        )
    return header


def _parse_jsonl(path: Path, text: str, entity: Entity) -> ParsedFile:
    parsed = ParsedFile()
    unknown: dict[str, None] = {}
    first_problem: str | None = None
    objects = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            reason = f"line is not valid JSON ({error.msg} at column {error.colno})"
            first_problem = first_problem or f"line {number}: {error.msg}"
            parsed.records.append((number, BrokenRecord(reason, line)))
            continue
        if isinstance(value, dict):
            objects += 1
            value = {_column_name(str(key)): item for key, item in value.items()}
            for key in value:
                if key not in entity.model.model_fields:
                    unknown.setdefault(key)
        else:
            first_problem = first_problem or f"line {number} is {show(value, 30)}"
        parsed.records.append((number, value))
    if parsed.records and objects == 0:
        raise MalformedFileError(
            path, f"not JSON Lines: no line holds a JSON object ({first_problem})"
        )
    parsed.unknown_columns = list(unknown)
    return parsed
