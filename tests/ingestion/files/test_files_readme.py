"""The README's column tables are what users read: they must say what the models accept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingestion.sources.files import ENTITIES
from ingestion.sources.files.schemas import choices, column_type

README = Path(__file__).resolve().parents[3] / "ingestion" / "sources" / "files" / "README.md"


def readme_tables() -> dict[str, list[dict[str, str]]]:
    """`### <entity>` sections of the README: the rows of their column table."""
    tables: dict[str, list[dict[str, str]]] = {}
    section = None
    header: list[str] | None = None
    for line in README.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^### (\w+)\s*$", line)
        if heading:
            section, header = heading.group(1), None
            continue
        if section is None or not line.startswith("|"):
            if header is not None and not line.startswith("|"):
                section, header = None, None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not set(line) <= set("|-: "):
            tables.setdefault(section, []).append(dict(zip(header, cells, strict=True)))
    return tables


@pytest.fixture(scope="module")
def tables() -> dict[str, list[dict[str, str]]]:
    return readme_tables()


def test_readme_has_a_table_per_entity(tables):
    assert set(tables) == {entity.name for entity in ENTITIES}


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda entity: entity.name)
def test_readme_columns_equal_the_model(tables, entity):
    rows = tables[entity.name]
    fields = entity.model.model_fields
    assert [row["column"].strip("`") for row in rows] == list(fields)
    for row in rows:
        info = fields[row["column"].strip("`")]
        assert row["required"] == ("yes" if info.is_required() else "no"), row["column"]
        assert row["type"] == column_type(info), row["column"]
        for value in choices(info):
            assert f"`{value}`" in row["meaning"], (row["column"], value)
