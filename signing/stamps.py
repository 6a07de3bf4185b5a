"""What a signature looks like on the page, and where it goes (Decree 30 Appendix I).

- The competent person: the blue handwritten signature image, centred in the space between the
  title and the name (the empty field the renderer left there).
- The organisation: the red seal image at its real size, overlapping the left third of the
  person's signature.
- An attachment in a separate file: no image; the number and the ISO 8601 signing time at the
  top right of the first page, Times-like, size 10, black.

Stamp text uses the 1000 units/em font subset with the same size in the font factory and the
text box (SIGNING.md §2b, pitfalls 2 and 3).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields
from pyhanko.stamp import StaticStampStyle, TextStampStyle
from reportlab.lib.units import mm

from documents.fonts import stamp_font_path

ATTACHMENT_FONT_SIZE = 10
ATTACHMENT_BOX_MM = (80, 12)  # width x height, inside the top margin at the right
ATTACHMENT_TOP_MM = 7  # from the top edge of the page
ATTACHMENT_RIGHT_MM = 15  # from the right edge (the right margin)

Box = tuple[float, float, float, float]

_FULL_BOX = layout.SimpleBoxLayoutRule(
    x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
    margins=layout.Margins.uniform(0), inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
)


def image_style(png: bytes) -> StaticStampStyle:
    """A stamp that is just the (transparent) image, fitted and centred in the field."""
    image: Image.Image = Image.open(io.BytesIO(png))
    image.load()
    if image.mode not in ("RGBA", "LA"):
        image = image.convert("RGBA")
    return StaticStampStyle(background=PdfImage(image), background_opacity=1.0, border_width=0,
                            background_layout=_FULL_BOX)


def attachment_style() -> TextStampStyle:
    """Black text, no border, no image, right-aligned at the top of its box."""
    size = ATTACHMENT_FONT_SIZE
    return TextStampStyle(
        stamp_text="%(notation)s\n%(signed_at)s",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(stamp_font_path(), font_size=size),
                                    font_size=size, leading=size + 2, text_color=(0, 0, 0)),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX, y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins.uniform(0), inner_content_scaling=layout.InnerScaling.NO_SCALING),
        border_width=0,
    )


@dataclass(frozen=True)
class FieldPlace:
    name: str
    page: int
    box: Box
    signed: bool


def _page_refs(reader: PdfFileReader) -> list:
    return [reader.find_page_for_modification(ix)[0] for ix in range(int(reader.root["/Pages"]["/Count"]))]


def find_signature_field(reader: PdfFileReader, name: str) -> FieldPlace | None:
    """Where a named signature field sits (page, rectangle) and whether it is already signed."""
    for field_name, value, field_ref in fields.enumerate_sig_fields(reader, with_name=name):
        widget = field_ref.get_object()
        if "/Kids" in widget:
            widget = widget["/Kids"][0].get_object()
        rect = tuple(float(v) for v in widget.get("/Rect", (0, 0, 0, 0)))
        page = 0
        target = widget.get_value_as_reference("/P") if "/P" in widget else None
        for ix, ref in enumerate(_page_refs(reader)):
            if target is not None and ref == target:
                page = ix
                break
            annots = ref.get_object().get("/Annots", generic.ArrayObject())
            if isinstance(annots, generic.IndirectObject):
                annots = annots.get_object()
            if any(getattr(a, "reference", a) == field_ref.reference for a in annots
                   if isinstance(a, generic.IndirectObject)):
                page = ix
                break
        box = (min(rect[0], rect[2]), min(rect[1], rect[3]), max(rect[0], rect[2]), max(rect[1], rect[3]))
        return FieldPlace(name=field_name, page=page, box=box, signed=value is not None)
    return None


def seal_box(person_box: Box, *, seal_width_mm: float) -> Box:
    """The seal at its real size, its right edge a third of the way into the signature, centred
    on the signature's height."""
    x1, y1, x2, y2 = person_box
    size = seal_width_mm * mm
    right = x1 + (x2 - x1) / 3
    centre_y = (y1 + y2) / 2
    return (round(right - size, 2), round(centre_y - size / 2, 2), round(right, 2), round(centre_y + size / 2, 2))


def attachment_box(reader: PdfFileReader) -> Box:
    """Top right of the first page, inside the top margin."""
    page = reader.find_page_for_modification(0)[0].get_object()
    media = [float(v) for v in page.get("/MediaBox", (0, 0, 595.28, 841.89))]
    right = media[2] - ATTACHMENT_RIGHT_MM * mm
    top = media[3] - ATTACHMENT_TOP_MM * mm
    width, height = ATTACHMENT_BOX_MM[0] * mm, ATTACHMENT_BOX_MM[1] * mm
    return (round(right - width, 2), round(top - height, 2), round(right, 2), round(top, 2))
