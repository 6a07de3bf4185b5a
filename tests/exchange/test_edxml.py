"""The edXML packet (QCVN 102:2016/BTTTT, SĐ1:2022; the shared domain note EDXML.md): what is built reads
back unchanged, the note's reference examples read, every malformed packet is refused naming where, a
built packet has the structure receivers expect, and the differences between real senders are read."""

import base64
import io
import os
import re
import zipfile
from datetime import date, datetime

import pytest
from lxml import etree

from engine.exceptions import InvalidData
from exchange.edxml import (
    NAMESPACE,
    VIETNAM_TIME,
    Attachment,
    Business,
    BusinessType,
    DocumentKind,
    DocumentPacket,
    Organ,
    PacketDocument,
    PacketError,
    Priority,
    Receiver,
    ReceiverType,
    Replacement,
    ResponseFor,
    StaffInfo,
    StatusCode,
    StatusPacket,
    TraceHop,
    build_document_packet,
    build_status_packet,
    make_document_id,
    parse,
)

NS = {"e": NAMESPACE}
TODAY = date(2024, 6, 1)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
DOCUMENT_ID = "000.00.00.G22,2024/05/20,7816/VPCP-TTĐT"

# EDXML.md §5, as written there, except that the note elides the file's Base64 ("JVBERi0xLjcK…"):
# "JVBERi0xLjcK" is "%PDF-1.7\n".
EXAMPLE_DOCUMENT = """<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
 <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLHeader>
   <edXML:MessageHeader>
    <edXML:From><edXML:OrganId>000.00.00.G22</edXML:OrganId><edXML:OrganName>Văn phòng Chính phủ</edXML:OrganName></edXML:From>
    <edXML:To><edXML:OrganId>000.00.00.H41</edXML:OrganId><edXML:OrganName>UBND tỉnh Nghệ An</edXML:OrganName></edXML:To>
    <edXML:Code><edXML:CodeNumber>7816</edXML:CodeNumber><edXML:CodeNotation>VPCP-TTĐT</edXML:CodeNotation></edXML:Code>
    <edXML:PromulgationInfo><edXML:Place>Hà Nội</edXML:Place><edXML:PromulgationDate>2024/05/20</edXML:PromulgationDate></edXML:PromulgationInfo>
    <edXML:DocumentType><edXML:Type>2</edXML:Type><!--U: 2 vs 18--><edXML:TypeDetail>18</edXML:TypeDetail><edXML:TypeName>Công văn</edXML:TypeName></edXML:DocumentType>
    <edXML:Subject>V/v kết nối liên thông văn bản</edXML:Subject>
    <edXML:SignerInfo><edXML:Competence>KT. BỘ TRƯỞNG, CHỦ NHIỆM</edXML:Competence><edXML:Position>PHÓ CHỦ NHIỆM</edXML:Position><edXML:FullName>Nguyễn Văn A</edXML:FullName></edXML:SignerInfo>
    <edXML:OtherInfo><edXML:Priority>0</edXML:Priority><edXML:PromulgationAmount>1</edXML:PromulgationAmount><edXML:PageAmount>2</edXML:PageAmount></edXML:OtherInfo>
    <edXML:SteeringType>0</edXML:SteeringType><!--U-->
    <edXML:DocumentId>000.00.00.G22,2024/05/20,7816/VPCP-TTĐT</edXML:DocumentId>
   </edXML:MessageHeader>
   <edXML:TraceHeaderList>
    <edXML:TraceHeader><edXML:OrganId>000.00.00.G22</edXML:OrganId><edXML:Timestamp>2024/05/20 09:00:00</edXML:Timestamp></edXML:TraceHeader>
    <edXML:Bussiness><edXML:BussinessDocType>0</edXML:BussinessDocType><edXML:BussinessDocReason>Văn bản mới</edXML:BussinessDocReason><edXML:Paper>0</edXML:Paper></edXML:Bussiness>
   </edXML:TraceHeaderList>
   <!-- optional XMLDSig <Signature> here -->
  </edXML:edXMLHeader>
  <edXML:edXMLBody><edXML:edXMLManifest version="1.0">
   <edXML:Reference><edXML:ContentId>cid:6f1c0c2e</edXML:ContentId><edXML:ContentType>application/pdf</edXML:ContentType>
    <edXML:Description>Văn bản chính</edXML:Description><edXML:AttachmentName>7816-VPCP.pdf</edXML:AttachmentName></edXML:Reference>
  </edXML:edXMLManifest></edXML:edXMLBody>
 </edXML:edXMLEnvelope>
 <AttachmentEncoded><Attachment><ContentId>cid:6f1c0c2e</ContentId><AttachmentName>7816-VPCP.pdf</AttachmentName>
  <ContentType>application/pdf</ContentType><ContentTransferEncoded>JVBERi0xLjcK</ContentTransferEncoded></Attachment></AttachmentEncoded>
</edXML>
"""  # noqa: E501 - the note's lines, unchanged

