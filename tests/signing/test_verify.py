"""Verification of incoming PDFs against the configured trust roots (S01, S03)."""

import datetime as dt
import io
import json
import re

import pytest
from cryptography.hazmat.primitives import serialization
from django.utils import translation
from django.utils.translation import gettext
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signing import images, stamps, trust
from signing.keys import CachedKeySigner
from signing.models import RevocationList, VerificationReport
from signing.render import PERSON_FIELD
from signing.sign import sign_pdf
from signing.testing.pki import _crl
from signing.tsa import LocalTimeStamper
from signing.verify import verify_and_store, verify_pdf

pytestmark = pytest.mark.django_db

#: A library enum name such as CERTIFICATE_CHAIN_GENERAL_FAILURE: never shown to people.
ENUM_NAME = re.compile(r"\b[A-Z]+(?:_[A-Z]+)+\b")


def vi(message: str) -> str:
    """What the report says for ``message`` (the report is always Vietnamese, once translated)."""
    with translation.override("vi"):
        return gettext(message)


def codes(sig: dict) -> list[str]:
    return [problem["code"] for problem in sig["problems"]]


def assert_no_library_names(result):
    texts = [result.summary, *(p["message"] for s in result.signatures for p in s["problems"]),
             *(p["message"] for p in result.report["problems"])]
    assert not [text for text in texts if ENUM_NAME.search(text)], texts


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


def test_altered_signed_content_is_not_also_reported_as_unchanged(sealed):
    # given a signed and sealed document altered inside the signed bytes (no new revision)
    tampered = sealed.replace(b"595.2756", b"595.2757", 1)

    # when it is verified
    result = verify_pdf(tampered)

    # then each signature says one thing: its signed content was altered; neither "nothing was
    # changed after signing" nor "only signatures were added" (pyHanko's revision comparison cannot
    # see an edit inside a signed revision)
    for sig in result.signatures:
        assert codes(sig) == ["not_intact"]
        assert sig["changes_after_signing"] == "altered"
    assert vi("Nothing was changed after signing.") not in result.summary
    assert vi("Only further signatures or form fields were added after signing.") not in result.summary


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
    assert sig["problems"][0]["message"] == vi("The signing certificate does not chain to a trusted root.")
    assert not result.valid


def test_revoked_signer_is_reported_as_revoked(trusted, pki, party_document):
    # given a document signed elsewhere with a certificate that is on the CRL
    pdf = _signed_by(pki, pki.revoked, party_document)

    # when it is verified, then revocation is the reason
    (sig,) = verify_pdf(pdf).signatures
    assert sig["revoked"] is True and sig["valid"] is False
    assert sig["problems"][0]["code"] == "revoked"


def test_a_revoked_ca_is_not_reported_as_a_revoked_signer(trusted, pki, party_document):
    # given a document signed by a valid certificate whose CA the root has since revoked
    pdf = _signed_by(pki, pki.people["bi_thu"], party_document)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    revoked_ca = _crl(pki.root, revoked=[(pki.intermediate, now - dt.timedelta(minutes=30))], now=now, number=2)
    trust.add_crl(crl=revoked_ca.public_bytes(serialization.Encoding.DER))

    # when it is verified, then the revocation is the reason, and it is the CA's, not the signer's
    (sig,) = verify_pdf(pdf).signatures
    assert codes(sig)[0] == "revoked" and sig["valid"] is False
    assert sig["problems"][0]["message"].startswith(vi(
        "A certificate authority above the signing certificate was revoked on %(date)s.").split("%")[0])


NO_CRL_OF_THE_SIGNERS_CA = ("The revocation status of the signing certificate cannot be checked: no valid, current "
                            "revocation list (CRL) of its issuer is available.")
NO_CRL_OF_THE_ROOT = ("The revocation status of a certificate authority above the signing certificate cannot be "
                      "checked: no valid, current revocation list (CRL) of its issuer is available.")


