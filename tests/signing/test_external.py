"""Two-step signing: the server prepares, a USB token or remote service signs the digest, the
server embeds it. The key never reaches the server."""

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils
from django.utils import timezone

from signing import exceptions
from signing.external import (
    complete_external_signature,
    expire_abandoned_requests,
    prepare_external_signature,
)
from signing.models import KeyStorage, RequestStatus, SignaturePurpose, SignatureRequest
from signing.sign import sign_as_organisation
from signing.verify import verify_pdf

pytestmark = pytest.mark.django_db


def token_sign(private_key, digest: bytes) -> bytes:
    """What a USB token (VGCA Sign Service) or a remote signing service does: sign a SHA-256
    digest it is given, without seeing the document."""
    return private_key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))


def test_two_step_signature_with_the_right_key_is_valid(register, pki, party_document):
    # given the Bí thư whose key lives on a USB token only
    person = register("bi_thu", storage=KeyStorage.EXTERNAL)

    # when the server prepares, the token signs the digest, and the server completes
    prepared = prepare_external_signature(pdf=party_document.pdf, certificate=person,
                                          approved_sha256=party_document.sha256, purpose=SignaturePurpose.PERSON)
    signature = token_sign(pki.people["bi_thu"].key, prepared.digest)
    signed = complete_external_signature(request_id=prepared.request_id, signature=signature,
                                         certificate=pki.people["bi_thu"].cert_der)

    # then the document carries a valid B-T signature of the Bí thư, and the request is closed
    result = verify_pdf(signed.pdf)
    assert result.valid, result.summary
    assert result.signatures[0]["holder"] == "Nguyễn Văn An"
    assert result.signatures[0]["timestamp_time"] and result.signatures[0]["level"] == "B-LT"
    assert signed.level == "B-LT"
    request = SignatureRequest.objects.get(pk=prepared.request_id)
    assert request.status == RequestStatus.COMPLETED and bytes(request.result_pdf) == signed.pdf
    assert prepared.signature_algorithm == "rsassa_pkcs1v15" and prepared.digest_algorithm == "sha256"


def test_two_step_personal_signature_lets_the_organisation_sign(register, pki, party_document):
    # given a personal signature made through the two-step flow
    person, organisation = register("bi_thu", storage=KeyStorage.EXTERNAL), register("dang_uy")
    prepared = prepare_external_signature(pdf=party_document.pdf, certificate=person,
                                          approved_sha256=party_document.sha256, purpose=SignaturePurpose.PERSON)
    signed = complete_external_signature(request_id=prepared.request_id, certificate=pki.people["bi_thu"].cert,
                                         signature=token_sign(pki.people["bi_thu"].key, prepared.digest))

    # when the clerk applies the organisation's signature, then both are valid
    sealed = sign_as_organisation(pdf=signed.pdf, certificate=organisation, approved_sha256=party_document.sha256)
    assert verify_pdf(sealed.pdf).valid


def test_two_step_signature_with_the_wrong_key_is_refused(register, pki, party_document):
    # given a prepared request for the Bí thư
    person = register("bi_thu", storage=KeyStorage.EXTERNAL)
    prepared = prepare_external_signature(pdf=party_document.pdf, certificate=person,
                                          approved_sha256=party_document.sha256, purpose=SignaturePurpose.PERSON)

    # when another person's token signs the digest, it is refused and the request stays open
    wrong = token_sign(pki.people["chu_tich"].key, prepared.digest)
    with pytest.raises(exceptions.ExternalSignatureMismatch):
        complete_external_signature(request_id=prepared.request_id, signature=wrong,
                                    certificate=pki.people["bi_thu"].cert_der)
    request = SignatureRequest.objects.get(pk=prepared.request_id)
    assert request.status == RequestStatus.PENDING and request.error

    # and the right token can still finish it
    right = token_sign(pki.people["bi_thu"].key, prepared.digest)
    signed = complete_external_signature(request_id=prepared.request_id, signature=right,
                                         certificate=pki.people["bi_thu"].cert_der)
    assert verify_pdf(signed.pdf).valid


def test_two_step_signature_with_another_certificate_is_refused(register, pki, party_document):
    # given a prepared request for the Bí thư, answered with a consistent key and certificate of someone else
    person = register("bi_thu", storage=KeyStorage.EXTERNAL)
    prepared = prepare_external_signature(pdf=party_document.pdf, certificate=person,
                                          approved_sha256=party_document.sha256, purpose=SignaturePurpose.PERSON)
    other = pki.people["chu_tich"]
    with pytest.raises(exceptions.ExternalSignatureMismatch):
        complete_external_signature(request_id=prepared.request_id, certificate=other.cert_der,
                                    signature=token_sign(other.key, prepared.digest))