EXAMPLE_STATUS = """<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
 <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLHeader>
   <edXML:Status><!--U: some senders use edXML:MessageHeader here-->
    <edXML:From><edXML:OrganId>000.00.00.H41</edXML:OrganId><edXML:OrganName>UBND tỉnh Nghệ An</edXML:OrganName></edXML:From>
    <edXML:ResponseFor><edXML:OrganId>000.00.00.G22</edXML:OrganId><edXML:Code>7816/VPCP-TTĐT</edXML:Code>
     <edXML:PromulgationDate>2024/05/20</edXML:PromulgationDate><edXML:DocumentId>000.00.00.G22,2024/05/20,7816/VPCP-TTĐT</edXML:DocumentId></edXML:ResponseFor>
    <edXML:StaffInfo><edXML:Department>Văn thư</edXML:Department><edXML:Staff>Trần Thị B</edXML:Staff></edXML:StaffInfo>
    <edXML:StatusCode>03</edXML:StatusCode>
    <edXML:Description>Văn thư đã tiếp nhận</edXML:Description>
    <edXML:Timestamp>2024/05/20 10:15:00</edXML:Timestamp>
   </edXML:Status>
  </edXML:edXMLHeader>
 </edXML:edXMLEnvelope>
</edXML>
"""  # noqa: E501 - the note's lines, unchanged

SENDER = Organ("000.00.00.G22", "Văn phòng Chính phủ", organization_in_charge="Chính phủ",
               address="16 Lê Hồng Phong, Ba Đình, Hà Nội", email="vpcp@chinhphu.vn", telephone="080 43162",
               fax="080 44130", website="https://vpcp.chinhphu.vn")
