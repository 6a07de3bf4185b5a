"""The number and the issue date filled into the personally signed PDF (Decree 30 Art. 15, 32.2.c–d):
pyHanko classifies the fill as form filling, both signatures stay valid, and the organisation's
step refuses any other change made after the person signed (the field lock of ``signing.fill``)."""

import dataclasses
import io
from datetime import date

import pytest
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints

from directory.models import Body
from documents.models import Document
from outgoing.handlers import printed_lines
from signing import fill, revisions
from signing.exceptions import PersonalSignatureMissing
from signing.render import ORGANISATION_FIELD, render_document
from signing.sign import sign_as_organisation, sign_as_person
from signing.verify import verify_pdf

from ..documents.test_conversion import pdf_text
from ..signing.conftest import BODY, party_plan

LINES = {fill.NUMBER_FIELD: "Số 06-KH/ĐU", fill.DATE_FIELD: "Vĩnh An, ngày 07 tháng 12 năm 2026"}


def _draft() -> tuple[bytes, str]:
    """The Party plan as a draft: the number line as typed and the date line are fillable fields."""
    pdf = render_document(metadata=dataclasses.replace(party_plan(), fillable=True, number_line="Số …-KH/ĐU"),
                          body=BODY).pdf
    return pdf, revisions.sha256(pdf)


@pytest.fixture
def signed(register):
    """A draft signed by the Bí thư, and the Đảng ủy's certificate for the seal."""

    def make():
        pdf, sha = _draft()
        person = sign_as_person(pdf=pdf, certificate=register("bi_thu"), approved_sha256=sha)
        return person.pdf, sha, register("dang_uy")

    return make


def test_the_draft_shows_the_number_line_as_typed_and_an_empty_date():
    pdf, _sha = _draft()
    assert fill.field_values(pdf) == {fill.NUMBER_FIELD: "Số …-KH/ĐU",
                                      fill.DATE_FIELD: "Vĩnh An, ngày … tháng … năm …"}
    text = pdf_text(pdf)
    assert "Số …-KH/ĐU" in text and "Vĩnh An, ngày … tháng … năm …" in text


def test_the_fill_keeps_the_personal_signature_valid_and_the_seal_covers_it(signed):
    person, sha, organisation = signed()
    filled = fill.fill(person, LINES)
    assert filled.startswith(person)  # an incremental update: the signed bytes are untouched
    sealed = sign_as_organisation(pdf=filled, certificate=organisation, approved_sha256=sha).pdf
    report = verify_pdf(sealed)
    first, second = report.signatures
    assert report.valid and first["valid"] and second["valid"]
    assert (first["modification_level"], first["changes_after_signing"]) == ("form_filling", "signatures_added")
    assert first["integrity"] and first["coverage"] == "entire_revision"
    # the seal covers the whole file as it signed it: only its own revocation data (B-LT) may follow
    assert second["coverage"] == "entire_file" or second["changes_after_signing"] == "validation_data"
    text = pdf_text(sealed)
    assert "Số 06-KH/ĐU" in text and "Vĩnh An, ngày 07 tháng 12 năm 2026" in text
    assert "…" not in text
    assert fill.field_values(sealed) == LINES


def _draw(writer):
    RawContent(b"BT /F1 12 Tf 100 100 Td (X) Tj ET", box=BoxConstraints(width=10, height=10)).add_to_page(writer, 0)


def _add_field(writer):
    fill.add_text_fields(writer, [fill.TextFieldSpec(name="Ghi_chu", page=0, box=(100, 60, 300, 80),
                                                     value="Số 07-KH/ĐU")])


@pytest.mark.parametrize("change", [_draw, _add_field], ids=["a drawing", "a text field added"])
def test_any_other_change_after_the_personal_signature_is_refused_by_the_seal(signed, change):
    person, sha, organisation = signed()
    writer = IncrementalPdfFileWriter(io.BytesIO(fill.fill(person, LINES)), strict=False)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    assert verify_pdf(out.getvalue()).signatures[0]["valid"] is False
    with pytest.raises(PersonalSignatureMissing):
        sign_as_organisation(pdf=out.getvalue(), certificate=organisation, approved_sha256=sha)


def test_the_personal_signature_locks_every_field_but_the_number_date_and_seal(signed):
    person, _sha, _organisation = signed()
    report = verify_pdf(person)
    lock = report.embedded[0].fieldmdp
    assert lock is not None and lock.action.value == "/Exclude"
    assert set(lock.fields) == {fill.NUMBER_FIELD, fill.DATE_FIELD, ORGANISATION_FIELD}
    assert lock.is_locked("Ghi_chu") and not lock.is_locked(fill.NUMBER_FIELD)


def test_a_field_the_document_does_not_have_is_not_filled(signed):
    person, _sha, _organisation = signed()
    with pytest.raises(ValueError, match="Khong_co"):
        fill.fill(person, {"Khong_co": "x"})


@pytest.mark.parametrize(("body", "number", "notation", "day", "lines"), [
    ("dang_uy_xa", "06", "KH/ĐU", date(2026, 12, 7), ("Số 06-KH/ĐU", "Vĩnh An, ngày 07 tháng 12 năm 2026")),
    ("ubnd_xa", "15", "QĐ-UBND", date(2027, 1, 2), ("Số: 15/QĐ-UBND", "Vĩnh An, ngày 02 tháng 01 năm 2027")),
    ("ubnd_xa", "102", "UBND-KT", date(2027, 2, 28), ("Số: 102/UBND-KT", "Vĩnh An, ngày 28 tháng 02 năm 2027")),
])
def test_the_printed_lines_follow_the_body_s_system(demo, body, number, notation, day, lines):
    document = Document(body=body, code_number=number, code_notation=notation, issued_date=day)
    printed = printed_lines(document, Body.objects.get(code=body))
    assert (printed[fill.NUMBER_FIELD], printed[fill.DATE_FIELD]) == lines

