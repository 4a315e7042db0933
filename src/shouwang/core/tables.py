"""Reading uploaded ledgers: CSV (UTF-8 or GB18030) and Excel (.xlsx) into row dicts."""

from __future__ import annotations

import csv
import io
from typing import IO, Any

from django.utils.translation import gettext as _

from shouwang.core.records import RecordInvalid

MAX_ROWS = 20_000


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RecordInvalid({"file": [_("The file is neither UTF-8 nor GB18030 text.")]})


def read_table(upload: IO[bytes], filename: str) -> list[dict[str, Any]]:
    """Rows of the first sheet (or the CSV) keyed by the header row; blank rows skipped."""
    raw = upload.read()
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:
            raise RecordInvalid({"file": [_("The Excel file cannot be read.")]}) from exc
        values = [
            ["" if v is None else str(v).strip() for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    elif filename.lower().endswith(".csv"):
        values = [[c.strip() for c in row] for row in csv.reader(io.StringIO(_decode(raw)))]
    else:
        raise RecordInvalid({"file": [_("Upload a .csv or .xlsx file.")]})
    if not values:
        raise RecordInvalid({"file": [_("The file is empty.")]})
    header = [h.strip() for h in values[0]]
    rows = [dict(zip(header, row, strict=False)) for row in values[1:] if any(row)]
    if not rows:
        raise RecordInvalid({"file": [_("The file has a header but no rows.")]})
    if len(rows) > MAX_ROWS:
        raise RecordInvalid({"file": [_("At most %(n)s rows per file.") % {"n": MAX_ROWS}]})
    return rows