RECIPIENTS = (Organ("000.00.00.H41", "UBND tỉnh Nghệ An"), Organ("000.00.00.H26", "UBND thành phố Hà Nội"))
ATTACHMENTS = (
    Attachment("7816-VPCP.pdf", "application/pdf", PDF, "Văn bản chính"),
    Attachment("phu-luc.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               b"PK\x03\x04 not really a docx \x00\xff", "Phụ lục"),
)
TRACE = (TraceHop("000.00.00.G22", datetime(2024, 5, 20, 9, 0, 0, tzinfo=VIETNAM_TIME)),
         TraceHop("000.00.00.G22.TRUC", datetime(2024, 5, 20, 9, 0, 5, tzinfo=VIETNAM_TIME)))
CLERK = StaffInfo("Văn thư", "Trần Thị B", "0912345678", "vanthu@chinhphu.vn")
BUSINESSES = {
    "new": Business(reason="Văn bản mới", staff=CLERK),
    "revoke": Business(doc_type=BusinessType.REVOKE, reason="Ban hành nhầm đối tượng", document_id=DOCUMENT_ID,
                       paper=True, staff=CLERK),
    "update": Business(doc_type=BusinessType.UPDATE, reason="Bổ sung nơi nhận", document_id=DOCUMENT_ID,
                       receivers_changed=True, receivers=(Receiver("000.00.00.H26", ReceiverType.ADDED),
                                                          Receiver("000.00.00.H29", ReceiverType.REMOVED))),
    "replace": Business(doc_type=BusinessType.REPLACE, reason="Thay thế văn bản ban hành sai",
                        replacements=(Replacement("000.00.00.G22,2024/05/10,7700/VPCP-TTĐT",
                                                  ("000.00.00.H41", "000.00.00.H26")),
                                      Replacement("000.00.00.G22,2024/05/11,7701/VPCP-TTĐT", ("000.00.00.H41",)))),
}


def a_document(**changes) -> PacketDocument:
    """Every field of MessageHeader set."""
    fields = {
        "code_number": "7816", "code_notation": "VPCP-TTĐT", "issued_date": date(2024, 5, 20),
        "subject": "V/v kết nối liên thông văn bản", "place": "Hà Nội",
        "document_type": DocumentKind(2, 18, "Công văn"), "content": "Đề nghị các bộ, ngành, địa phương kết nối",
        "signer_competence": "KT. BỘ TRƯỞNG, CHỦ NHIỆM", "signer_position": "PHÓ CHỦ NHIỆM",
        "signer_name": "Nguyễn Văn A", "due_date": date(2024, 6, 30), "to_places": ("Như trên;", "Lưu: VT, TTĐT (2b)."),
        "priority": Priority.URGENT, "sphere_of_promulgation": "Toàn quốc", "typer_notation": "TTĐT",
        "promulgation_amount": 3, "page_amount": 2, "appendixes": ("Phụ lục I", "Phụ lục II"),
        "response_for": (ResponseFor("000.00.00.H41", "12/UBND-VX", date(2024, 5, 2),
                                     "000.00.00.H41,2024/05/02,12/UBND-VX"),),
        "steering_type": 1, **changes}
    return PacketDocument(**fields)


def build(document=None, **changes) -> bytes:
    arguments = {"sender": SENDER, "recipients": RECIPIENTS, "attachments": ATTACHMENTS,
                 "business": BUSINESSES["new"], "trace": TRACE, **changes}
    return build_document_packet(document or a_document(), **arguments)


def edited(text: str, *replacements: tuple[str, str]) -> bytes:
    """The text with each replacement made once, where it first occurs (each must occur)."""
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode()


def refused(packet: bytes, **keywords) -> PacketError:
    with pytest.raises(PacketError) as caught:
        parse(packet, **{"today": TODAY, **keywords})
    return caught.value


def status_arguments(status=StatusCode.ACCEPTED) -> dict:
    return {"reporter": Organ("000.00.00.H41", "UBND tỉnh Nghệ An", email="vanthu@nghean.gov.vn"),
            "response_for": ResponseFor("000.00.00.G22", "7816/VPCP-TTĐT", date(2024, 5, 20), DOCUMENT_ID),
            "status": status, "description": "Văn thư đã tiếp nhận", "staff": CLERK,
            "timestamp": datetime(2024, 5, 20, 10, 15, 0, tzinfo=VIETNAM_TIME)}


# --- Round trips ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(BUSINESSES))
def test_a_document_packet_reads_back_as_it_was_built(kind):
    document = a_document()
    packet = parse(build(document, business=BUSINESSES[kind]), today=TODAY)
    assert isinstance(packet, DocumentPacket)
    assert packet.document == document
    assert packet.sender == SENDER
    assert packet.recipients == RECIPIENTS
    assert packet.business == BUSINESSES[kind]
    assert packet.trace == TRACE
    assert packet.attachments == ATTACHMENTS
    assert [a.content for a in packet.attachments] == [PDF, ATTACHMENTS[1].content]
    assert packet.document_id == DOCUMENT_ID == make_document_id("000.00.00.G22", date(2024, 5, 20), "7816",
                                                                 "VPCP-TTĐT")
    assert not packet.signed


def test_a_document_with_only_what_is_required_reads_back():
    document = PacketDocument(code_number="15", code_notation="QĐ-UBND", issued_date=date(2024, 5, 20),
                              subject="Quyết định")
    packet = parse(build(document, recipients=RECIPIENTS[:1], attachments=(), business=None, trace=None),
                   today=TODAY)
    assert isinstance(packet, DocumentPacket)
    assert packet.document == document
    assert packet.attachments == ()
    assert packet.business == Business()
    assert [hop.organ_id for hop in packet.trace] == [SENDER.organ_id]


def test_a_revocation_without_a_target_names_the_document_itself():
    packet = parse(build(business=Business(doc_type=BusinessType.REVOKE, reason="Thu hồi")), today=TODAY)
    assert isinstance(packet, DocumentPacket)
    assert packet.business.document_id == DOCUMENT_ID


def test_the_record_fields_are_the_document_records():
    packet = parse(build(), today=TODAY)
    assert isinstance(packet, DocumentPacket)
    assert packet.record_fields() == {
        "code_number": "7816", "code_notation": "VPCP-TTĐT", "issued_date": date(2024, 5, 20),
        "organ_name": "Văn phòng Chính phủ", "organ_id": "000.00.00.G22", "subject": "V/v kết nối liên thông văn bản",
        "signer_competence": "KT. BỘ TRƯỞNG, CHỦ NHIỆM", "signer_position": "PHÓ CHỦ NHIỆM",
        "signer_name": "Nguyễn Văn A",
        "recipients": [{"organ_id": "000.00.00.H41", "organ_name": "UBND tỉnh Nghệ An"},
                       {"organ_id": "000.00.00.H26", "organ_name": "UBND thành phố Hà Nội"}],
        "urgency": "khan", "page_amount": 2, "due_date": date(2024, 6, 30), "exchange_id": DOCUMENT_ID}
    assert [Priority.of_urgency(p.urgency) for p in Priority] == [0, 1, 2, 3, 3]


@pytest.mark.parametrize("status", list(StatusCode))
def test_every_status_packet_reads_back_as_it_was_built(status):
    arguments = status_arguments(status)
    assert parse(build_status_packet(**arguments)) == StatusPacket(**arguments)


def test_a_status_code_may_be_given_as_its_two_digits():
    arguments = {**status_arguments(), "status": "02", "description": "Sai nơi nhận"}
    packet = parse(build_status_packet(**arguments))
    assert isinstance(packet, StatusPacket)
    assert packet.status is StatusCode.REFUSED and packet.description == "Sai nơi nhận"


# --- The note's examples --------------------------------------------------------------------------------


def test_the_example_document_packet_reads():
    packet = parse(EXAMPLE_DOCUMENT.encode(), today=TODAY)
    assert isinstance(packet, DocumentPacket)
    assert packet.sender == Organ("000.00.00.G22", "Văn phòng Chính phủ")
    assert packet.recipients == (Organ("000.00.00.H41", "UBND tỉnh Nghệ An"),)
    assert packet.document == PacketDocument(
        code_number="7816", code_notation="VPCP-TTĐT", issued_date=date(2024, 5, 20), place="Hà Nội",
        document_type=DocumentKind(2, 18, "Công văn"), subject="V/v kết nối liên thông văn bản",
        signer_competence="KT. BỘ TRƯỞNG, CHỦ NHIỆM", signer_position="PHÓ CHỦ NHIỆM", signer_name="Nguyễn Văn A",
        priority=Priority.NORMAL, promulgation_amount=1, page_amount=2, steering_type=0)
    assert packet.document_id == DOCUMENT_ID
    assert packet.trace == (TraceHop("000.00.00.G22", datetime(2024, 5, 20, 9, 0, tzinfo=VIETNAM_TIME)),)
    assert packet.business == Business(reason="Văn bản mới")
    assert packet.attachments == (Attachment("7816-VPCP.pdf", "application/pdf", b"%PDF-1.7\n", "Văn bản chính"),)
    assert packet.attachments[0].content_id == "6f1c0c2e"


def test_the_example_status_packet_reads():
    assert parse(EXAMPLE_STATUS.encode()) == StatusPacket(
        reporter=Organ("000.00.00.H41", "UBND tỉnh Nghệ An"),
        response_for=ResponseFor("000.00.00.G22", "7816/VPCP-TTĐT", date(2024, 5, 20), DOCUMENT_ID),
        staff=StaffInfo(department="Văn thư", staff="Trần Thị B"), status=StatusCode.ACCEPTED,
        description="Văn thư đã tiếp nhận", timestamp=datetime(2024, 5, 20, 10, 15, tzinfo=VIETNAM_TIME))


# --- Refusals -------------------------------------------------------------------------------------------

FROM_ID = "<edXML:OrganId>000.00.00.G22</edXML:OrganId>"
TO = ("<edXML:To><edXML:OrganId>000.00.00.H41</edXML:OrganId>"
      "<edXML:OrganName>UBND tỉnh Nghệ An</edXML:OrganName></edXML:To>")
CODE = ("<edXML:Code><edXML:CodeNumber>7816</edXML:CodeNumber>"
        "<edXML:CodeNotation>VPCP-TTĐT</edXML:CodeNotation></edXML:Code>")
SUBJECT = "<edXML:Subject>V/v kết nối liên thông văn bản</edXML:Subject>"
ISSUED = "<edXML:PromulgationDate>2024/05/20</edXML:PromulgationDate>"
REFERENCE_START = "<edXML:Reference>"
FILE_ID = "<ContentId>cid:6f1c0c2e</ContentId>"
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY l0 "lol">""" + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)) + """]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016" a="&l9;">&l9;</edXML>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&secret;</edXML>"""

