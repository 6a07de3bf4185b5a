"""Verification of incoming PDFs against the configured trust roots (S01, S03)."""

import io
import json

import pytest
from django.utils import translation
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signing import images, stamps
from signing.keys import CachedKeySigner
from signing.models import RevocationList, VerificationReport
from signing.render import PERSON_FIELD
from signing.sign import sign_pdf
from signing.tsa import LocalTimeStamper
from signing.verify import verify_and_store, verify_pdf

pytestmark = pytest.mark.django_db


def _signed_by(pki, issued, document, *, chain=None):
    """Sign outside the policy layer, as a foreign system would (no pre-sign checks)."""
    chain = chain or [pki.intermediate.asn1_cert, pki.root.asn1_cert]
    signer = CachedKeySigner(private_key=issued.key, signing_cert=issued.asn1_cert, chain=chain)
    tsa = LocalTimeStamper(tsa_cert=pki.tsa.asn1_cert, private_key=pki.tsa.key,
                           chain=[pki.intermediate.asn1_cert, pki.root.asn1_cert])
    return sign_pdf(document.pdf, signer=signer, field_name=PERSON_FIELD, timestamper=tsa,
                    stamp_style=stamps.image_style(images.demo_signature_png(issued.holder.name))).pdf


def test_one_byte_changed_makes_every_signature_invalid(sealed):
    # given a signed document in which one byte of the page size was changed (in the first
    # revision, which both signatures cover)
    tampered = sealed.replace(b"595.2756", b"595.2757", 1)

    # when it is verified
    result = verify_pdf(tampered)

    # then it is invalid, and the reason given first is integrity (not trust)
    assert not result.valid
    assert result.report["verdict"] == "invalid"
    for sig in result.signatures:
        assert sig["integrity"] is False
        assert sig["problems"][0]["code"] == "not_intact"


def test_later_unsigned_edit_is_flagged(sealed):
    # given a signed document to which someone appended a drawing without signing
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed), strict=False)
    stream = writer.add_object(generic.StreamObject(stream_data=b"q 1 1 1 rg 100 600 300 40 re f Q"))
    writer.add_stream_to_page(0, stream)
    out = io.BytesIO()
    writer.write(out)

    # when it is verified
    result = verify_pdf(out.getvalue())

    # then the signatures are intact, but the later edit is reported and the verdict is invalid
    assert not result.valid
    for sig in result.signatures:
        assert sig["integrity"] is True
        assert sig["changes_after_signing"] == "modified"
        assert "modified" in [p["code"] for p in sig["problems"]]


def test_rogue_ca_with_the_same_names_is_untrusted(trusted, pki, party_document):
    # given a document signed by a certificate carrying the real person's and CA's names,
    # issued by a rogue root with the real root's name
    pdf = _signed_by(pki, pki.rogue_person, party_document,
                     chain=[pki.rogue_intermediate.asn1_cert, pki.rogue_root.asn1_cert])

    # when it is verified against our trust list
    result = verify_pdf(pdf)

    # then the signature is intact but untrusted
    (sig,) = result.signatures
    assert sig["holder"] == "Nguyễn Văn An"
    assert sig["integrity"] is True and sig["trusted"] is False
    assert sig["problems"][0]["code"] == "untrusted"
    assert not result.valid


def test_revoked_signer_is_reported_as_revoked(trusted, pki, party_document):
    # given a document signed elsewhere with a certificate that is on the CRL
    pdf = _signed_by(pki, pki.revoked, party_document)

    # when it is verified, then revocation is the reason
    (sig,) = verify_pdf(pdf).signatures
    assert sig["revoked"] is True and sig["valid"] is False
    assert sig["problems"][0]["code"] == "revoked"


def test_missing_revocation_data_is_not_accepted(trusted, pki, party_document):
    # given a correctly signed document, but no CRL stored for its issuer
    pdf = _signed_by(pki, pki.people["bi_thu"], party_document)
    RevocationList.objects.all().delete()

    # when it is verified, it is not valid: revocation is never soft-fail
    result = verify_pdf(pdf)
    assert not result.valid
    assert result.signatures[0]["problems"][0]["code"] in ("revocation_unknown", "untrusted")


def test_empty_trust_list_trusts_nothing(db, pki, party_document):
    # given no trust anchors at all (never the operating system's store)
    pdf = _signed_by(pki, pki.people["bi_thu"], party_document)
    result = verify_pdf(pdf, trust_list="empty")
    assert not result.valid and result.signatures[0]["trusted"] is False


def test_unsigned_and_unreadable_files_are_invalid(trusted, party_document):
    unsigned = verify_pdf(party_document.pdf)
    assert not unsigned.valid and unsigned.report["problems"][0]["code"] == "no_signatures"
    garbage = verify_pdf(b"not a pdf at all")
    assert not garbage.valid and garbage.report["problems"][0]["code"] == "unreadable"


def test_report_is_stored_and_json_serialisable(sealed):
    # when an incoming document is verified and the report kept
    stored = verify_and_store(sealed, file_name="04-KH-DU.pdf")

    # then the report round-trips through JSON and says who signed, when, and that all is well
    assert stored.verdict == "valid" and stored.signature_count == 2
    again = VerificationReport.objects.get(pk=stored.pk)
    report = json.loads(json.dumps(again.report))
    person = report["signatures"][0]
    assert person["holder"] == "Nguyễn Văn An" and person["organisation"] == "Đảng ủy xã Vĩnh An"
    assert person["signing_time"].endswith("+07:00")
    assert person["signer"]["issuer"]
    assert "Nguyễn Văn An" in stored.summary


def test_summary_is_vietnamese(sealed):
    # the summary is forced to Vietnamese whatever the request's language (the catalog is committed)
    with translation.override("en"):
        result = verify_pdf(sealed)
    assert result.summary.startswith("Kết quả kiểm tra chữ ký số: HỢP LỆ")
    assert "Toàn vẹn: có" in result.summary