@pytest.mark.parametrize(("crl_kept", "reason"), [(None, NO_CRL_OF_THE_ROOT), ("root", NO_CRL_OF_THE_SIGNERS_CA)],
                         ids=["no CRL at all", "no CRL of the signer's CA"])
def test_missing_revocation_data_is_reported_as_such(trusted, pki, party_document, crl_kept, reason):
    # given a correctly signed document and its root in the trust list, but not every CRL stored
    pdf = _signed_by(pki, pki.people["bi_thu"], party_document)
    RevocationList.objects.all().delete()
    if crl_kept == "root":
        trust.add_crl(crl=pki.crls_der[1])  # the root's CRL (about the intermediate), not the intermediate's

    # when it is verified
    result = verify_pdf(pdf)

    # then it is not valid (revocation is never soft-fail), and the reason given is the true one:
    # the revocation status cannot be checked, for the signature and for its timestamp; the root is
    # not said to be untrusted, and no library enum name is shown
    (sig,) = result.signatures
    assert not result.valid and sig["valid"] is False
    assert codes(sig) == ["revocation_unknown", "timestamp_revocation_unknown"]
    assert sig["problems"][0]["message"] == vi(reason)
    assert (sig["revoked"], sig["revocation"]) == (False, "unknown")
    assert vi("The signing certificate cannot be verified against the trust list.") not in result.summary
    not_revoked = vi("Integrity: %(integrity)s; trusted: %(trusted)s; revoked: %(revoked)s") % {
        "integrity": vi("yes"), "trusted": vi("no"), "revoked": vi("no")}
    assert not_revoked not in result.summary  # unknown is not "not revoked"
    assert_no_library_names(result)


def test_a_chain_failure_of_no_known_kind_gets_an_honest_reason(trusted, pki, party_document):
    # given a signature checked at a time when the intermediate CA has expired: a failure pyHanko
    # reports only as a general chain failure
    pdf = _signed_by(pki, pki.people["bi_thu"], party_document)
    later = trust.validation_context(at=dt.datetime(2040, 1, 1, tzinfo=dt.UTC))

    result = verify_pdf(pdf, validation_context=later)

    # then the report says it cannot be verified against the trust list, never why in enum names
    (sig,) = result.signatures
    assert codes(sig) == ["untrusted", "timestamp_untrusted"]
    assert sig["problems"][0]["message"] == vi("The signing certificate cannot be verified against the trust list.")
    assert_no_library_names(result)


def test_empty_trust_list_trusts_nothing(db, pki, party_document):
    # given no trust anchors at all (never the operating system's store)
    pdf = _signed_by(pki, pki.people["bi_thu"], party_document)
    result = verify_pdf(pdf, trust_list="empty")
    assert not result.valid and result.signatures[0]["trusted"] is False


def test_an_unsigned_pdf_is_unsigned_not_invalid(trusted, party_document):
    # given a readable PDF without any signature (a scan of a paper document)
    result = verify_pdf(party_document.pdf)

    # then it has its own verdict: not valid, but not invalid either; the clerk checks it
    assert result.report["verdict"] == "unsigned" and not result.valid
    assert [p["code"] for p in result.report["problems"]] == ["no_signatures"]
    assert result.summary.startswith(vi("Signature verification result: %(verdict)s") % {
        "verdict": vi("NO DIGITAL SIGNATURE")})
    assert vi("INVALID") not in result.summary
    assert vi("The document carries no digital signature (for example, a scan of a paper document). The clerk "
              "must check it and decide whether to register it or return it.") in result.summary
    stored = verify_and_store(party_document.pdf, file_name="ban-quet.pdf")
    assert stored.verdict == "unsigned" and stored.signature_count == 0
    with translation.override("en"):
        assert stored.get_verdict_display() == "No digital signature"


def test_an_unreadable_file_is_invalid(trusted):
    garbage = verify_pdf(b"not a pdf at all")
    assert not garbage.valid and garbage.report["verdict"] == "invalid"
    assert garbage.report["problems"][0]["code"] == "unreadable"


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
