"""Signing outgoing documents: the competent person, then the organisation (Decree 30 Art. 32),
attachments in separate files, and the checks that refuse a signature before it is made."""

import io
from datetime import timedelta

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from signing import exceptions, revisions, stamps
from signing.keys import CachedKeySigner
from signing.models import RevocationList
from signing.render import ORGANISATION_FIELD, PERSON_FIELD
from signing.sign import sign_as_organisation, sign_as_person, sign_attachment, sign_pdf
from signing.tsa import LocalTimeStamper
from signing.verify import verify_pdf

pytestmark = pytest.mark.django_db


def test_person_then_organisation_gives_two_valid_signatures(register, party_document):
    # given the approved Party plan, the Bí thư's and the Đảng ủy's certificates
    person, organisation = register("bi_thu"), register("dang_uy")
    approved = party_document.sha256

    # when the Bí thư signs, then the clerk applies the organisation's signature
    signed = sign_as_person(pdf=party_document.pdf, certificate=person, approved_sha256=approved)
    sealed = sign_as_organisation(pdf=signed.pdf, certificate=organisation, approved_sha256=approved)

    # then both signatures are valid, in order, and the file grew by incremental updates only
    result = verify_pdf(sealed.pdf)
    assert result.valid, result.summary
    first, second = result.signatures
    assert (first["field"], first["holder"]) == (PERSON_FIELD, "Nguyễn Văn An")
    assert (second["field"], second["holder"]) == (ORGANISATION_FIELD, "Đảng ủy xã Vĩnh An")
    assert first["changes_after_signing"] == "signatures_added"
    assert second["changes_after_signing"] in ("none", "validation_data")
    assert sealed.pdf.startswith(signed.pdf) and signed.pdf.startswith(party_document.pdf)
    assert first["timestamp_time"] and second["timestamp_time"]  # B-T: both carry a signature timestamp
    assert {first["level"], second["level"]} <= {"B-T", "B-LT"}


def test_signatures_show_vietnam_time_and_are_b_lt_when_crls_are_stored(register, state_document):
    # given a trust list with current CRLs (the ``trusted`` fixture stores them)
    person = register("pho_chu_tich")

    # when the person signs
    signed = sign_as_person(pdf=state_document.pdf, certificate=person, approved_sha256=state_document.sha256)

    # then the revocation data travels with the document, and the time is Vietnam time
    assert signed.level == "B-LT"
    assert b"/DSS" in signed.pdf
    assert signed.signed_at.utcoffset() == timedelta(hours=7)
    (sig,) = verify_pdf(signed.pdf).signatures
    assert sig["level"] == "B-LT" and sig["signing_time"].endswith("+07:00")


def test_organisation_signature_before_the_personal_one_is_refused(register, party_document):
    # given an approved document nobody has signed
    organisation = register("dang_uy")

    # when the clerk tries to apply the organisation's signature first, it is refused
    with pytest.raises(exceptions.PersonalSignatureMissing):
        sign_as_organisation(pdf=party_document.pdf, certificate=organisation,
                             approved_sha256=party_document.sha256)


def test_organisation_signature_needs_a_person_not_another_organisation(register, party_document, pki):
    # given a document signed in the person's field, but with an organisation's certificate
    ubnd, dang_uy = register("ubnd"), register("dang_uy")
    signed = sign_as_person(pdf=party_document.pdf, certificate=ubnd, approved_sha256=party_document.sha256)

    # when the clerk applies the organisation's signature, it is refused
    with pytest.raises(exceptions.PersonalSignatureMissing):
        sign_as_organisation(pdf=signed.pdf, certificate=dang_uy, approved_sha256=party_document.sha256)


