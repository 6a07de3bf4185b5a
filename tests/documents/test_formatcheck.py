"""The format checker's list (issue 14 §3; S05, S06): the number line and the signature block as each
system writes them, the document's stored type and its issuer, and delegations in force."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from directory import delegations
from directory.models import Body, Delegation, Position
from documents import formatcheck
from documents.models import DocumentType
from engine import inspection, services

DAY = date(2026, 3, 2)


@pytest.fixture
def party(office):
    return Body.objects.get(code="dang_uy_xa")


@pytest.fixture
def state(office):
    return Body.objects.get(code="ubnd_xa")


def kind(code: str) -> DocumentType:
    return DocumentType.objects.get(code=code)


def codes(findings) -> list[str]:
    return [finding.code for finding in findings]


@pytest.mark.parametrize("text", ["Số 06-KH/ĐU", "Số …-KH/ĐU", "Số ...-KH/ĐU", "Số -KH/ĐU", "Số  06 - KH / ĐU"])
def test_a_party_number_in_party_style_passes(party, text):
    assert formatcheck.check_number(text, document_type=kind("ke_hoach"), body=party) == []


def test_s05_a_party_plan_typed_in_state_style_is_caught_with_what_it_should_read(party):
    [finding] = formatcheck.check_number("Số: 05/KH-ĐU", document_type=kind("ke_hoach"), body=party)
    assert (finding.code, finding.field, finding.expected) == ("wrong_style", "number", "Số 05-KH/ĐU")
    assert "Số: 05/KH-ĐU" in finding.message


def test_s06_a_state_decision_in_party_style_is_caught(state):
    assert formatcheck.check_number("Số: 15/QĐ-UBND", document_type=kind("quyet_dinh"), body=state) == []
    [finding] = formatcheck.check_number("Số 15-QĐ/UBND", document_type=kind("quyet_dinh"), body=state)
    assert (finding.code, finding.expected) == ("wrong_style", "Số: 15/QĐ-UBND")


def test_the_type_is_the_stored_one_never_guessed_from_the_notation(party, state):
    # a Party Quy định is "QĐ" like a Quyết định; the State's Quy định is "QyĐ"
    assert formatcheck.check_number("Số 03-QĐ/ĐU", document_type=kind("quy_dinh_dang"), body=party) == []
    [finding] = formatcheck.check_number("Số: 03/QĐ-UBND", document_type=kind("quy_dinh"), body=state)
    assert (finding.code, finding.expected) == ("wrong_type", "Số: 03/QyĐ-UBND")
    assert codes(formatcheck.check_number("Số 06-NQ/ĐU", document_type=kind("ke_hoach"), body=party)) == ["wrong_type"]


def test_the_issuer_is_the_body_s_abbreviation(party):
    [finding] = formatcheck.check_number("Số 06-KH/TU", document_type=kind("ke_hoach"), body=party)
    assert (finding.code, finding.expected) == ("wrong_issuer", "Số 06-KH/ĐU")


def test_state_numbers_below_ten_take_a_leading_zero(state):
    assert codes(formatcheck.check_number("Số: 5/QĐ-UBND", document_type=kind("quyet_dinh"), body=state)) == [
        "leading_zero"]
    assert formatcheck.check_number("Số: 05/QĐ-UBND", document_type=kind("quyet_dinh"), body=state) == []


def test_a_state_cong_van_names_its_issuer_then_the_unit(state):
    assert formatcheck.check_number("Số: 12/UBND-VX", document_type=kind("cong_van"), body=state) == []
    [finding] = formatcheck.check_number("Số: 12/VX-UBND", document_type=kind("cong_van"), body=state)
    assert (finding.code, finding.expected) == ("wrong_issuer", "Số: 12/UBND-VX")


def test_what_cannot_be_read_is_said_with_the_form_to_use(party):
    [finding] = formatcheck.check_number("Kế hoạch số sáu", document_type=kind("ke_hoach"), body=party)
    assert (finding.code, finding.expected) == ("unreadable", "Số …-KH/ĐU")


def test_s05_the_party_committee_signs_on_behalf_of_the_collective(party):
    phobithu = User.objects.get(username="phobithu")
    check = formatcheck.check_signature_block
    assert check("T/M BAN THƯỜNG VỤ / PHÓ BÍ THƯ", signer=phobithu, body=party, day=DAY) == []
    assert check("T/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ", signer=phobithu, body=party, day=DAY) == []
    [style] = check("TM. BAN THƯỜNG VỤ / PHÓ BÍ THƯ", signer=phobithu, body=party, day=DAY)
    assert (style.code, style.expected) == ("wrong_style", "T/M")
    assert codes(check("PHÓ BÍ THƯ", signer=phobithu, body=party, day=DAY)) == ["collective"]
    assert codes(check("K/T BÍ THƯ / PHÓ BÍ THƯ", signer=phobithu, body=party, day=DAY)) == [
        "collective", "no_delegation"]
    [position] = check("T/M BAN THƯỜNG VỤ / BÍ THƯ", signer=phobithu, body=party, day=DAY)
    assert position.code == "wrong_position" and "Phó Bí thư Thường trực Đảng ủy" in position.message


def test_s06_signing_on_behalf_needs_a_written_delegation_in_force(state):
    chutich, phochutich = User.objects.get(username="chutich"), User.objects.get(username="phochutich")
    block = "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    [missing] = formatcheck.check_signature_block(block, signer=phochutich, body=state, day=DAY)
    assert missing.code == "no_delegation" and "02/03/2026" in missing.message

    given = delegations.delegate(kind=Delegation.Kind.KY_THAY, position=Position.objects.get(title="Chủ tịch UBND xã"),
                                 delegator=chutich, delegate_to=phochutich, document="01/QĐ-UBND",
                                 valid_from=date(2026, 1, 1))
    assert formatcheck.check_signature_block(block, signer=phochutich, body=state, day=DAY) == []
    assert codes(formatcheck.check_signature_block(block, signer=phochutich, body=state, day=date(2025, 12, 31))) == [
        "no_delegation"]  # not yet in force
    [style] = formatcheck.check_signature_block("K/T CHỦ TỊCH / PHÓ CHỦ TỊCH", signer=phochutich, body=state, day=DAY)
    assert (style.code, style.expected) == ("wrong_style", "KT.")

    delegations.revoke(given, at=timezone.make_aware(timezone.datetime(2026, 2, 1, 9)))
    assert codes(formatcheck.check_signature_block(block, signer=phochutich, body=state, day=DAY)) == [
        "no_delegation"]


def test_an_empty_block_is_said(party):
    [finding] = formatcheck.check_signature_block(" \n ", signer=User.objects.get(username="bithu"), body=party,
                                                  day=DAY)
    assert finding.code == "missing"


def test_the_format_check_runs_as_a_service_task_and_lists_its_findings(office, deploy_bpmn):
    deploy_bpmn(FORMAT_CHECK, "format_check")
    instance = services.start("format_check", body="dang_uy_xa", data={
        "document_type": "ke_hoach", "number_text": "Số: 05/KH-ĐU", "signer": "phobithu",
        "signature_block": "T/M BAN THƯỜNG VỤ / PHÓ BÍ THƯ"})
    checked = inspection.data_of(instance)["checked"]
    assert checked["ok"] is False and [f["code"] for f in checked["findings"]] == ["wrong_style"]
    assert checked["findings"][0]["expected"] == "Số 05-KH/ĐU"


FORMAT_CHECK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="format_check" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:serviceTask id="check" name="Kiểm tra thể thức">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="documents.check_format" resultVariable="checked">
          <spiffworkflow:parameters/>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_chief_of_office_signs_by_order_of_the_standing_committee(party):
    """The routing table has the Chánh Văn phòng sign a Party giấy mời "T/L BAN THƯỜNG VỤ" (HD 36 §1.7.1):
    by order is no breach of the collective rule, once the written delegation is in force."""
    chanhvp, bithu = User.objects.get(username="chanhvp"), User.objects.get(username="bithu")
    block = "T/L BAN THƯỜNG VỤ / CHÁNH VĂN PHÒNG"
    assert codes(formatcheck.check_signature_block(block, signer=chanhvp, body=party, day=DAY)) == ["no_delegation"]
    delegations.delegate(kind=Delegation.Kind.THUA_LENH, position=Position.objects.get(title="Bí thư Đảng ủy"),
                         delegator=bithu, delegate_to=chanhvp, document="01-QĐ/ĐU", valid_from=date(2026, 1, 1))
    assert formatcheck.check_signature_block(block, signer=chanhvp, body=party, day=DAY) == []
