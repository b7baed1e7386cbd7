"""Files: a drop folder of CSV or JSON Lines files, for tools without a connector.

One entity per file, by the start of its name: `deployments*`, `incidents*`, `work_items*`,
`environment_bookings*` (`.csv`, `.jsonl` or `.ndjson`). Each entity is a resource
`files_<entity>` merged on its id into table `<entity>` of schema `raw_files`; the columns
each accepts are the models of `schemas.py` (and the tables of the README).

- A file already loaded and unchanged (same size and modification time, or else the same
  SHA-256) is not read again; a changed file is read whole and merged by id.
- A record that breaks its entity's contract goes to table `quarantine` with `file:line`
  and the reason; every other record of the file loads.
- A file that is not CSV / JSON Lines at all is reported in one error line naming it (and
  quarantined as a whole); the other files still load.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import dlt
from dlt.extract import DltResource

from ingestion.quarantine import (
    QuarantineRow,
    materialize_once,
    quarantine_row,
    route,
    validate_records,
    with_quarantine_table,
)

from . import settings
from .helpers import (
    FilesSourceError,
    MalformedFileError,
    entity_files,
    parse_file,
    sha256,
    unmatched_files,
)
from .schemas import ENTITIES, Entity, dlt_columns

__all__ = ["ENTITIES", "FilesSourceError", "drop_folder", "files_source"]

logger = logging.getLogger(__name__)


def drop_folder(folder: str | os.PathLike[str] | None = None) -> Path:
    """The drop folder: `folder` when given, else `$VSM_HOME/drop` (default `.vsm/drop`)."""
    if folder:
        return Path(folder).expanduser()
    from ingestion.pipelines import vsm_home

    return vsm_home() / settings.DEFAULT_FOLDER_NAME


@dlt.source(name=settings.SOURCE_NAME, max_table_nesting=0)
def files_source(folder: str | None = None) -> Sequence[DltResource]:
    """The entities of the drop folder `folder`.

    Args:
        folder: the drop folder (`SOURCES__FILES__FOLDER`, or `folder` of `sources.files` in
            `valuestream.yml`); default `$VSM_HOME/drop`.
    """
    path = drop_folder(folder)
    return tuple(_entity_resource(entity, path) for entity in ENTITIES)


def _entity_resource(entity: Entity, folder: Path) -> DltResource:
    def read() -> Iterator[Any]:
        if not folder.is_dir():
            raise FilesSourceError(
                f"files source: drop folder {folder} does not exist; create it or set "
                f"{settings.FOLDER_SETTING} (or sources.files.folder in valuestream.yml)"
            )
        if entity is ENTITIES[0]:
            _warn_unmatched(folder)
        state: dict[str, Any] = dlt.current.resource_state().setdefault("files", {})
        rows: dict[str, dict[str, Any]] = {}
        quarantined: list[QuarantineRow] = []
        paths = entity_files(folder, entity)
        for path in paths:
            _read_if_changed(entity, path, state, rows, quarantined)
        # Forget removed files: one put back is read again (and merged, so nothing doubles).
        for name in set(state) - {path.name for path in paths}:
            del state[name]
        if not rows:
            yield from materialize_once(entity.name)
        yield from route([*rows.values(), *quarantined], batch_size=settings.BATCH_SIZE)

    resource = dlt.resource(
        read,
        name=f"files_{entity.name}",
        table_name=entity.name,
        write_disposition="merge",
        primary_key=entity.id_field,
        columns=dlt_columns(entity),
        file_format="parquet",
    )
    return with_quarantine_table(resource)


def _read_if_changed(
    entity: Entity,
    path: Path,
    state: dict[str, Any],
    rows: dict[str, dict[str, Any]],
    quarantined: list[QuarantineRow],
) -> None:
    """Read `path` unless the state says it is unchanged; its good rows go into `rows` (by
    id: a later file or line replaces an earlier one) and its bad ones into `quarantined`."""
    stat = path.stat()
    known = state.get(path.name)
    if known and (known["size"], known["mtime_ns"]) == (stat.st_size, stat.st_mtime_ns):
        _skip(path, known)
        return
    data = path.read_bytes()
    digest = sha256(data)
    if known and known["sha256"] == digest:
        known["mtime_ns"] = stat.st_mtime_ns
        _skip(path, known)
        return
    seen = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
    try:
        parsed = parse_file(path, data, entity)
    except MalformedFileError as error:
        logger.error("%s", error)
        quarantined.append(
            quarantine_row(
                {"file": path.name, "start": data[:200].decode("utf-8", "replace")},
                source=settings.SOURCE_NAME,
                entity=entity.name,
                position=path.name,
                reason=error.problem,
            )
        )
        state[path.name] = {**seen, "error": str(error)}
        return
    if parsed.unknown_columns:
        logger.warning(
            "files: %s: ignored unknown columns %s (the %s columns are: %s)",
            path.name,
            ", ".join(parsed.unknown_columns),
            entity.name,
            ", ".join(entity.model.model_fields),
        )
    good = bad = 0
    checked = validate_records(
        parsed.records,
        entity.model,
        source=settings.SOURCE_NAME,
        entity=entity.name,
        position_of=lambda _, record: f"{path.name}:{record[0]}",
        payload_of=lambda record: record[1],
        id_field=entity.id_field,
    )
    # One result per record, in order: the line of each good row is its record's.
    for (line, _), item in zip(parsed.records, checked, strict=True):
        if isinstance(item, QuarantineRow):
            quarantined.append(item)
            bad += 1
            continue
        good += 1
        row = item.model_dump()
        row["source_file"] = path.name
        row["source_line"] = line
        rows[row[entity.id_field]] = row
    state[path.name] = seen
    logger.info("files: %s: %d %s loaded, %d quarantined", path.name, good, entity.name, bad)


def _skip(path: Path, known: dict[str, Any]) -> None:
    if known.get("error"):
        logger.error("%s (unchanged since the last run)", known["error"])
    else:
        logger.info("files: %s: unchanged since the last run, not read", path.name)


def _warn_unmatched(folder: Path) -> None:
    for path in unmatched_files(folder, ENTITIES):
        logger.warning(
            "files: %s: ignored; a drop file's name starts with one of %s and ends with "
            ".csv, .jsonl or .ndjson",
            path.name,
            ", ".join(entity.name for entity in ENTITIES),
        )