def test_document_changed_after_approval_is_refused(register, party_document):
    # given the approved bytes, and a copy in which one byte was changed
    person = register("bi_thu")
    changed = bytearray(party_document.pdf)
    changed[len(changed) // 2] ^= 0x01

    # when the person signs the changed copy, it is refused and nothing is signed
    with pytest.raises(exceptions.DocumentChanged):
        sign_as_person(pdf=bytes(changed), certificate=person, approved_sha256=party_document.sha256)


def test_unsigned_revision_between_approval_and_personal_signature_is_refused(register, party_document):
    # given an approved document that someone re-saved (an unsigned revision) before the person signed
    person, organisation = register("bi_thu"), register("dang_uy")
    writer = IncrementalPdfFileWriter(io.BytesIO(party_document.pdf))
    writer.root["/Lang"] = generic.TextStringObject("vi")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    resaved = out.getvalue()
    signed = sign_as_person(pdf=resaved, certificate=person, approved_sha256=revisions.sha256(resaved))

    # when the organisation signs against the originally approved version, it is refused
    with pytest.raises(exceptions.DocumentChanged):
        sign_as_organisation(pdf=signed.pdf, certificate=organisation, approved_sha256=party_document.sha256)


def test_organisation_signature_is_refused_when_the_file_was_edited_after_the_person_signed(
        register, party_document, pki):
    # given a personal signature, then an unsigned edit that draws on the page
    person, organisation = register("bi_thu"), register("dang_uy")
    signed = sign_as_person(pdf=party_document.pdf, certificate=person, approved_sha256=party_document.sha256)
    edited = _draw_on_page(signed.pdf)

    # when the clerk applies the organisation's signature, it is refused
    with pytest.raises(exceptions.PersonalSignatureMissing):
        sign_as_organisation(pdf=edited, certificate=organisation, approved_sha256=party_document.sha256)


def test_expired_certificate_is_refused_before_signing_s15(register, state_document):
    # given the Phó Chủ tịch's certificate that expired yesterday (S15)
    expired = register("expired")

    # when they try to sign, the pre-sign check refuses with a clear message; the document is untouched
    with pytest.raises(exceptions.CertificateExpired) as caught:
        sign_as_person(pdf=state_document.pdf, certificate=expired, approved_sha256=state_document.sha256)
    assert "Phạm Thị Dung" in str(caught.value)
    assert caught.value.code == "certificate_expired"


def test_revoked_certificate_is_refused_before_signing(register, state_document):
    # given a certificate listed on the intermediate CA's CRL
    revoked = register("revoked")

    # when its holder tries to sign, the pre-sign check refuses
    with pytest.raises(exceptions.CertificateRevoked) as caught:
        sign_as_person(pdf=state_document.pdf, certificate=revoked, approved_sha256=state_document.sha256)
    assert "Lê Văn Cường" in str(caught.value)


def test_certificate_from_a_rogue_ca_is_refused_before_signing(register, state_document):
    # given a certificate with the real person's name from a CA with the real CA's names
    rogue = register("rogue")

    # when it is used to sign, the pre-sign check refuses it as untrusted
    with pytest.raises(exceptions.CertificateUntrusted):
        sign_as_person(pdf=state_document.pdf, certificate=rogue, approved_sha256=state_document.sha256)


def test_missing_crl_blocks_signing_no_soft_fail(register, state_document):
    # given a trust list whose CRLs were never loaded
    person = register("chu_tich")
    RevocationList.objects.all().delete()

    # when the person signs, the revocation status is unknown and signing is refused
    with pytest.raises(exceptions.RevocationUnknown):
        sign_as_person(pdf=state_document.pdf, certificate=person, approved_sha256=state_document.sha256)


def test_attachment_gets_an_invisible_image_signature_with_number_and_iso_time(register, state_document):
    # given an appendix in a separate file, approved with the decision
    organisation = register("ubnd")

    # when the organisation signs it
    signed = sign_attachment(pdf=state_document.pdf, certificate=organisation,
                             approved_sha256=state_document.sha256, notation="Số: 15/QĐ-UBND")

    # then it is valid without any personal signature, its field is at the top right of page 1,
    # and the visible text is the number and the ISO 8601 time with +07:00
    result = verify_pdf(signed.pdf)
    assert result.valid, result.summary
    place = stamps.find_signature_field(PdfFileReader(io.BytesIO(signed.pdf)), "Signature_Attachment")
    assert place.page == 0 and place.box[2] > 500 and place.box[3] > 800
    iso = signed.signed_at.isoformat()
    assert iso.endswith("+07:00") and "T" in iso


def test_signing_an_already_signed_field_is_refused(register, party_document):
    person = register("bi_thu")
    signed = sign_as_person(pdf=party_document.pdf, certificate=person, approved_sha256=party_document.sha256)
    with pytest.raises(exceptions.SignatureFieldError):
        sign_as_person(pdf=signed.pdf, certificate=person, approved_sha256=signed.sha256)


def test_sign_pdf_without_policy_makes_an_invisible_b_t_signature(pki, trusted, state_document):
    # the low-level function, as the benchmark uses it: organisation key in memory, local TSA
    org = pki.organisations["ubnd"]
    signer = CachedKeySigner(private_key=org.key, signing_cert=org.asn1_cert,
                             chain=[pki.intermediate.asn1_cert, pki.root.asn1_cert])
    tsa = LocalTimeStamper(tsa_cert=pki.tsa.asn1_cert, private_key=pki.tsa.key,
                           chain=[pki.intermediate.asn1_cert, pki.root.asn1_cert])
    signed = sign_pdf(state_document.pdf, signer=signer, field_name="Sig", timestamper=tsa)
    assert signed.level == "B-T"
    assert verify_pdf(signed.pdf).valid


def _draw_on_page(pdf: bytes) -> bytes:
    """An unsigned incremental update that paints a rectangle over page 1."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    stream = writer.add_object(generic.StreamObject(stream_data=b"q 1 0 0 rg 100 100 200 50 re f Q"))
    writer.add_stream_to_page(0, stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_container_larger_than_the_reservation_is_signed_again_with_an_estimate(pki, trusted, state_document):
    # given a reservation far too small for the chain and the timestamp token (4 KB of hex)
    org = pki.organisations["ubnd"]
    chain = [pki.intermediate.asn1_cert, pki.root.asn1_cert]
    signer = CachedKeySigner(private_key=org.key, signing_cert=org.asn1_cert, chain=chain)
    tsa = LocalTimeStamper(tsa_cert=pki.tsa.asn1_cert, private_key=pki.tsa.key, chain=chain)

    # when signing, then pyHanko's estimate is used instead and the signature is valid
    signed = sign_pdf(state_document.pdf, signer=signer, field_name="Sig", timestamper=tsa, bytes_reserved=4096)
    assert verify_pdf(signed.pdf).valid


def test_seal_goes_on_the_page_of_the_personal_signature(register):
    # given a long plan whose signature block lands on its last page
    from signing.render import render_document

    from .conftest import BODY, party_plan

    doc = render_document(metadata=party_plan(), body=BODY * 12)
    last = doc.page_count - 1
    assert last > 0 and doc.signature_page == last
    person, organisation = register("bi_thu"), register("dang_uy")

    # when both sign
    signed = sign_as_person(pdf=doc.pdf, certificate=person, approved_sha256=doc.sha256)
    sealed = sign_as_organisation(pdf=signed.pdf, certificate=organisation, approved_sha256=doc.sha256)

    # then the seal's field is on that page too, next to the signature
    reader = PdfFileReader(io.BytesIO(sealed.pdf))
    assert stamps.find_signature_field(reader, PERSON_FIELD).page == last
    assert stamps.find_signature_field(reader, ORGANISATION_FIELD).page == last
    assert verify_pdf(sealed.pdf).valid
