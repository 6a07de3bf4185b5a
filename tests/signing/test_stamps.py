"""Visible signatures checked as a reader sees them: the page rendered to pixels (PDFium), and
the stamp text read back after flattening the signature appearances into the page."""

import io

import pypdfium2 as pdfium
import pytest

from documents.fonts import register_reportlab_fonts
from signing import stamps
from signing.render import ORGANISATION_FIELD, PERSON_FIELD
from signing.sign import sign_as_organisation, sign_as_person, sign_attachment

pytestmark = pytest.mark.django_db

SCALE = 3  # 216 dpi


def render_page(pdf: bytes, index: int = 0):
    document = pdfium.PdfDocument(pdf)
    document.init_forms()  # draw the signature widgets' appearance streams
    page = document[index]
    return page.render(scale=SCALE, may_draw_forms=True).to_pil().convert("RGB"), page.get_size()


def page_text(pdf: bytes, box=None, index: int = 0) -> str:
    page = pdfium.PdfDocument(pdf)[index]
    if box is None:
        return page.get_textpage().get_text_range()
    x1, y1, x2, y2 = box
    return page.get_textpage().get_text_bounded(left=x1, bottom=y1, right=x2, top=y2)


def stamp_text(pdf: bytes, index: int = 0) -> str:
    """The text the signature appearances add to the page, read back after flattening them into
    the page content (PDFium appends it after the page's own text)."""
    document = pdfium.PdfDocument(pdf)
    document.init_forms()
    page = document[index]
    page.flatten()
    page.close()
    out = io.BytesIO()
    document.save(out)
    before, after = page_text(pdf, index=index), page_text(out.getvalue(), index=index)
    assert after.startswith(before)
    return after[len(before):].replace("\r", "").strip()


def field_place(pdf: bytes, name: str) -> stamps.FieldPlace:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return stamps.find_signature_field(PdfFileReader(io.BytesIO(pdf)), name)


def pixels(image, box, page_height, predicate) -> int:
    x1, y1, x2, y2 = box
    crop = image.crop((round(x1 * SCALE), round((page_height - y2) * SCALE),
                       round(x2 * SCALE), round((page_height - y1) * SCALE)))
    return sum(1 for p in crop.get_flattened_data() if predicate(p))


def is_blue(p):
    return p[2] > 120 and p[0] < 90 and p[1] < 110


def is_red(p):
    return p[0] > 150 and p[1] < 110 and p[2] < 110


def is_ink(p):
    return max(p) < 140


def test_blue_signature_between_title_and_name_and_red_seal_over_its_left_third(register, state_document):
    # given the decision signed by the Phó Chủ tịch and sealed by the UBND
    person, organisation = register("pho_chu_tich"), register("ubnd")
    signed = sign_as_person(pdf=state_document.pdf, certificate=person, approved_sha256=state_document.sha256)
    sealed = sign_as_organisation(pdf=signed.pdf, certificate=organisation,
                                  approved_sha256=state_document.sha256).pdf

    # when the page is rendered
    image, (_, height) = render_page(sealed)
    sig, seal = field_place(sealed, PERSON_FIELD).box, field_place(sealed, ORGANISATION_FIELD).box

    # then the signature is blue ink inside the space the renderer left, the seal is red at its
    # real size (36 mm), and the seal covers the left third of the signature, not the rest
    sig_width = sig[2] - sig[0]
    assert pixels(image, sig, height, is_blue) > 2000
    assert pixels(image, seal, height, is_red) > 5000
    assert seal[2] == pytest.approx(sig[0] + sig_width / 3, abs=0.5)
    assert seal[2] - seal[0] == pytest.approx(36 * 72 / 25.4, abs=0.5)
    left_third = (sig[0], sig[1], sig[0] + sig_width / 3, sig[3])
    right_part = (sig[0] + sig_width / 3 + 2, sig[1], sig[2], sig[3])
    assert pixels(image, left_third, height, is_red) > 300
    assert pixels(image, right_part, height, is_red) == 0
    # and the name and title around it are still there, as text
    assert "Hoàng Văn Giang" in page_text(sealed, (sig[0] - 40, sig[1] - 40, sig[2] + 40, sig[1]))
    assert "PHÓ CHỦ TỊCH" in page_text(sealed, (sig[0] - 40, sig[3], sig[2] + 40, sig[3] + 30))
    assert stamp_text(sealed) == ""  # image-only stamps


def test_attachment_stamp_is_readable_vietnamese_text_at_the_top_right(register, state_document):
    # given an appendix signed by the organisation
    organisation = register("ubnd")
    signed = sign_attachment(pdf=state_document.pdf, certificate=organisation,
                             approved_sha256=state_document.sha256, notation="Số: 15/QĐ-UBND")
    box = field_place(signed.pdf, "Signature_Attachment").box
    iso = signed.signed_at.isoformat()

    # when the appearance is flattened and read back, it says the number and the ISO 8601 time
    assert stamp_text(signed.pdf).split("\n") == ["Số: 15/QĐ-UBND", iso]
    assert iso.endswith("+07:00")

    # and rendered, it is black text, as wide as the font's metrics say (no letter-spacing bug:
    # pyHanko writes widths in font units, so a 2048 units/em font would come out ~2x wide)
    image, (width, height) = render_page(signed.pdf)
    x1, y1, x2, y2 = box
    crop = image.crop((round(x1 * SCALE), round((height - y2) * SCALE), round(x2 * SCALE),
                       round((height - y1) * SCALE)))
    ink = [(x, y) for y in range(crop.height) for x in range(crop.width) if is_ink(crop.getpixel((x, y)))]
    assert ink, "nothing drawn in the attachment stamp"
    ink_width = (max(x for x, _ in ink) - min(x for x, _ in ink)) / SCALE
    from reportlab.pdfbase.pdfmetrics import stringWidth

    expected = stringWidth(iso, register_reportlab_fonts(), 10)
    assert ink_width == pytest.approx(expected, rel=0.03)
    colours = [crop.getpixel(xy) for xy in ink]
    mean = [sum(c[i] for c in colours) / len(colours) for i in range(3)]
    assert max(mean) - min(mean) < 20 and max(mean) < 100  # black (edges are LCD-smoothed, so average)
    assert x2 == pytest.approx(width - 15 * 72 / 25.4, abs=0.5) and y2 > height - 30
