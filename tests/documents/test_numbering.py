"""Registers and numbering: gap-free and unique under concurrency, State series from 01 each year,
Party series per type within a committee term, secret documents in their own series, numbers of
cancelled processes on record, duplicates refused (BRIEF §1.8, §2.4; S06 rollover)."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from documents import numbering, records
from documents.models import Direction, Document, DocumentType, EntryStatus, NumberEntry, Register
from engine.exceptions import InvalidData

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def register(body, direction=Direction.INCOMING, secret=False) -> Register:
    return numbering.register_for(body, direction, secret=secret)


def incoming(subject="Công văn", *, notation="", number="", organ="Tỉnh ủy Nghệ An", organ_id="", confidentiality=""):
    return records.save(Document(direction=Direction.INCOMING, body="dang_uy_xa", subject=subject,
                                 code_number=number, code_notation=notation, organ_name=organ, organ_id=organ_id,
                                 confidentiality=confidentiality))


def test_incoming_documents_get_the_next_arrival_numbers_and_secret_ones_their_own(office):
    first, second = incoming("Một"), incoming("Hai")
    secret = incoming("Mật", confidentiality="mat")
    for document in (first, second, secret):
        records.register_incoming(document)
    assert (first.arrival_number, second.arrival_number, secret.arrival_number) == (1, 2, 1)
    assert secret.register == register("dang_uy_xa", secret=True)
    assert first.register == register("dang_uy_xa") and first.status == "registered"


def test_a_state_register_starts_again_from_01_on_the_first_of_january(office):
    ubnd = register("ubnd_xa", Direction.OUTGOING)
    decision = DocumentType.objects.get(code="quyet_dinh")
    last_of_2025 = [numbering.issue(ubnd, when=datetime(2025, 12, 31, 16, 30, tzinfo=VN), document_type=decision)
                    for _ in range(3)]
    first_of_2026 = numbering.issue(ubnd, when=datetime(2026, 1, 2, 8, 0, tzinfo=VN), document_type=decision)
    assert [entry.number for entry in last_of_2025] == [1, 2, 3]
    assert (first_of_2026.number, first_of_2026.series.period) == (1, "2026")
    # the day belongs to Vietnam's calendar: 31/12 23:30 in Hà Nội is 16:30 UTC, still 2025
    late = numbering.issue(ubnd, when=datetime(2025, 12, 31, 23, 30, tzinfo=VN))
    assert (late.number, late.series.period) == (4, "2025")


def test_a_party_register_numbers_each_type_within_the_term_without_a_reset(office):
    party = register("dang_uy_xa", Direction.OUTGOING)
    plan, notice = DocumentType.objects.get(code="ke_hoach"), DocumentType.objects.get(code="thong_bao")
    numbers = [numbering.issue(party, when=datetime(2025, 11, 20, 9, tzinfo=VN), document_type=plan).number
               for _ in range(5)]
    after_new_year = numbering.issue(party, when=datetime(2026, 1, 5, 9, tzinfo=VN), document_type=plan)
    other_type = numbering.issue(party, when=datetime(2026, 1, 5, 9, tzinfo=VN), document_type=notice)
    assert numbers == [1, 2, 3, 4, 5]
    assert (after_new_year.number, after_new_year.series.period) == (6, "2025-2030")  # "Số 06-KH/ĐU"
    assert other_type.number == 1
    # a secret Party plan continues the same series (HD 36 §1.3.1), unlike a State one
    secret = numbering.issue(register("dang_uy_xa", Direction.OUTGOING, secret=True), document_type=plan)
    assert secret.number == 7
    # a new committee term starts every type again from 01
    party.term = "2030-2035"
    party.save()
    assert numbering.issue(party, when=datetime(2030, 11, 1, 9, tzinfo=VN), document_type=plan).number == 1


def test_numbers_of_a_cancelled_process_stay_on_record_as_cancelled(office, make_user):
    from engine import services

    services.deploy({"p.bpmn": WAIT})
    instance = services.start("p", actor=None)
    taken = numbering.issue(register("dang_uy_xa"), instance=instance)
    services.cancel(instance, actor=make_user("boss"), reason="Nhầm")  # documents hears of it in the same step
    taken.refresh_from_db()
    assert (taken.status, taken.note) == (EntryStatus.CANCELLED, "Nhầm")
    assert numbering.issue(register("dang_uy_xa")).number == taken.number + 1  # never given again


def test_a_duplicate_number_notation_and_issuer_is_refused_with_the_appendix_vi_warning(office):
    records.register_incoming(incoming(number="132", notation="CV/TU", organ="Tỉnh ủy Nghệ An"))
    twin = incoming(number="132", notation="CV/TU", organ="tỉnh ủy nghệ an")
    with pytest.raises(InvalidData) as refused:
        records.register_incoming(twin)
    assert "132-CV/TU" in str(refused.value.message) and "code_notation" in refused.value.errors
    assert twin.arrival_number is None
    # the same notation from another issuer is another document
    assert records.register_incoming(incoming(number="132", notation="CV/TU", organ="Huyện ủy")).arrival_number == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_200_concurrent_registrations_get_200_distinct_gap_free_numbers(office):
    from django.core.management import call_command

    call_command("seed_documents", verbosity=0)
    documents = [incoming(f"Văn bản {n}") for n in range(200)]
    start, errors = threading.Barrier(20), []

    def work(batch):
        try:
            start.wait()
            for document in batch:
                with transaction.atomic():
                    records.register_incoming(Document.objects.get(pk=document.pk))
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(documents[n::20],)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    numbers = sorted(Document.objects.values_list("arrival_number", flat=True))
    assert numbers == list(range(1, 201))
    assert NumberEntry.objects.filter(status=EntryStatus.ISSUED).count() == 200


WAIT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="u" name="Chờ"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="candidateGroups" value="van_thu"/>
    </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u"/><bpmn:sequenceFlow id="f2" sourceRef="u" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_the_number_and_the_registration_are_stored_together(office):
    # on PostgreSQL one statement takes the number, records it and writes it on the document
    document = incoming("Một", number="7", notation="CV/TU")
    records.register_incoming(document)
    stored = Document.objects.get(pk=document.pk)
    entry = NumberEntry.objects.get(document=document)
    assert (stored.arrival_number, stored.status, stored.register) == (1, "registered", register("dang_uy_xa"))
    assert stored.arrival_date == document.arrival_date and stored.search_text == records.index_text(document)
    assert (entry.number, entry.series.last_number, entry.status) == (1, 1, EntryStatus.ISSUED)


def test_a_document_that_is_not_stored_takes_no_number(office):
    unsaved = Document(direction=Direction.INCOMING, body="dang_uy_xa", subject="Chưa lưu", organ_name="Huyện ủy")
    with pytest.raises(Document.DoesNotExist), transaction.atomic():
        records.register_incoming(unsaved)
    assert not NumberEntry.objects.exists()
    assert records.register_incoming(incoming("Sau đó")).arrival_number == 1  # nothing was consumed


def test_the_issuer_is_compared_by_agency_code_when_the_document_has_one(office):
    coded = {"number": "9", "notation": "QĐ-UBND", "organ_id": "000.00.00.H41"}
    records.register_incoming(incoming(organ="UBND tỉnh Nghệ An", **coded))
    with pytest.raises(InvalidData):  # the same code under another name: the same issuer
        records.register_incoming(incoming(organ="Ủy ban nhân dân tỉnh Nghệ An", **coded))
    # the same name under another code is another issuer
    other = incoming(organ="UBND tỉnh Nghệ An", **dict(coded, organ_id="000.00.00.H42"))
    assert records.register_incoming(other).arrival_number == 2
    # a name with the wildcard characters of LIKE matches only itself
    records.register_incoming(incoming(number="1", notation="TB", organ="Ban_A 100%"))
    assert records.register_incoming(incoming(number="1", notation="TB", organ="BanXA 1000")).arrival_number == 4
    with pytest.raises(InvalidData):
        records.register_incoming(incoming(number="1", notation="TB", organ="ban_a 100%"))
