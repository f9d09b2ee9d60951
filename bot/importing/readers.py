"""From a file to rows with their place in the file: encodings, CSV or JSON, header names.

Decisions (documented in docs/import-formats.md):
- Text must be UTF-8; a UTF-8 byte-order mark (Excel's "CSV UTF-8") is skipped. UTF-16 with a
  byte-order mark (Excel's "Unicode Text") is read too, since the mark makes it unambiguous. Anything
  else stops the import with one line saying how to save the file.
- The format comes from the extension (.csv, .tsv, .txt → CSV; .json → JSON); otherwise from the
  content (starts with `[` or `{` → JSON, else CSV).
- CSV: the delimiter is whichever of `,` `;` tab occurs most in the header line (Excel in Vietnamese
  settings writes `;`). Line numbers are physical lines, the header being line 1, so a cell with a line
  break inside quotes does not shift the numbers of the rows after it. Blank lines are skipped.
- JSON: a list of objects, or an object holding that list under "customers"/"orders"; rows are
  numbered "item 1", "item 2", ….
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.importing.report import ImportFileError, Location

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
JSON_SUFFIXES = {".json"}


@dataclass(frozen=True)
class SourceRow:
    location: Location
    values: dict[str, Any]  # column name → cell (str for CSV; any JSON value for JSON)
    problem: str | None = None  # set when the row itself is malformed (e.g. a JSON item that is no object)


@dataclass
class SourceTable:
    format: str  # "csv" | "json"
    columns: list[str]  # in file order; for JSON the union of the keys of all items
    rows: Iterator[SourceRow]


def normalize_column(name: str) -> str:
    """'Full Name ' → 'full_name': header cells are matched case- and space-insensitively."""
    return "_".join(name.replace("\ufeff", "").strip().lower().replace("-", " ").split())


def read_table(path: Path, *, collection: str) -> SourceTable:
    """Open `path` and return its rows lazily; `collection` ("customers"/"orders") is the JSON wrapper key."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    content = decode(data, name=path.name)
    if not content.strip():
        raise ImportFileError(f"{path.name}: file is empty")
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        kind = "json"
    elif suffix in CSV_SUFFIXES:
        kind = "csv"
    else:
        kind = "json" if content.lstrip()[:1] in ("[", "{") else "csv"
    if kind == "json":
        return _json_table(content, name=path.name, collection=collection)
    return _csv_table(content, name=path.name)


def decode(data: bytes, *, name: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFileError(f"{name}: starts like UTF-16 text but is not valid UTF-16") from None
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            f"{name}: this is a spreadsheet workbook (.xlsx), not CSV or JSON; "
            "in Excel use File › Save As › 'CSV UTF-8 (Comma delimited)'"
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            f"{name}: this is an old Excel workbook (.xls), not CSV or JSON; save it as 'CSV UTF-8'"
        )
    if b"\x00" in data[:4096]:
        raise ImportFileError(
            f"{name}: not a text file (it contains NUL bytes; UTF-16 without a byte-order mark?); "
            "save it as 'CSV UTF-8'"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); "
            "save the file as 'CSV UTF-8' (Excel) or convert it to UTF-8"
        ) from None


# --- CSV ------------------------------------------------------------------------------------------------


def _sniff_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_table(content: str, *, name: str) -> SourceTable:
    first_line = next((line for line in content.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=_sniff_delimiter(first_line), strict=True)
    header: list[str] | None = None
    previous_end = 0
    try:
        for cells in reader:
            header_line = previous_end + 1
            previous_end = reader.line_num
            if any(cell.strip() for cell in cells):
                header = [normalize_column(cell) for cell in cells]
                break
    except csv.Error as exc:
        raise ImportFileError(f"{name}: not a readable CSV file: {exc}") from None
    if header is None:
        raise ImportFileError(f"{name}: file is empty")
    named = [column for column in header if column]
    duplicates = sorted({column for column in named if named.count(column) > 1})
    if duplicates:
        raise ImportFileError(
            f"{name}: column{'s' if len(duplicates) > 1 else ''} "
            f"{', '.join(duplicates)} appear{'' if len(duplicates) > 1 else 's'} twice "
            f"in the header (line {header_line})"
        )
    return SourceTable("csv", named, _csv_rows(reader, header, previous_end, name))


def _csv_rows(reader: Any, header: list[str], previous_end: int, name: str) -> Iterator[SourceRow]:
    width = len(header)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(f"{name} line {reader.line_num}: not readable as CSV: {exc}") from None
        location = Location("line", previous_end + 1)
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        problem = None
        extra = cells[width:]
        if any(cell.strip() for cell in extra):
            problem = f"has {len(cells)} cells but the header has {width} columns"
        values = {column: cell for column, cell in zip(header, cells, strict=False) if column}
        yield SourceRow(location, values, problem)


# --- JSON -----------------------------------------------------------------------------------------------


def _json_table(content: str, *, name: str, collection: str) -> SourceTable:
    try:
        document = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"{name}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if isinstance(document, dict) and isinstance(document.get(collection), list):
        document = document[collection]
    if not isinstance(document, list):
        raise ImportFileError(
            f'{name}: expected a JSON list of {collection} (or an object with a "{collection}" list), '
            f"got {'an object' if isinstance(document, dict) else type(document).__name__}"
        )
    if not document:
        raise ImportFileError(f"{name}: file is empty (the list has no {collection})")
    columns: dict[str, None] = {}
    for item in document:
        if isinstance(item, dict):
            columns.update((normalize_column(str(key)), None) for key in item)
    return SourceTable("json", list(columns), _json_rows(document))


def _json_rows(document: list[Any]) -> Iterator[SourceRow]:
    for index, item in enumerate(document, start=1):
        location = Location("item", index)
        if not isinstance(item, dict):
            yield SourceRow(location, {}, f"expected an object with fields, got {type(item).__name__}")
            continue
        yield SourceRow(location, {normalize_column(str(key)): value for key, value in item.items()})
