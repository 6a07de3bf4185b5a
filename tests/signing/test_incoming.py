"""S03 through the engine: an incoming PDF whose signatures do not verify is returned to the sender
by the incoming-document process without being registered; a valid one goes on to registration; an
unsigned one (a scan) is neither: the clerk looks at it and decides."""

import pytest

from documents import blobs
from documents.models import Document, HandlingStatus
from engine import inspection, services
from engine.exceptions import InvalidData
from engine.models import InstanceStatus, Notification, ProcessInstance, Task, TaskStatus
from signing import documents, images, stamps
from signing.keys import CachedKeySigner
from signing.models import FileKind, VerificationReport
from signing.render import PERSON_FIELD
from signing.sign import sign_pdf
from signing.tsa import LocalTimeStamper
from signing.verify import verify_and_store


@pytest.fixture
def clerk(make_user, catalog_deployed):
    return make_user("vanthu", "van_thu")


def received(pdf: bytes, clerk, name="132-CV-TU.pdf") -> VerificationReport:
    """What the upload endpoint does: keep the file and its verification report."""
    row = documents.store(pdf, kind=FileKind.INCOMING, file_name=name, created_by=clerk)
    return verify_and_store(pdf, file_name=name, file=row, created_by=clerk)


def signed_by_rogue_ca(pki, document) -> bytes:
    """Signed by a foreign system with a certificate from a CA that copies the real names."""
    issued = pki.rogue_person
    chain = [pki.rogue_intermediate.asn1_cert, pki.rogue_root.asn1_cert]
    signer = CachedKeySigner(private_key=issued.key, signing_cert=issued.asn1_cert, chain=chain)
    tsa = LocalTimeStamper(tsa_cert=pki.tsa.asn1_cert, private_key=pki.tsa.key,
                           chain=[pki.intermediate.asn1_cert, pki.root.asn1_cert])
    return sign_pdf(document.pdf, signer=signer, field_name=PERSON_FIELD, timestamper=tsa,
                    stamp_style=stamps.image_style(images.demo_signature_png(issued.holder.name))).pdf


def assert_returned_unregistered(instance, report, clerk):
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert not Task.objects.filter(instance=instance).exists()  # never reached receive, let alone register
    data = inspection.workflow_of(instance).data
    assert data["valid"] is False
    document = Document.objects.get(pk=data["document_id"])
    assert (document.status, document.arrival_number) == (HandlingStatus.RETURNED, None)
    assert data["signature_check"] == {**data["signature_check"], "checked": True, "valid": False,
                                       "verdict": "invalid", "verification_id": report.pk}
    assert data["reject_reason"].startswith("Chữ ký số không hợp lệ.")
    assert report.summary in data["reject_reason"]
    assert "KHÔNG HỢP LỆ" in data["reject_reason"]
    assert Notification.objects.filter(user=clerk, instance=instance, kind="signature_invalid").count() == 1
    report.refresh_from_db()
    assert report.instance_id == instance.pk


def test_content_changed_after_signing_is_returned_without_registration(clerk, sealed):
    # given a document whose content was changed after it was signed and sealed
    report = received(sealed.replace(b"595.2756", b"595.2757", 1), clerk)
    assert report.verdict == "invalid"

    # when the incoming-document process starts with its verification report
    instance = services.start("incoming_document", actor=clerk, data={"verification_id": report.pk})

    # then it is returned to the sender with the Vietnamese report as the reason, never registered
    assert_returned_unregistered(instance, report, clerk)


def test_signature_from_an_untrusted_ca_is_returned(clerk, pki, trusted, signing_settings, party_document):
    # given a document signed with a certificate of a CA the trust list does not hold
    report = received(signed_by_rogue_ca(pki, party_document), clerk)
    assert report.report["signatures"][0]["trusted"] is False

    instance = services.start("incoming_document", actor=clerk, data={"verification_id": report.pk})

    assert_returned_unregistered(instance, report, clerk)


def clerk_receives_unsigned(clerk, party_document):
    """An unsigned PDF (a scan of a paper document) started as an incoming document: the receive
    task it reaches, and the check shown on that task's form."""
    report = received(party_document.pdf, clerk, name="ban-quet.pdf")
    assert report.verdict == "unsigned"
    instance = services.start("incoming_document", actor=clerk, data={"verification_id": report.pk})
    receive = Task.objects.get(instance=instance, status=TaskStatus.OPEN)
    check = inspection.workflow_of(instance).get_task_from_id(receive.pk).data["signature_check"]
    return instance, receive, check, report


