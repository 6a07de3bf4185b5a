"""The outgoing document as an A4 PDF, laid out per Decree 30/2020 (State) or HD 36 (Party).

Party and State documents differ in their header ("ĐẢNG CỘNG SẢN VIỆT NAM" against the national
name and motto), in the notation (``Số 04-KH/ĐU`` against ``Số: 15/QĐ-UBND``) and in the signing
authority marks (``T/M``, ``K/T``, ``T/L`` against ``TM.``, ``KT.``, ``TL.``). The empty space
between the signer's title and name becomes an empty PDF signature field, so the signing step
knows where the blue signature goes (and the seal, overlapping its left third) without
coordinates being passed around.

Output is deterministic apart from the PDF's random /ID: text can be extracted and compared.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from xml.sax.saxutils import escape

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer
from pyhanko.sign import fields
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from documents.fonts import register_reportlab_fonts

from . import fill

PERSON_FIELD = "Signature_Person"
ORGANISATION_FIELD = "Signature_Organisation"
ATTACHMENT_FIELD = "Signature_Attachment"

# Decree 30 Appendix I: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
SIGNATURE_BOX_MM = (60, 30)  # width x height of the space for the handwritten signature (2:1)


class System(StrEnum):
    PARTY = "party"
    STATE = "state"


_MARKS = {
    System.PARTY: {"on_behalf": "T/M", "deputy": "K/T", "by_order": "T/L", "by_authority": "T/UQ"},
    System.STATE: {"on_behalf": "TM.", "deputy": "KT.", "by_order": "TL.", "by_authority": "TUQ."},
}


def signature_titles(*, system: System, position: str, on_behalf_of: str = "", deputy_for: str = "",
                     by_order_of: str = "", by_authority_of: str = "") -> tuple[str, ...]:
    """The title lines of a signature block, e.g. ``("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH",
    "PHÓ CHỦ TỊCH")``; the Party writes the marks with a slash (T/M), the State with a dot (TM.)."""
    marks = _MARKS[System(system)]
    lines = []
    for key, whom in (("on_behalf", on_behalf_of), ("deputy", deputy_for), ("by_order", by_order_of),
                      ("by_authority", by_authority_of)):
        if whom:
            lines.append(f"{marks[key]} {whom.upper()}")
    lines.append(position.upper())
    return tuple(lines)


def format_notation(*, system: System, number: int, notation: str) -> str:
    """``Số 04-KH/ĐU`` (Party: no colon, hyphen) or ``Số: 15/QĐ-UBND`` (State: colon, slash);
    numbers below 10 get a leading zero."""
    if System(system) == System.PARTY:
        return f"Số {number:02d}-{notation}"
    return f"Số: {number:02d}/{notation}"


def format_place_date(*, place: str, day: date) -> str:
    """``Vĩnh An, ngày 05 tháng 12 năm 2026``: day and month below 10 with a leading zero."""
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


@dataclass(frozen=True)
class SignatureBlock:
    titles: tuple[str, ...]
    signer_name: str


@dataclass(frozen=True)
class DocumentMetadata:
    """What the header, the closing and the signature block of a document say.

    Field names follow the national metadata standard (Decree 30 Appendix VI) where one exists.
    """

    system: System
    organ_name: str  # the issuer, e.g. "ĐẢNG ỦY XÃ VĨNH AN" / "ỦY BAN NHÂN DÂN XÃ VĨNH AN"
    code_number: int
    code_notation: str  # "KH/ĐU" (Party) or "QĐ-UBND" (State)
    place: str
    issued_date: date
    signature: SignatureBlock
    parent_organ_name: str = ""  # "ĐẢNG BỘ TỈNH HÀ TĨNH" / "UBND TỈNH HÀ TĨNH"
    type_name: str = ""  # "KẾ HOẠCH", "QUYẾT ĐỊNH"; empty for a công văn (its subject goes under the number)
    subject: str = ""
    recipients: tuple[str, ...] = ()
    title: str = field(default="", compare=False)  # PDF metadata title; defaults to the subject
    number_line: str = ""  # a draft's number line as typed ("Số …-KH/ĐU"), printed as it is
    fillable: bool = False  # number and date lines as text fields the clerk fills after the person signs


@dataclass(frozen=True)
class RenderedDocument:
    pdf: bytes
    sha256: str
    page_count: int
    signature_field: str
    signature_page: int  # 0-based
    signature_box: tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points


class _FieldSpace(Flowable):
    """A line left for a text field (``signing.fill``): remembers where it landed and how it is set."""

    def __init__(self, width: float, style: ParagraphStyle, name: str, value: str, sink: dict):
        super().__init__()
        self.width, self.height, self.style, self.name, self.value, self.sink = (
            width, style.leading, style, name, value, sink)

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        x, y = self.canv.absolutePosition(0, 0)
        self.sink[self.name] = fill.TextFieldSpec(
            name=self.name, page=self.canv.getPageNumber() - 1, box=(x, y, x + self.width, y + self.height),
            value=self.value, font_size=self.style.fontSize)


class _SignatureSpace(Flowable):
    """Empty space for the handwritten signature that remembers where it landed on the page."""

    def __init__(self, width: float, height: float, sink: dict):
        super().__init__()
        self.width, self.height, self.sink = width, height, sink
        self.hAlign = "CENTER"

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        x, y = self.canv.absolutePosition(0, 0)
        self.sink.update(page=self.canv.getPageNumber() - 1, box=(x, y, x + self.width, y + self.height))


def _styles(system: System) -> dict[str, ParagraphStyle]:
    family = register_reportlab_fonts()
    party = system == System.PARTY
    body_size = 14
    base = ParagraphStyle("base", fontName=family, fontSize=13, leading=16, alignment=TA_CENTER)

    def style(name, **kw):
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "organ_parent": style("organ_parent", fontSize=14 if party else 12, leading=16),
        "organ": style("organ", fontName=f"{family}-Bold", fontSize=14 if party else 13, leading=17),
        "star": style("star", fontSize=14, leading=14),
        "number": style("number", fontSize=14 if party else 13, leading=17),
        "vv": style("vv", fontSize=12, leading=14, fontName=f"{family}-Italic" if party else family),
        "national": style("national", fontName=f"{family}-Bold", fontSize=15 if party else 12, leading=17),
        "motto": style("motto", fontName=f"{family}-Bold", fontSize=13.5, leading=17),
        "place_date": style("place_date", fontName=f"{family}-Italic", fontSize=14 if party else 13.5, leading=17),
        "type": style("type", fontName=f"{family}-Bold", fontSize=15.5 if party else 14, leading=19),
        "subject": style("subject", fontName=f"{family}-Bold", fontSize=14, leading=17),
        "body": style("body", fontSize=body_size, leading=body_size * 1.25, alignment=TA_JUSTIFY,
                      firstLineIndent=10 * mm, spaceAfter=6),
        "sig_title": style("sig_title", fontName=f"{family}-Bold", fontSize=14 if party else 13.5, leading=17),
        "sig_name": style("sig_name", fontName=f"{family}-Bold", fontSize=14 if party else 13.5, leading=17),
        "recipients_head": style("recipients_head", fontName=f"{family}-BoldItalic", fontSize=12, leading=14,
                                 alignment=TA_LEFT),
        "recipients": style("recipients", fontSize=11, leading=13, alignment=TA_LEFT),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _rule(width_mm: float) -> HRFlowable:
    return HRFlowable(width=width_mm * mm, thickness=0.6, color="black", hAlign="CENTER", spaceBefore=3, spaceAfter=3)


_TWO_COLUMNS = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)])


def _line(text: str, style: ParagraphStyle, *, field: str, width: float, sink: dict | None) -> Flowable:
    return _p(text, style) if sink is None else _FieldSpace(width, style, field, text, sink)


def _header(meta: DocumentMetadata, st: dict, widths: tuple[float, float], sink: dict | None = None) -> Table:
    number = meta.number_line or format_notation(system=meta.system, number=meta.code_number,
                                                 notation=meta.code_notation)
    left = []
    if meta.parent_organ_name:
        left.append(_p(meta.parent_organ_name.upper(), st["organ_parent"]))
    left.append(_p(meta.organ_name.upper(), st["organ"]))
    if meta.system == System.PARTY:
        left.append(_p("*", st["star"]))
    else:
        left.append(_rule(25))
    left.append(_line(number, st["number"], field=fill.NUMBER_FIELD, width=widths[0], sink=sink))
    if not meta.type_name and meta.subject:
        left.append(_p(f"V/v {meta.subject}", st["vv"]))
    right = []
    if meta.system == System.PARTY:
        right += [_p("ĐẢNG CỘNG SẢN VIỆT NAM", st["national"]), _rule(75), Spacer(1, 6 * mm)]
    else:
        right += [_p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", st["national"]),
                  _p("Độc lập - Tự do - Hạnh phúc", st["motto"]), _rule(58), Spacer(1, 3 * mm)]
    place_date = (f"{meta.place}, ngày … tháng … năm …" if sink is not None
                  else format_place_date(place=meta.place, day=meta.issued_date))
    right.append(_line(place_date, st["place_date"], field=fill.DATE_FIELD, width=widths[1], sink=sink))
    table = Table([[left, right]], colWidths=widths)
    table.setStyle(_TWO_COLUMNS)
    return table


def _closing(meta: DocumentMetadata, st: dict, widths: tuple[float, float], sink: dict) -> Table:
    left = []
    if meta.recipients:
        left.append(_p("Nơi nhận:", st["recipients_head"]))
        left += [_p(f"- {line}", st["recipients"]) for line in meta.recipients]
    right = [_p(line, st["sig_title"]) for line in meta.signature.titles]
    right.append(_SignatureSpace(SIGNATURE_BOX_MM[0] * mm, SIGNATURE_BOX_MM[1] * mm, sink))
    right.append(_p(meta.signature.signer_name, st["sig_name"]))
    table = Table([[left, right]], colWidths=widths)
    table.setStyle(_TWO_COLUMNS)
    return table


def render_document(*, metadata: DocumentMetadata, body: Sequence[str]) -> RenderedDocument:
    """Lay out the document, add the empty signature field of the person, and return the PDF. A
    ``fillable`` document also gets the number and date text fields, and the person's field locks
    every other field once signed (``signing.fill``)."""
    meta = metadata
    st = _styles(meta.system)
    buffer = io.BytesIO()
    width = A4[0] - (MARGINS_MM["left"] + MARGINS_MM["right"]) * mm
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, invariant=True,
        leftMargin=MARGINS_MM["left"] * mm, rightMargin=MARGINS_MM["right"] * mm,
        topMargin=MARGINS_MM["top"] * mm, bottomMargin=MARGINS_MM["bottom"] * mm,
        title=meta.title or meta.subject or meta.type_name, author=meta.organ_name, creator="quytrinh",
        subject=meta.subject,
    )
    header_widths = (width * 0.44, width * 0.56)
    lines: dict | None = {} if meta.fillable else None
    story = [_header(meta, st, header_widths, lines), Spacer(1, 8 * mm)]
    if meta.type_name:
        story.append(_p(meta.type_name.upper(), st["type"]))
        if meta.subject:
            story.append(_p(meta.subject, st["subject"]))
        story += [_rule(35), Spacer(1, 4 * mm)]
    story += [_p(paragraph, st["body"]) for paragraph in body if paragraph.strip()]
    sink: dict = {}
    story += [Spacer(1, 4 * mm), _closing(meta, st, (width * 0.45, width * 0.55), sink)]
    doc.build(story)
    page_count = doc.page

    # Add the empty signature field where the signature space landed (one revision, no update).
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(buffer.getvalue())))
    box = tuple(round(v, 2) for v in sink["box"])
    fields.append_signature_field(writer, fields.SigFieldSpec(PERSON_FIELD, on_page=sink["page"], box=box))
    if lines:
        fill.add_text_fields(writer, lines.values())
        fill.lock_except(writer, PERSON_FIELD)
    out = io.BytesIO()
    writer.write(out)
    pdf = out.getvalue()
    return RenderedDocument(pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), page_count=page_count,
                            signature_field=PERSON_FIELD, signature_page=sink["page"], signature_box=box)