MALFORMED = [
    pytest.param(edited(EXAMPLE_DOCUMENT, (FROM_ID, "")), "MessageHeader/From/OrganId", id="no sender code"),
    pytest.param(edited(EXAMPLE_DOCUMENT, ("<edXML:From>", "<edXML:Sender>"), ("</edXML:From>", "</edXML:Sender>")),
                 "MessageHeader/From/OrganId", id="no From"),
    pytest.param(edited(EXAMPLE_DOCUMENT, (TO, "")), "MessageHeader/To", id="no To"),
    pytest.param(edited(EXAMPLE_DOCUMENT, (TO, TO + TO)), "MessageHeader/To[2]/OrganId", id="a recipient twice"),
    pytest.param(edited(EXAMPLE_DOCUMENT, (CODE, "")), "MessageHeader/Code/CodeNumber", id="no Code"),
    pytest.param(edited(EXAMPLE_DOCUMENT, (SUBJECT, "")), "MessageHeader/Subject", id="no Subject"),
    pytest.param(edited(EXAMPLE_DOCUMENT, (SUBJECT, f"<edXML:Subject>{'V' * 501}</edXML:Subject>")),
                 "MessageHeader/Subject", id="Subject over 500 characters"),
    pytest.param(edited(EXAMPLE_DOCUMENT, ("000.00.00.H41", "000.00.00.H41." + "9" * 22)),
                 "MessageHeader/To[1]/OrganId", id="OrganId over 35 characters"),
    pytest.param(edited(EXAMPLE_DOCUMENT, (ISSUED, ISSUED.replace("2024/05/20", "2024/06/02"))),
                 "MessageHeader/PromulgationInfo/PromulgationDate", id="issued in the future"),
    pytest.param(edited(EXAMPLE_DOCUMENT, (ISSUED, ISSUED.replace("2024/05/20", "20-05-2024"))),
                 "MessageHeader/PromulgationInfo/PromulgationDate", id="not a date"),
    pytest.param(edited(EXAMPLE_DOCUMENT, ("<edXML:Priority>0", "<edXML:Priority>7")),
                 "MessageHeader/OtherInfo/Priority", id="unknown priority"),
    pytest.param(edited(EXAMPLE_DOCUMENT, ("2024/05/20 09:00:00", "hôm qua")),
                 "TraceHeaderList/TraceHeader[1]/Timestamp", id="not a time"),
    pytest.param(edited(EXAMPLE_DOCUMENT, (FILE_ID, "<ContentId>cid:other</ContentId>")),
                 "edXMLManifest/Reference[1]/ContentId", id="a Reference without its Attachment"),
    pytest.param(edited(EXAMPLE_DOCUMENT, (REFERENCE_START, "<edXML:NotAReference>"),
                        ("</edXML:Reference>", "</edXML:NotAReference>")),
                 "AttachmentEncoded/Attachment[1]/ContentId", id="an Attachment without its Reference"),
    pytest.param(edited(EXAMPLE_DOCUMENT, ("JVBERi0xLjcK", "JVBERi0x*LjcK")),
                 "AttachmentEncoded/Attachment[1]/ContentTransferEncoded", id="bad Base64"),
    pytest.param(edited(EXAMPLE_DOCUMENT, ("<edXML:BussinessDocType>0", "<edXML:BussinessDocType>4")),
                 "TraceHeaderList/Bussiness/BussinessDocType", id="BussinessDocType outside 0-3"),
    pytest.param(edited(EXAMPLE_DOCUMENT, ("<edXML:BussinessDocType>0", "<edXML:BussinessDocType>3")),
                 "TraceHeaderList/Bussiness/ReplacementInfoList", id="a replacement replacing nothing"),
    pytest.param(edited(EXAMPLE_STATUS, ("<edXML:StatusCode>03", "<edXML:StatusCode>07")), "Status/StatusCode",
                 id="StatusCode unknown"),
    pytest.param(edited(EXAMPLE_STATUS, ("<edXML:StatusCode>03</edXML:StatusCode>", "")), "Status/StatusCode",
                 id="no StatusCode"),
    pytest.param(edited(EXAMPLE_STATUS, (f"<edXML:DocumentId>{DOCUMENT_ID}</edXML:DocumentId>", ""),
                        ("<edXML:Code>7816/VPCP-TTĐT</edXML:Code>", "")),
                 "Status/ResponseFor/DocumentId", id="a status about no document"),
    pytest.param(b"Not XML at all", "edXML", id="not XML"),
    pytest.param(b"", "edXML", id="empty"),
    pytest.param(EXAMPLE_DOCUMENT.encode()[:1500], "edXML", id="cut short"),
    pytest.param(b"<html><body>502 Bad Gateway</body></html>", "html", id="not an edXML packet"),
    pytest.param(BILLION_LAUGHS.encode(), "edXML", id="XML bomb"),
    pytest.param(EXTERNAL_ENTITY.encode(), "edXML", id="external entity"),
    pytest.param(b"<edXML>" * 300 + b"</edXML>" * 300, "edXML", id="nested too deep"),
]


