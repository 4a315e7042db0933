"""Reading an uploaded ledger into a grid of cells and finding its header row.

Paper-era ledgers typed into Excel usually start with a title row ("××村隐患排查整改台账"),
sometimes a blank row or a "填报单位：… 日期：…" row, then the header. The header is the first
row in which at least two cells name known fields (or which matches a saved mapping's layout).
Cells keep their Excel types (dates stay dates) so parsers can tell a date cell from text.
Row numbers are the sheet's own (1-based), so an error says the row the user sees in Excel.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from shouwang.core.records import RecordInvalid
from shouwang.imports.kinds import LedgerKind, normalise_header

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
#: How far down the sheet the header row is looked for.
HEADER_SEARCH_ROWS = 30
#: Cells naming known fields for a row to count as the header.
HEADER_MIN_MATCHES = 2


@dataclass
class Sheet:
    """The ledger as read: rows of cells with their sheet row numbers."""

    rows: list[tuple[int, list[Any]]]


@dataclass
class Layout:
    """The header row found: its row number, the column headers (unique, as written) and the
    layout signature (hash of the normalised header row) that saved mappings are keyed by."""

    header_row: int
    headers: list[str]
    signature: str
    data: list[tuple[int, list[Any]]]


def file_error(message: str) -> RecordInvalid:
    return RecordInvalid({"file": [message]})


def read_sheet(raw: bytes, filename: str) -> Sheet:
    """The first sheet of an .xlsx (or a .csv in UTF-8 or GB18030) as rows of cells."""
    if len(raw) > MAX_BYTES:
        raise file_error(_("The file is larger than 10 MB."))
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(raw), data_only=True)
            values: Iterable[Iterable[Any]] = book.worksheets[0].iter_rows(values_only=True)
        except Exception as exc:
            raise file_error(_("The Excel file cannot be read.")) from exc
    elif name.endswith(".csv"):
        values = csv.reader(io.StringIO(_decode(raw)))
    else:
        raise file_error(_("Upload an Excel (.xlsx) or CSV file."))
    rows: list[tuple[int, list[Any]]] = []
    for number, row in enumerate(values, start=1):
        cells = [_clean(c) for c in row]
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            rows.append((number, cells))
        if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
            raise file_error(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
    if not rows:
        raise file_error(_("The file is empty."))
    return Sheet(rows=rows)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise file_error(_("The file is neither UTF-8 nor GB18030 text."))


def signature_of(headers: Iterable[Any]) -> str:
    """The layout signature: sha256 of the normalised header cells in order."""
    normalised = [normalise_header(h) for h in headers]
    while normalised and not normalised[-1]:
        normalised.pop()
    return hashlib.sha256("\x1f".join(normalised).encode("utf-8")).hexdigest()


def alias_index(kind: LedgerKind) -> dict[str, str]:
    """Normalised header → field name, from the aliases and the field labels."""
    index: dict[str, str] = {}
    for f in kind.fields:
        for alias in (*f.aliases, f.name, str(f.label)):
            index.setdefault(normalise_header(alias), f.name)
    return index


_NOTE = re.compile(r"\([^()]*\)$")


def match_header(index: dict[str, str], header: Any) -> str:
    """The field a header names: exactly, or once a trailing note in brackets is dropped
    ("发现时间（年月日）" → 发现时间); "" if none."""
    norm = normalise_header(header)
    if not norm:
        return ""
    if norm in index:
        return index[norm]
    return index.get(_NOTE.sub("", norm), "")


def unique_headers(cells: list[Any]) -> list[str]:
    """Column headers as written; a blank one is named by its column letter, a repeated one
    gets its column letter appended, so every column has its own key."""
    from openpyxl.utils import get_column_letter

    out: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells, start=1):
        header = "" if cell is None else str(cell).strip()
        letter = get_column_letter(index)
        if not header:
            header = _("(column %(letter)s)") % {"letter": letter}
        if normalise_header(header) in seen:
            header = f"{header} ({letter})"
        seen.add(normalise_header(header))
        out.append(header)
    return out


def find_layout(
    sheet: Sheet,
    kind: LedgerKind,
    known_signatures: Iterable[str] = (),
    header_row: int | None = None,
) -> Layout:
    """Find the header row (see the module docstring); the rows below it are the data.
    `header_row` (a sheet row number) names it outright, for layouts whose column names the
    aliases do not know."""
    index = alias_index(kind)
    known = set(known_signatures)
    if header_row is not None and not any(n == header_row for n, _cells in sheet.rows):
        raise file_error(_("Row %(row)s of the file is empty.") % {"row": header_row})
    for position, (number, cells) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        if header_row is not None:
            found = number == header_row
        else:
            matches = {m for m in (match_header(index, c) for c in cells) if m}
            found = len(matches) >= HEADER_MIN_MATCHES or signature_of(cells) in known
        if found:
            headers = unique_headers(cells)
            return Layout(
                header_row=number,
                headers=headers,
                signature=signature_of(cells),
                data=sheet.rows[position + 1 :],
            )
    labels = "、".join(f.header for f in kind.fields[:6])
    raise file_error(
        _(
            "No header row found: none of the first %(n)s rows names at least two known "
            "columns (such as %(labels)s). Give the number of the header row."
        )
        % {"n": HEADER_SEARCH_ROWS, "labels": labels}
    )


def propose_mapping(kind: LedgerKind, layout: Layout) -> dict[str, str]:
    """Header → field name by alias ("" = ignored); each field is taken by its first column."""
    index = alias_index(kind)
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for header in layout.headers:
        name = match_header(index, header)
        if name and name not in taken:
            taken.add(name)
            mapping[header] = name
        else:
            mapping[header] = ""
    return mapping
