"""File downloads: a Chinese file name for the user, an ASCII one for old clients."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def attachment(body: bytes, content_type: str, filename: str, fallback: str) -> HttpResponse:
    """`body` as a download named `filename` (RFC 6266 filename*, any script), `fallback`
    (ASCII) for clients that do not read filename*; never cached (personal data)."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["Cache-Control"] = "private, no-store"
    return response