@pytest.mark.parametrize(("packet", "path"), MALFORMED)
def test_a_malformed_packet_is_refused_naming_where(packet, path):
    error = refused(packet)
    assert path in error.errors, error.errors
    assert all(message for messages in error.errors.values() for message in messages)
    assert f"{path}: " in error.summary()


def test_a_dtd_is_refused_before_any_entity_is_read():
    for packet in (BILLION_LAUGHS, EXTERNAL_ENTITY):
        error = refused(packet.encode())
        assert list(error.errors) == ["edXML"] and len(error.errors["edXML"]) == 1
        assert "DTD" in error.errors["edXML"][0]


def test_every_problem_of_a_packet_is_named_at_once():
    packet = edited(EXAMPLE_DOCUMENT, (FROM_ID, ""), (TO, TO + TO), (SUBJECT, ""), ("JVBERi0xLjcK", "!!"),
                    ("<edXML:BussinessDocType>0", "<edXML:BussinessDocType>9"))
    assert set(refused(packet).errors) == {
        "MessageHeader/From/OrganId", "MessageHeader/To[2]/OrganId", "MessageHeader/Subject",
        "AttachmentEncoded/Attachment[1]/ContentTransferEncoded", "TraceHeaderList/Bussiness/BussinessDocType"}


def test_a_refusal_is_invalid_data_the_api_answers_with_400():
    from api.problems import handle  # the API is above documents; only this test looks at both

    error = refused(edited(EXAMPLE_DOCUMENT, (SUBJECT, "")))
    assert isinstance(error, InvalidData)
    response = handle(error, {})
    assert response.status_code == 400
    assert response.data["type"].endswith("/invalid_packet")
    assert set(response.data["errors"]) == {"MessageHeader/Subject"}


def test_what_a_receiver_would_refuse_is_not_built():
    with pytest.raises(PacketError) as caught:
        build(a_document(subject="V" * 501, issued_date=date(2999, 1, 1), code_notation=""),
              recipients=(RECIPIENTS[0], RECIPIENTS[0]),
              business=Business(doc_type=BusinessType.REPLACE))
    assert set(caught.value.errors) == {
        "MessageHeader/Subject", "MessageHeader/PromulgationInfo/PromulgationDate",
        "MessageHeader/Code/CodeNotation", "MessageHeader/To[2]/OrganId",
        "TraceHeaderList/Bussiness/ReplacementInfoList"}


def test_text_xml_cannot_carry_is_refused_when_building():
    with pytest.raises(PacketError) as caught:
        build(a_document(subject="Trích yếu\x0b"))
    assert set(caught.value.errors) == {"MessageHeader/Subject"}


def test_a_status_with_an_unknown_code_is_not_built():
    with pytest.raises(PacketError) as caught:
        build_status_packet(**{**status_arguments(), "status": "14"})
    assert set(caught.value.errors) == {"Status/StatusCode"}


# --- The structure receivers expect ----------------------------------------------------------------------

HEADER = "/e:edXML/e:edXMLEnvelope/e:edXMLHeader"
MESSAGE = f"{HEADER}/e:MessageHeader"


def xpath(tree, path: str) -> list:
    return tree.xpath(path, namespaces=NS)


def one(tree, path: str):
    found = xpath(tree, path)
    assert len(found) == 1, (path, found)
    return found[0]