@pytest.mark.parametrize("decision", ["register", "return"])
def test_an_unsigned_pdf_goes_to_the_clerk_who_decides(clerk, trusted, party_document, decision):
    # given an unsigned PDF: neither valid nor invalid, nothing decides for the clerk
    instance, receive, check, report = clerk_receives_unsigned(clerk, party_document)

    # then it is not returned or notified, but waits in the clerk's receive task with the check shown
    assert receive.bpmn_id == "receive"
    assert check == {**check, "checked": True, "valid": False, "verdict": "unsigned", "verification_id": report.pk,
                     "signature_count": 0, "summary": report.summary}
    assert not Notification.objects.filter(instance=instance).exists()
    report.refresh_from_db()
    assert report.instance_id == instance.pk

    # and the clerk decides: register it, or return it with a reason
    if decision == "register":
        services.complete(receive, data={"valid": True}, actor=clerk)
        assert Task.objects.get(instance=instance, status=TaskStatus.OPEN).bpmn_id == "register"
    else:
        services.complete(receive, data={"valid": False, "reject_reason": "Bản quét không rõ chữ ký, con dấu."},
                          actor=clerk)
        instance.refresh_from_db()
        assert instance.status == InstanceStatus.COMPLETED
        data = inspection.workflow_of(instance).data
        assert data["reject_reason"] == "Bản quét không rõ chữ ký, con dấu."
        assert Document.objects.get(pk=data["document_id"]).status == HandlingStatus.RETURNED
    assert not Notification.objects.filter(instance=instance, kind="signature_invalid").exists()


def test_valid_signatures_go_on_to_registration(clerk, sealed):
    # given a document signed by the Bí thư and sealed by the Đảng ủy, both valid
    report = received(sealed, clerk)
    assert report.verdict == "valid"

    # when the process starts with its report
    instance = services.start("incoming_document", actor=clerk, data={"verification_id": report.pk})

    # then the clerk receives it (with the check result in the data) and can register it
    receive = Task.objects.get(instance=instance, status=TaskStatus.OPEN)
    assert receive.bpmn_id == "receive"
    check = inspection.workflow_of(instance).get_task_from_id(receive.pk).data["signature_check"]
    assert (check["checked"], check["valid"], check["signature_count"]) == (True, True, 2)
    services.complete(receive, data={"valid": True}, actor=clerk)
    assert Task.objects.get(instance=instance, status=TaskStatus.OPEN).bpmn_id == "register"
    assert not Notification.objects.filter(instance=instance).exists()


def test_paper_documents_without_a_report_are_received_as_before(clerk):
    instance = services.start("incoming_document", actor=clerk, data={"subject": "Công văn giấy"})

    receive = Task.objects.get(instance=instance, status=TaskStatus.OPEN)
    assert receive.bpmn_id == "receive"
    assert inspection.workflow_of(instance).get_task_from_id(receive.pk).data["signature_check"]["checked"] is False


def test_a_report_belongs_to_one_document_and_its_uploader(clerk, make_user, sealed):
    report = received(sealed, clerk)
    other_clerk = make_user("vanthu2", "van_thu")

    # another clerk cannot start a process on someone else's upload
    with pytest.raises(InvalidData) as raised:
        services.start("incoming_document", actor=other_clerk, data={"verification_id": report.pk})
    assert "verification_id" in raised.value.errors
    # unknown ids are refused the same way, and nothing is stored
    with pytest.raises(InvalidData):
        services.start("incoming_document", actor=clerk, data={"verification_id": 987654})
    with pytest.raises(InvalidData):
        services.start("incoming_document", actor=clerk, data={"verification_id": "abc"})
    assert not ProcessInstance.objects.exists()

    # the same report cannot be registered as a second incoming document
    first = services.start("incoming_document", actor=clerk, data={"verification_id": report.pk})
    with pytest.raises(InvalidData):
        services.start("incoming_document", actor=clerk, data={"verification_id": report.pk})
    assert list(ProcessInstance.objects.values_list("pk", flat=True)) == [first.pk]


def test_the_verified_pdf_becomes_the_document_s_main_file(clerk, sealed):
    report = received(sealed, clerk)
    instance = services.start("incoming_document", actor=clerk, data={"verification_id": report.pk})
    document = Document.objects.get(processes__instance=instance)
    [main] = document.files.all()
    assert (main.role, main.name, main.blob_id) == ("main", "132-CV-TU.pdf", report.file.sha256)
    assert blobs.read(main.blob) == sealed
