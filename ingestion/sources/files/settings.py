"""Defaults of the files source: where the drop folder is and which files it reads."""

from __future__ import annotations

SOURCE_NAME = "files"
FOLDER_SETTING = "SOURCES__FILES__FOLDER"
# Under `$VSM_HOME` when no folder is configured.
DEFAULT_FOLDER_NAME = "drop"

# File name endings read, by format; anything else in the folder is left alone.
CSV_SUFFIXES = (".csv",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
# A CSV file's delimiter is the one of these its header line uses most.
CSV_DELIMITERS = (",", ";", "\t", "|")
ENCODING = "utf-8-sig"  # plain UTF-8, with or without the byte-order mark spreadsheets write

# Rows are handed to dlt in batches of this many.
BATCH_SIZE = 5_000
# A hash of each file's content is kept, read in chunks of this size.
HASH_CHUNK_BYTES = 1 << 20
