"""The number and the issue date printed into a signed document (Decree 30 Art. 15–16, 32.2).

The competent person signs first; only then does the clerk give the number and the issue date,
and only after that the organisation signs. So the draft carries two read-only text fields where
the number line and the place-and-date line go (showing "Số …-KH/ĐU" and "Vĩnh An, ngày … tháng …
năm …" until then), and the numbering step fills them in an incremental update: a new value and a
new appearance stream for each field and nothing else. pyHanko's difference analysis classifies
that as form filling, which an approval signature allows, so the person's signature stays valid.

The person's signature field carries a field lock (``/Lock``, FieldMDP ``Exclude``) naming only
these two fields and the organisation's signature field: pyHanko records it in the signature
(``/Reference`` … ``/FieldMDP``) and then reports a change to any other field after the person
signed as a violation, so the organisation's step (which refuses a personal signature that is not
valid) accepts this fill and nothing else.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields

from documents.fonts import stamp_font_path

from . import exceptions

NUMBER_FIELD = "Number_Line"
DATE_FIELD = "Place_Date"
#: Fields the person's signature leaves open: the two the clerk fills, and the organisation's own
#: (``signing.render.ORGANISATION_FIELD``; render imports this module, not the other way round).
UNLOCKED = (NUMBER_FIELD, DATE_FIELD, "Signature_Organisation")
#: The type of each field (a ``documents.fonts`` style): the place and date line is in italics.
STYLES = {DATE_FIELD: "italic"}

_READ_ONLY = 1  # /Ff bit 1: viewers do not let anyone type into it
_PRINT = 4  # /F bit 3: printed with the page
_CENTRED = layout.SimpleBoxLayoutRule(
    x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
    margins=layout.Margins.uniform(0), inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
)

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class TextFieldSpec:
    """A read-only text field: its place, the text it shows, and the type it is set in."""

    name: str
    page: int
    box: Box
    value: str
    font_size: float = 13


def _size(box: Box) -> tuple[float, float]:
    return abs(box[2] - box[0]), abs(box[3] - box[1])


def _appearance(writer: BasePdfFileWriter, *, text: str, box: Box, font_size: float,
                style: str) -> generic.IndirectObject:
    """The field's normal appearance: the text centred in its box, in the documents' serif font."""
    width, height = _size(box)
    if not text.strip():  # a font with no glyphs cannot be embedded
        return writer.add_object(RawContent(b"", box=layout.BoxConstraints(width=width, height=height))
                                 .as_form_xobject())
    size = round(font_size)  # pyHanko writes the size with %d: a whole one keeps shaping and Tf in step
    font = GlyphAccumulatorFactory(stamp_font_path(style), font_size=size)
    text_box = TextBox(TextBoxStyle(font=font, font_size=size, leading=size, text_color=(0, 0, 0),
                                    box_layout_rule=_CENTRED, border_width=0),
                       writer=writer, box=layout.BoxConstraints(width=width, height=height))
    text_box.content = text
    return writer.add_object(text_box.as_form_xobject())


def _da(spec_size: float) -> generic.TextStringObject:
    return generic.TextStringObject(f"/F1 {spec_size:g} Tf 0 g")


def add_text_fields(writer: BasePdfFileWriter, specs: Iterable[TextFieldSpec]) -> None:
    """Add read-only text fields, each showing its value (on an unsigned draft: no policy here)."""
    root = writer.root
    if "/AcroForm" not in root:
        root[pdf_name("/AcroForm")] = writer.add_object(generic.DictionaryObject({
            pdf_name("/Fields"): generic.ArrayObject()}))
        writer.update_root()
    form = root["/AcroForm"]
    form_fields = form["/Fields"]
    for spec in specs:
        page_ref = writer.find_page_for_modification(spec.page)[0]
        field = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/FT"): pdf_name("/Tx"), pdf_name("/T"): generic.TextStringObject(spec.name),
            pdf_name("/Ff"): generic.NumberObject(_READ_ONLY), pdf_name("/F"): generic.NumberObject(_PRINT),
            pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(round(v, 2)) for v in spec.box),
            pdf_name("/P"): page_ref, pdf_name("/Q"): generic.NumberObject(1),
            pdf_name("/DA"): _da(spec.font_size), pdf_name("/V"): generic.TextStringObject(spec.value),
            pdf_name("/AP"): generic.DictionaryObject({pdf_name("/N"): _appearance(
                writer, text=spec.value, box=spec.box, font_size=spec.font_size,
                style=STYLES.get(spec.name, "regular"))}),
        })
        ref = writer.add_object(field)
        form_fields.append(ref)
        page = page_ref.get_object()
        annots = page.get("/Annots")
        if annots is None:
            page[pdf_name("/Annots")] = generic.ArrayObject([ref])
            writer.update_container(page)
        else:
            annots = annots.get_object() if isinstance(annots, generic.IndirectObject) else annots
            annots.append(ref)
            writer.update_container(annots)
    writer.update_container(form_fields)


def lock_except(writer: BasePdfFileWriter, signature_field: str, unlocked: Iterable[str] = UNLOCKED) -> None:
    """Give the (empty) signature field a lock that freezes every other field once it is signed."""
    found = next(iter(fields.enumerate_sig_fields(writer, with_name=signature_field)), None)
    if found is None:
        raise exceptions.SignatureFieldError(field=signature_field)
    field = found[2].get_object()
    field[pdf_name("/Lock")] = fields.FieldMDPSpec(action=fields.FieldMDPAction.EXCLUDE,
                                                   fields=list(unlocked)).as_pdf_object()
    writer.update_container(field)


def _text_fields(reader) -> dict[str, generic.IndirectObject]:
    try:
        form_fields = reader.root["/AcroForm"]["/Fields"]
    except KeyError:
        return {}
    found = {}
    for ref in form_fields:
        field = ref.get_object()
        if field.get("/FT") == "/Tx" and "/T" in field:
            found[str(field["/T"])] = ref
    return found


def field_values(pdf: bytes) -> dict[str, str]:
    """The value of each text field of the document's last revision (what a reader sees)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        return {name: str(ref.get_object().get("/V", "")) for name, ref in _text_fields(reader).items()}
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise exceptions.InvalidDocument() from exc


def fill(pdf: bytes, values: Mapping[str, str]) -> bytes:
    """Fill the named text fields in one incremental update: for each a new ``/V`` and a new normal
    appearance in the field's type (its ``/DA`` size, ``STYLES``)."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise exceptions.InvalidDocument() from exc
    existing = _text_fields(writer)
    missing = [name for name in values if name not in existing]
    if missing:  # the caller checks which fields the document has (``field_values``)
        raise ValueError(f"the document has no text field {', '.join(missing)}")
    for name, value in values.items():
        field = existing[name].get_object()
        box = tuple(float(v) for v in field["/Rect"])
        size = float(str(field.get("/DA", "/F1 13 Tf")).split()[1])
        field[pdf_name("/V")] = generic.TextStringObject(value)
        field[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): _appearance(
            writer, text=value, box=box, font_size=size, style=STYLES.get(name, "regular"))})  # type: ignore[arg-type]
        writer.update_container(field)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
