"""What every PDF of the project shares (reportlab): the CJK font, text escaping, paragraph
styles in that font and the page footer with the title and page number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Adobe's CID font for Simplified Chinese: built into reportlab, nothing to install.
PDF_FONT = "STSong-Light"


def register_cjk_font() -> None:
    """Make PDF_FONT available to reportlab (once per process)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))


def pdf_text(text: Any) -> str:
    """Text for a reportlab Paragraph: markup characters escaped, line breaks kept."""
    return (
        str(text if text is not None else "")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", "<br/>")
    )


def paragraph_style(name: str, size: float, *, leading: float = 1.5, **kw: Any) -> Any:
    """A ParagraphStyle in the CJK font, `leading` times the font size apart."""
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(name, fontName=PDF_FONT, fontSize=size, leading=size * leading, **kw)


def title_and_page_footer(title: str, margin_mm: float, y_mm: float) -> Callable[[Any, Any], None]:
    """A page callback writing the document's title at the left and "第 n 页" at the right."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(PDF_FONT, 8.5)
        canvas.drawString(margin_mm * mm, y_mm * mm, title)
        canvas.drawRightString(A4[0] - margin_mm * mm, y_mm * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    return footer