def test_a_built_document_packet_has_the_structure_of_qcvn_102():
    raw = build(business=BUSINESSES["update"])
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(raw)
    assert root.tag == f"{{{NAMESPACE}}}edXML" and root.prefix is None and root.nsmap == {None: NAMESPACE}
    envelope = one(root, "/e:edXML/e:edXMLEnvelope")
    assert all(element.prefix == "edXML" for element in envelope.iter())
    assert [etree.QName(child).localname for child in root] == ["edXMLEnvelope", "AttachmentEncoded"]
    assert all(element.prefix is None for element in one(root, "/e:edXML/e:AttachmentEncoded").iter())
    assert [etree.QName(child).localname for child in one(root, MESSAGE)] == [
        "From", "To", "To", "Code", "PromulgationInfo", "DocumentType", "Subject", "Content", "SignerInfo",
        "DueDate", "ToPlaces", "OtherInfo", "ResponseFor", "SteeringType", "DocumentId"]
    assert one(root, f"{MESSAGE}/e:From/e:OrganId/text()") == "000.00.00.G22"
    assert one(root, f"{MESSAGE}/e:From/e:OrganAdd/text()") == SENDER.address
    assert xpath(root, f"{MESSAGE}/e:To/e:OrganId/text()") == ["000.00.00.H41", "000.00.00.H26"]
    assert one(root, f"{MESSAGE}/e:Code/e:CodeNumber/text()") == "7816"
    assert one(root, f"{MESSAGE}/e:Code/e:CodeNotation/text()") == "VPCP-TTĐT"
    assert one(root, f"{MESSAGE}/e:PromulgationInfo/e:Place/text()") == "Hà Nội"
    assert one(root, f"{MESSAGE}/e:PromulgationInfo/e:PromulgationDate/text()") == "2024/05/20"
    assert [one(root, f"{MESSAGE}/e:DocumentType/e:{name}/text()") for name in ("Type", "TypeDetail", "TypeName")] \
        == ["2", "18", "Công văn"]
    assert [one(root, f"{MESSAGE}/e:SignerInfo/e:{name}/text()") for name in ("Competence", "Position", "FullName")] \
        == ["KT. BỘ TRƯỞNG, CHỦ NHIỆM", "PHÓ CHỦ NHIỆM", "Nguyễn Văn A"]
    assert one(root, f"{MESSAGE}/e:DueDate/text()") == "2024/06/30"
    assert xpath(root, f"{MESSAGE}/e:ToPlaces/e:Place/text()") == ["Như trên;", "Lưu: VT, TTĐT (2b)."]
    assert [one(root, f"{MESSAGE}/e:OtherInfo/e:{name}/text()")
            for name in ("Priority", "PromulgationAmount", "PageAmount")] == ["1", "3", "2"]
    assert xpath(root, f"{MESSAGE}/e:OtherInfo/e:Appendixes/e:Appendix/text()") == ["Phụ lục I", "Phụ lục II"]
    assert one(root, f"{MESSAGE}/e:ResponseFor/e:PromulgationDate/text()") == "2024/05/02"
    assert one(root, f"{MESSAGE}/e:ResponseFor/e:DocumentId/text()") == "000.00.00.H41,2024/05/02,12/UBND-VX"
    assert one(root, f"{MESSAGE}/e:SteeringType/text()") == "1"
    document_id = one(root, f"{MESSAGE}/e:DocumentId/text()")
    assert re.fullmatch(r"[^,]{1,35},\d{4}/\d{2}/\d{2},[^/,]+/[^,]+", document_id)
    assert document_id == DOCUMENT_ID

    trace = f"{HEADER}/e:TraceHeaderList"
    assert xpath(root, f"{trace}/e:TraceHeader/e:OrganId/text()") == ["000.00.00.G22", "000.00.00.G22.TRUC"]
    timestamps = xpath(root, f"{trace}/e:TraceHeader/e:Timestamp/text()")
    assert timestamps[0] == "2024/05/20 09:00:00"
    assert all(re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", stamp) for stamp in timestamps)
    business = f"{trace}/e:Bussiness"
    assert one(root, f"{business}/e:BussinessDocType/text()") == "2"
    assert one(root, f"{business}/e:DocumentId/text()") == DOCUMENT_ID
    assert one(root, f"{business}/e:BussinessDocumentInfo/e:DocumentReceiver/text()") == "1"
    receivers = f"{business}/e:BussinessDocumentInfo/e:ReceiverList/e:Receiver"
    assert xpath(root, f"{receivers}/e:OrganId/text()") == ["000.00.00.H26", "000.00.00.H29"]
    assert xpath(root, f"{receivers}/e:ReceiverType/text()") == ["1", "0"]
    assert xpath(root, f"{business}/e:ReplacementInfoList") == []

    manifest = one(root, "/e:edXML/e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest")
    assert manifest.get("version") == "1.0"
    references = xpath(manifest, "e:Reference/e:ContentId/text()")
    files = xpath(root, "/e:edXML/e:AttachmentEncoded/e:Attachment/e:ContentId/text()")
    assert len(references) == len(files) == 2
    assert [reference.removeprefix("cid:") for reference in references] == files
    assert all(reference.startswith("cid:") for reference in references)
    assert xpath(manifest, "e:Reference/e:AttachmentName/text()") == ["7816-VPCP.pdf", "phu-luc.docx"]
    first_file = "/e:edXML/e:AttachmentEncoded/e:Attachment[1]"
    assert [etree.QName(child).localname for child in one(root, first_file)] == [
        "ContentId", "AttachmentName", "Description", "ContentType", "ContentTransferEncoded"]
    assert base64.b64decode(one(root, f"{first_file}/e:ContentTransferEncoded/text()")) == PDF


def test_a_replacement_names_what_it_replaces_and_who_had_it():
    root = etree.fromstring(build(business=BUSINESSES["replace"]))
    replaced = f"{HEADER}/e:TraceHeaderList/e:Bussiness/e:ReplacementInfoList/e:ReplacementInfo"
    assert one(root, f"{HEADER}/e:TraceHeaderList/e:Bussiness/e:BussinessDocType/text()") == "3"
    assert xpath(root, f"{replaced}/e:DocumentId/text()") == ["000.00.00.G22,2024/05/10,7700/VPCP-TTĐT",
                                                               "000.00.00.G22,2024/05/11,7701/VPCP-TTĐT"]
    assert xpath(root, f"{replaced}[1]/e:OrganIdList/e:OrganId/text()") == ["000.00.00.H41", "000.00.00.H26"]
    assert xpath(root, f"{HEADER}/e:TraceHeaderList/e:Bussiness/e:BussinessDocumentInfo") == []


def test_a_revocation_names_its_target_and_the_paper_original():
    root = etree.fromstring(build(business=BUSINESSES["revoke"]))
    business = f"{HEADER}/e:TraceHeaderList/e:Bussiness"
    assert [one(root, f"{business}/e:{name}/text()") for name in ("BussinessDocType", "DocumentId", "Paper")] \
        == ["1", DOCUMENT_ID, "1"]
    assert one(root, f"{business}/e:StaffInfo/e:Staff/text()") == "Trần Thị B"


def test_a_built_status_packet_has_the_structure_of_qcvn_102():
    root = etree.fromstring(build_status_packet(**{**status_arguments(StatusCode.REFUSED),
                                                   "description": "Không đúng thẩm quyền"}))
    status = f"{HEADER}/e:Status"
    assert [etree.QName(child).localname for child in one(root, status)] == [
        "From", "ResponseFor", "StaffInfo", "StatusCode", "Description", "Timestamp"]
    assert one(root, f"{status}/e:From/e:OrganId/text()") == "000.00.00.H41"
    assert one(root, f"{status}/e:ResponseFor/e:Code/text()") == "7816/VPCP-TTĐT"
    assert one(root, f"{status}/e:ResponseFor/e:PromulgationDate/text()") == "2024/05/20"
    assert one(root, f"{status}/e:ResponseFor/e:DocumentId/text()") == DOCUMENT_ID
    assert one(root, f"{status}/e:StatusCode/text()") == "02"
    assert one(root, f"{status}/e:Timestamp/text()") == "2024/05/20 10:15:00"
    assert xpath(root, "//e:edXMLBody | //e:AttachmentEncoded") == []


# --- What real senders differ in ------------------------------------------------------------------------


def _sorted_by_name(element) -> None:
    """Children in alphabetical order of their names; elements of one name keep their order."""
    element[:] = sorted(element, key=lambda child: etree.QName(child).localname if isinstance(child.tag, str) else "")
    for child in element:
        _sorted_by_name(child)


def test_the_order_of_elements_does_not_matter():
    raw = build(business=BUSINESSES["update"])
    root = etree.fromstring(raw)
    _sorted_by_name(root)
    reordered = etree.tostring(root, encoding="UTF-8")
    assert [etree.QName(child).localname for child in one(root, MESSAGE)][:3] == ["Code", "Content", "DocumentId"]
    assert [etree.QName(child).localname for child in root] == ["AttachmentEncoded", "edXMLEnvelope"]
    assert parse(reordered, today=TODAY) == parse(raw, today=TODAY)


def test_namespaces_and_prefixes_do_not_matter():
    without = EXAMPLE_DOCUMENT.replace(' xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"', "").replace(
        ' xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"', "").replace("edXML:", "")
    other_prefix = EXAMPLE_DOCUMENT.replace("edXML:", "ns1:").replace("xmlns:edXML", "xmlns:ns1")
    expected = parse(EXAMPLE_DOCUMENT.encode(), today=TODAY)
    assert parse(without.encode(), today=TODAY) == expected
    assert parse(other_prefix.encode(), today=TODAY) == expected


def test_a_date_may_come_day_first():
    packet = parse(edited(EXAMPLE_DOCUMENT, (ISSUED, ISSUED.replace("2024/05/20", "20/05/2024")),
                          ("2024/05/20 09:00:00", "20/05/2024 09:00:00")), today=TODAY)
    assert isinstance(packet, DocumentPacket)
    assert packet.document.issued_date == date(2024, 5, 20)
    assert packet.trace[0].timestamp == datetime(2024, 5, 20, 9, 0, tzinfo=VIETNAM_TIME)
    assert packet.document_id == DOCUMENT_ID  # as the sender wrote it


@pytest.mark.parametrize(("reference", "attachment"), [("cid:6f1c0c2e", "cid:6f1c0c2e"), ("6f1c0c2e", "6f1c0c2e"),
                                                       ("6f1c0c2e", "cid:6f1c0c2e"), ("CID:6f1c0c2e", "<6f1c0c2e>")])
def test_the_cid_prefix_may_be_on_either_side(reference, attachment):
    packet = parse(edited(EXAMPLE_DOCUMENT, ("<edXML:ContentId>cid:6f1c0c2e", f"<edXML:ContentId>{reference}"),
                          (FILE_ID, f"<ContentId>{attachment.replace('<', '&lt;').replace('>', '&gt;')}</ContentId>")),
                   today=TODAY)
    assert isinstance(packet, DocumentPacket)
    assert [a.content for a in packet.attachments] == [b"%PDF-1.7\n"]


def test_the_document_type_may_follow_either_convention():
    vpcp = edited(EXAMPLE_DOCUMENT, ("<edXML:Type>2</edXML:Type>", "<edXML:Type>18</edXML:Type>"),
                  ("<edXML:TypeDetail>18", "<edXML:TypeDetail>0"))
    packet = parse(vpcp, today=TODAY)
    assert isinstance(packet, DocumentPacket)
    assert packet.document.document_type == DocumentKind(18, 0, "Công văn")


def test_a_status_may_come_under_message_header_or_in_a_soap_header():
    expected = parse(EXAMPLE_STATUS.encode())
    under_message_header = EXAMPLE_STATUS.replace("<edXML:Status>", "<edXML:MessageHeader>").replace(
        "</edXML:Status>", "</edXML:MessageHeader>")
    start, end = EXAMPLE_STATUS.index("<edXML:Status>"), EXAMPLE_STATUS.index("</edXML:Status>")
    soap = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"'
            f' xmlns:edXML="{NAMESPACE}"><SOAP-ENV:Header>{EXAMPLE_STATUS[start:end]}</edXML:Status>'
            f"</SOAP-ENV:Header><SOAP-ENV:Body/></SOAP-ENV:Envelope>")
    one_digit = edited(EXAMPLE_STATUS, ("<edXML:StatusCode>03", "<edXML:StatusCode>3"))
    for packet in (under_message_header.encode(), soap.encode(), one_digit):
        assert parse(packet) == expected


