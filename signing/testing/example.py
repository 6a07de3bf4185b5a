"""Render the example picture of docs/SIGNING.md: a decision signed by the Phó Chủ tịch and sealed
by the UBND, next to the top-right stamp of its appendix.

    python -m signing.testing.example docs/img/signing-example.png

Uses the test PKI and the in-process TSA (no database, no network) and PDFium (pypdfium2, a
development dependency) to rasterise the pages.
"""

from __future__ import annotations

import io
import sys
from datetime import date

from cryptography.hazmat.primitives.asymmetric import rsa
from PIL import Image, ImageDraw
from pyhanko.pdf_utils.reader import PdfFileReader

from signing import images, stamps
from signing.keys import CachedKeySigner
from signing.render import (
    PERSON_FIELD,
    DocumentMetadata,
    SignatureBlock,
    System,
    render_document,
    signature_titles,
)
from signing.sign import now_vn, sign_pdf
from signing.testing.pki import test_pki
from signing.tsa import LocalTimeStamper

SCALE = 2.5


def decision_metadata(number: int = 15) -> DocumentMetadata:
    """A decision of the commune People's Committee signed K/T by the vice-chairman (tests, bench, docs)."""
    return DocumentMetadata(
        system=System.STATE, parent_organ_name="Ủy ban nhân dân tỉnh Hà Tĩnh",
        organ_name="Ủy ban nhân dân xã Vĩnh An", code_number=number, code_notation="QĐ-UBND", place="Vĩnh An",
        issued_date=date(2026, 12, 5), type_name="Quyết định",
        subject="Về việc ban hành Quy chế làm việc của Ủy ban nhân dân xã",
        recipients=("Như Điều 3;", "TT Đảng ủy, TT HĐND xã;", "Lưu: VT."),
        signature=SignatureBlock(
            titles=signature_titles(system=System.STATE, on_behalf_of="Ủy ban nhân dân", deputy_for="Chủ tịch",
                                    position="Phó Chủ tịch"),
            signer_name="Hoàng Văn Giang"),
    )


def _rasterise(pdf: bytes):
    import pypdfium2 as pdfium  # a development dependency: only the pictures for the docs need it

    document = pdfium.PdfDocument(pdf)
    document.init_forms()
    page = document[0]
    return page.render(scale=SCALE, may_draw_forms=True).to_pil().convert("RGB"), page.get_size()[1]


def build() -> Image.Image:
    pki = test_pki()
    chain = [pki.intermediate.asn1_cert, pki.root.asn1_cert]
    assert isinstance(pki.tsa.key, rsa.RSAPrivateKey)  # cached_key's default: the TSA signs with PKCS#1 v1.5
    tsa = LocalTimeStamper(tsa_cert=pki.tsa.asn1_cert, private_key=pki.tsa.key, chain=chain)

    def signer(issued):
        return CachedKeySigner(private_key=issued.key, signing_cert=issued.asn1_cert, chain=chain)

    body = ["Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc của Ủy ban nhân dân xã Vĩnh An."]
    doc = render_document(metadata=decision_metadata(), body=body)
    person = sign_pdf(doc.pdf, signer=signer(pki.people["pho_chu_tich"]), field_name=PERSON_FIELD,
                      timestamper=tsa, stamp_style=stamps.image_style(images.demo_signature_png("Hoàng Văn Giang")))
    place = stamps.find_signature_field(PdfFileReader(io.BytesIO(person.pdf)), PERSON_FIELD)
    assert place is not None  # the person has just signed in that field
    sealed = sign_pdf(person.pdf, signer=signer(pki.organisations["ubnd"]), field_name="Signature_Organisation",
                      timestamper=tsa, page=place.page, box=stamps.seal_box(place.box, seal_width_mm=36),
                      stamp_style=stamps.image_style(images.demo_seal_png("Ủy ban nhân dân xã Vĩnh An", "T. Hà Tĩnh")))
    moment = now_vn()
    appendix = sign_pdf(doc.pdf, signer=signer(pki.organisations["ubnd"]), field_name="Signature_Attachment",
                        timestamper=tsa, page=0, box=stamps.attachment_box(PdfFileReader(io.BytesIO(doc.pdf))),
                        stamp_style=stamps.attachment_style(), signing_time=moment,
                        text_params={"notation": "Số: 15/QĐ-UBND", "signed_at": moment.isoformat()})

    page, height = _rasterise(sealed.pdf)
    x1, y1, x2, y2 = place.box
    block = page.crop((round((x1 - 75) * SCALE), round((height - y2 - 60) * SCALE),
                       round((x2 + 40) * SCALE), round((height - y1 + 25) * SCALE)))
    top, height = _rasterise(appendix.pdf)
    ax1, ay1, ax2, ay2 = stamps.attachment_box(PdfFileReader(io.BytesIO(doc.pdf)))
    corner = top.crop((round((ax1 - 10) * SCALE), round((height - ay2 - 6) * SCALE),
                       round((ax2 + 10) * SCALE), round((height - ay1 + 2) * SCALE)))
    out = Image.new("RGB", (max(block.width, corner.width) + 20, block.height + corner.height + 30), "white")
    out.paste(corner, (10, 10))
    out.paste(block, (10, corner.height + 20))
    draw = ImageDraw.Draw(out)
    draw.line((10, corner.height + 15, out.width - 10, corner.height + 15), fill=(200, 200, 200), width=1)
    return out


def main(argv: list[str]) -> None:
    path = argv[1] if len(argv) > 1 else "docs/img/signing-example.png"
    build().save(path, optimize=True)
    print(path)


if __name__ == "__main__":
    main(sys.argv)