def test_prepare_runs_the_same_checks_as_server_signing(register, party_document):
    # an expired token certificate is refused before anything is prepared (S15)
    expired = register("expired", storage=KeyStorage.EXTERNAL)
    with pytest.raises(exceptions.CertificateExpired):
        prepare_external_signature(pdf=party_document.pdf, certificate=expired,
                                   approved_sha256=party_document.sha256, purpose=SignaturePurpose.PERSON)
    assert not SignatureRequest.objects.exists()
    # and a document changed after approval is refused too
    person = register("bi_thu", storage=KeyStorage.EXTERNAL)
    with pytest.raises(exceptions.DocumentChanged):
        prepare_external_signature(pdf=party_document.pdf + b"\n", certificate=person,
                                   approved_sha256=party_document.sha256, purpose=SignaturePurpose.PERSON)


def test_server_refuses_to_use_an_external_key_itself(register, party_document):
    from signing.sign import sign_as_person

    person = register("bi_thu", storage=KeyStorage.EXTERNAL)
    with pytest.raises(exceptions.ExternalKeyOnly):
        sign_as_person(pdf=party_document.pdf, certificate=person, approved_sha256=party_document.sha256)


def test_same_idempotency_key_gives_the_same_request(register, party_document):
    person = register("bi_thu", storage=KeyStorage.EXTERNAL)
    args = {"pdf": party_document.pdf, "certificate": person, "approved_sha256": party_document.sha256,
            "purpose": SignaturePurpose.PERSON, "idempotency_key": "doc-42:person"}
    first, second = prepare_external_signature(**args), prepare_external_signature(**args)
    assert first.request_id == second.request_id and first.digest == second.digest
    assert SignatureRequest.objects.count() == 1


def test_completing_twice_returns_the_same_document(register, pki, party_document):
    person = register("bi_thu", storage=KeyStorage.EXTERNAL)
    prepared = prepare_external_signature(pdf=party_document.pdf, certificate=person,
                                          approved_sha256=party_document.sha256, purpose=SignaturePurpose.PERSON)
    signature = token_sign(pki.people["bi_thu"].key, prepared.digest)
    kwargs = {"request_id": prepared.request_id, "signature": signature,
              "certificate": pki.people["bi_thu"].cert_der}
    assert complete_external_signature(**kwargs).pdf == complete_external_signature(**kwargs).pdf


def test_abandoned_requests_expire(register, pki, party_document):
    # given a request nobody answered
    person = register("bi_thu", storage=KeyStorage.EXTERNAL)
    prepared = prepare_external_signature(pdf=party_document.pdf, certificate=person, ttl_seconds=600,
                                          approved_sha256=party_document.sha256, purpose=SignaturePurpose.PERSON)

    # when the expiry sweep runs after the deadline
    assert expire_abandoned_requests(now=timezone.now() + timedelta(seconds=300)) == 0
    assert expire_abandoned_requests(now=timezone.now() + timedelta(seconds=601)) == 1

    # then the request is expired, its prepared PDF dropped, and a late answer is refused
    request = SignatureRequest.objects.get(pk=prepared.request_id)
    assert request.status == RequestStatus.EXPIRED and bytes(request.prepared_pdf) == b""
    with pytest.raises(exceptions.SignatureRequestClosed):
        complete_external_signature(request_id=prepared.request_id, certificate=pki.people["bi_thu"].cert_der,
                                    signature=token_sign(pki.people["bi_thu"].key, prepared.digest))


def test_late_answer_before_the_sweep_is_refused_as_expired(register, pki, party_document, time_machine):
    person = register("bi_thu", storage=KeyStorage.EXTERNAL)
    prepared = prepare_external_signature(pdf=party_document.pdf, certificate=person, ttl_seconds=60,
                                          approved_sha256=party_document.sha256, purpose=SignaturePurpose.PERSON)
    time_machine.move_to(timezone.now() + timedelta(minutes=5))
    with pytest.raises(exceptions.SignatureRequestExpired):
        complete_external_signature(request_id=prepared.request_id, certificate=pki.people["bi_thu"].cert_der,
                                    signature=token_sign(pki.people["bi_thu"].key, prepared.digest))
    assert SignatureRequest.objects.get(pk=prepared.request_id).status == RequestStatus.EXPIRED


def test_unknown_request_is_reported(db):
    import uuid

    with pytest.raises(exceptions.SignatureRequestNotFound):
        complete_external_signature(request_id=uuid.uuid4(), signature=b"x", certificate=b"")


def test_same_idempotency_key_after_expiry_prepares_afresh(register, pki, party_document):
    person = register("bi_thu", storage=KeyStorage.EXTERNAL)
    args = {"pdf": party_document.pdf, "certificate": person, "approved_sha256": party_document.sha256,
            "purpose": SignaturePurpose.PERSON, "idempotency_key": "doc-43:person", "ttl_seconds": 60}
    first = prepare_external_signature(**args)
    expire_abandoned_requests(now=timezone.now() + timedelta(minutes=2))
    again = prepare_external_signature(**args)
    assert again.request_id == first.request_id and again.expires_at > first.expires_at
    signed = complete_external_signature(request_id=again.request_id, certificate=pki.people["bi_thu"].cert_der,
                                         signature=token_sign(pki.people["bi_thu"].key, again.digest))
    assert verify_pdf(signed.pdf).valid