def test_a_status_without_document_id_names_the_document_by_its_parts():
    packet = parse(edited(EXAMPLE_STATUS, (f"<edXML:DocumentId>{DOCUMENT_ID}</edXML:DocumentId>", ""),
                          ("<edXML:PromulgationDate>2024/05/20", "<edXML:PromulgationDate>20/05/2024")))
    assert isinstance(packet, StatusPacket)
    assert packet.response_for.document_id == DOCUMENT_ID


def _zipped(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zipped_file_is_unzipped():
    files = (Attachment("7816-VPCP.pdf", "application/zip", _zipped(("7816-VPCP.pdf", PDF)), "Văn bản chính"),
             Attachment("phu-luc.doc", "application/zip", _zipped(("readme.txt", b"x"), ("phu-luc.doc", b"DOC"))),
             Attachment("ho-so.zip", "application/zip", _zipped(("a.txt", b"a"), ("b.txt", b"b"))))
    packet = parse(build(attachments=files), today=TODAY)
    assert isinstance(packet, DocumentPacket)
    assert packet.attachments[:2] == (Attachment("7816-VPCP.pdf", "application/pdf", PDF, "Văn bản chính"),
                                      Attachment("phu-luc.doc", "application/msword", b"DOC"))
    assert packet.attachments[2] == files[2]  # a ZIP by name is the file itself


@pytest.mark.parametrize("content", [b"PK\x03\x04 broken", _zipped(("a.pdf", b"a"), ("b.pdf", b"b"))])
def test_a_zip_that_does_not_hold_the_file_is_refused(content):
    error = refused(build(attachments=(Attachment("7816-VPCP.pdf", "application/zip", content),)))
    assert set(error.errors) == {"AttachmentEncoded/Attachment[1]/ContentTransferEncoded"}


def test_a_ten_megabyte_file_reads():
    content = os.urandom(10 * 1024 * 1024)
    packet = parse(build(attachments=(Attachment("scan.pdf", "application/pdf", content),)), today=TODAY)
    assert isinstance(packet, DocumentPacket)
    assert packet.attachments[0].content == content


def test_base64_in_lines_reads():
    raw = build(attachments=(Attachment("scan.pdf", "application/pdf", PDF * 20),))
    root = etree.fromstring(raw)
    encoded = one(root, "/e:edXML/e:AttachmentEncoded/e:Attachment/e:ContentTransferEncoded")
    encoded.text = "\n".join(re.findall(".{1,76}", encoded.text)) + "\n"
    packet = parse(etree.tostring(root), today=TODAY)
    assert isinstance(packet, DocumentPacket)
    assert packet.attachments[0].content == PDF * 20


def test_a_signed_packet_is_marked_so():
    signature = '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature>'
    packet = parse(edited(EXAMPLE_DOCUMENT, ("<!-- optional XMLDSig <Signature> here -->", signature)), today=TODAY)
    assert isinstance(packet, DocumentPacket)
    assert packet.signed
