"""The edXML packet (QCVN 102:2016/BTTTT as amended by SĐ1:2022) in the single-file ``.edxml`` form the
national axis and the provincial LGSPs carry: build one for a document or a status report, read one back.

Reading is lenient where real senders differ (element order, namespaces and prefixes, the three
status wrappers, two date orders, ``cid:`` prefixes, zipped files, two document-type conventions) and
strict where a receiver could not register the document. Every problem is collected with its path in
the packet and refused at once as one :class:`PacketError`, so the "02 refused" status packet can name
them all. Building runs the same checks: what leaves here is what a receiver here would accept.

The older SOAP-with-attachments form is read as well (status packets come that way), but its files
travel as MIME parts, the transport's business: a SOAP packet whose manifest names files is refused
here. The packet's XMLDSig ``Signature`` is noted, not verified.
"""

import base64
import binascii
import io
import mimetypes
import re
import uuid
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from enum import IntEnum, StrEnum
from pathlib import PurePosixPath
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from engine.exceptions import InvalidData

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
PREFIX = "edXML"
#: Packets carry wall-clock time without a zone; Vietnam has kept UTC+7 since 1975.
VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")
DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"
#: Some senders write dates day first; both orders are read, only the first is written.
_DATE_FORMATS = (DATE_FORMAT, "%d/%m/%Y")
_TIMESTAMP_FORMATS = (TIMESTAMP_FORMAT, "%d/%m/%Y %H:%M:%S")
#: SĐ1:2022 widened the identification code from 13 to 35 characters (enterprise and other codes).
ORGAN_ID_LIMIT = 35
#: Lengths the document record stores (documents.models.Document): a longer value could not be registered.
_LIMITS = {"OrganName": 200, "CodeNumber": 11, "CodeNotation": 30, "Subject": 500, "TypeName": 100,
           "Competence": 100, "Position": 100, "FullName": 50}
_UNSIGNED_SHORT_MAX = 65535
#: A ZIP of a few kilobytes can inflate a thousandfold; a larger unzipped file is refused.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
_ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed", "application/x-zip"})
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


class BusinessType(IntEnum):
    """``Bussiness/BussinessDocType``: what the packet does to the document."""

    NEW = 0
    REVOKE = 1  # thu hồi
    UPDATE = 2  # cập nhật
    REPLACE = 3  # thay thế


class Priority(IntEnum):
    """``OtherInfo/Priority``: the document's urgency (độ khẩn)."""

    NORMAL = 0  # thường
    URGENT = 1  # khẩn
    VERY_URGENT = 2  # thượng khẩn
    FLASH = 3  # hỏa tốc
    FLASH_TIMED = 4  # hỏa tốc hẹn giờ

    @property
    def urgency(self) -> str:
        """The document record's ``urgency``; it has no timed flash, which is handled as flash."""
        return _URGENCY_OF_PRIORITY[self]

    @classmethod
    def of_urgency(cls, urgency: str) -> "Priority":
        return next((p for p in (cls.NORMAL, cls.URGENT, cls.VERY_URGENT, cls.FLASH) if p.urgency == urgency),
                    cls.NORMAL)


_URGENCY_OF_PRIORITY = {Priority.NORMAL: "thuong", Priority.URGENT: "khan", Priority.VERY_URGENT: "thuong_khan",
                        Priority.FLASH: "hoa_toc", Priority.FLASH_TIMED: "hoa_toc"}


class StatusCode(StrEnum):
    """``StatusCode`` of a status packet: how far the receiver got, or the answer to a change request."""

    ARRIVED = "01"  # Đã đến: the receiving system got it
    REFUSED = "02"  # Từ chối tiếp nhận: reason in Description
    ACCEPTED = "03"  # Đã tiếp nhận: registered by the clerk
    ASSIGNED = "04"  # Phân công
    PROCESSING = "05"  # Đang xử lý
    DONE = "06"  # Hoàn thành
    TAKE_BACK = "13"  # Lấy lại: the sender asks for the document back
    CHANGE_ACCEPTED = "15"  # Đồng ý: the take-back, revocation or update is accepted
    CHANGE_REFUSED = "16"  # Từ chối: … refused


class ReceiverType(IntEnum):
    """``ReceiverList/Receiver/ReceiverType`` of an update packet."""

    REMOVED = 0
    ADDED = 1


@dataclass(frozen=True)
class Organ:
    """An organisation in ``From`` or ``To`` (or the reporter of a status)."""

    organ_id: str
    organ_name: str = ""
    organization_in_charge: str = ""
    address: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file of the packet. ``content_id`` only pairs the manifest with the file inside one packet,
    hence no part of equality; one is made up when building without it."""

    name: str
    content_type: str
    content: bytes = field(repr=False)
    description: str = ""
    content_id: str = field(default="", compare=False)


@dataclass(frozen=True)
class DocumentKind:
    """``DocumentType``. Senders disagree on the numbers (``Type`` 1/2 with ``TypeDetail`` the index in
    the annex list, or VPCP's ``Type`` 18 with ``TypeDetail`` 0), so they are kept as sent and
    ``name`` is what to match on."""

    type: int
    detail: int = 0
    name: str = ""


@dataclass(frozen=True)
class ResponseFor:
    """The document a packet answers: its sender's code, "number/notation", issue date and DocumentId."""

    organ_id: str
    code: str
    promulgation_date: date | None
    document_id: str


@dataclass(frozen=True)
class StaffInfo:
    """The clerk behind a business action or a status report."""

    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class Receiver:
    organ_id: str
    receiver_type: ReceiverType


@dataclass(frozen=True)
class Replacement:
    """A document the packet replaces, with the organisations that had received it."""

    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Business:
    """``TraceHeaderList/Bussiness``. ``document_id`` names the target of a revocation or update (the
    packet's own DocumentId when left empty); ``receivers`` go out with an update only,
    ``replacements`` with a replacement only."""

    doc_type: BusinessType = BusinessType.NEW
    reason: str = ""
    document_id: str = ""
    paper: bool = False
    staff: StaffInfo | None = None
    document_info_changed: bool = False
    receivers_changed: bool = False
    receivers: tuple[Receiver, ...] = ()
    replacements: tuple[Replacement, ...] = ()


@dataclass(frozen=True)
class TraceHop:
    """One system the packet passed through; the builder stamps the current time when none is given."""

    organ_id: str
    timestamp: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class PacketDocument:
    """The document's own data in ``MessageHeader``, named as the document record names them (Decree 30
    Appendix VI). The issuer is the packet's sender, the recipients its ``To``."""

    code_number: str
    code_notation: str
    issued_date: date
    subject: str
    place: str = ""
    document_type: DocumentKind | None = None
    content: str = ""
    signer_competence: str = ""
    signer_position: str = ""
    signer_name: str = ""
    due_date: date | None = None
    to_places: tuple[str, ...] = ()
    priority: Priority = Priority.NORMAL
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    appendixes: tuple[str, ...] = ()
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int | None = None


@dataclass(frozen=True, kw_only=True)
class DocumentPacket:
    """A document packet as read. ``signed``: an XMLDSig ``Signature`` was present (not verified here)."""

    document: PacketDocument
    sender: Organ
    recipients: tuple[Organ, ...]
    attachments: tuple[Attachment, ...]
    business: Business
    trace: tuple[TraceHop, ...]
    document_id: str
    signed: bool = False

    def record_fields(self) -> dict[str, Any]:
        """The document record's Appendix VI fields (its document type is matched by name elsewhere)."""
        document = self.document
        return {"code_number": document.code_number, "code_notation": document.code_notation,
                "issued_date": document.issued_date, "organ_name": self.sender.organ_name,
                "organ_id": self.sender.organ_id, "subject": document.subject,
                "signer_competence": document.signer_competence, "signer_position": document.signer_position,
                "signer_name": document.signer_name,
                "recipients": [{"organ_id": r.organ_id, "organ_name": r.organ_name} for r in self.recipients],
                "urgency": document.priority.urgency, "page_amount": document.page_amount,
                "due_date": document.due_date, "exchange_id": self.document_id}


@dataclass(frozen=True, kw_only=True)
class StatusPacket:
    """A status packet: ``reporter`` tells the sender of ``response_for`` how far it got."""

    reporter: Organ
    response_for: ResponseFor
    status: StatusCode
    description: str = ""
    staff: StaffInfo | None = None
    timestamp: datetime | None = None


class PacketError(InvalidData):
    """A packet refused. ``errors`` maps each path in the packet (local names, 1-based indexes for
    repeated elements) to what is wrong there; the API renders it as 400 like any invalid data."""

    code = "invalid_packet"
    default_message = gettext_lazy("The edXML packet was refused.")

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors=errors)

    def summary(self) -> str:
        """Every problem on one line: the Description of the "02 refused" answer."""
        return "; ".join(f"{path}: {message}" for path, messages in self.errors.items() for message in messages)


def make_document_id(organ_id: str, issued_date: date, code_number: str, code_notation: str) -> str:
    """The global key receivers file a document under: ``000.00.00.G22,2015/09/30,7816/VPCP-TTĐT``."""
    return f"{organ_id},{issued_date.strftime(DATE_FORMAT)},{code_number}/{code_notation}"


# ---------------------------------------------------------------------------------------------------
# Checks shared by building and reading


class _Problems:
    """Problems by path, in the order found."""

    def __init__(self) -> None:
        self.by_path: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.by_path.setdefault(path, []).append(message)

    def required(self, path: str, value: object) -> None:
        """A missing value, unless the path is already refused for a value that did not read."""
        if not value and path not in self.by_path:
            self.add(path, _("Required, but missing or empty."))

    def limited(self, path: str, value: str, limit: int) -> None:
        if len(value) > limit:
            self.add(path, _("At most %(limit)s characters (this has %(length)s).")
                     % {"limit": limit, "length": len(value)})

    def raise_if_any(self) -> None:
        if self.by_path:
            raise PacketError(self.by_path)


def _today() -> date:
    return datetime.now(VIETNAM_TIME).date()


def _check_organ(organ: Organ, path: str, problems: _Problems) -> None:
    problems.required(f"{path}/OrganId", organ.organ_id)
    problems.limited(f"{path}/OrganId", organ.organ_id, ORGAN_ID_LIMIT)
    problems.limited(f"{path}/OrganName", organ.organ_name, _LIMITS["OrganName"])


def _check_document(packet: DocumentPacket, problems: _Problems, today: date) -> None:
    """What a receiver needs to register the document; reading and building both apply it."""
    _check_organ(packet.sender, "MessageHeader/From", problems)
    if not packet.recipients:
        problems.add("MessageHeader/To", _("At least one recipient (To) is required."))
    named: set[str] = set()
    for index, organ in enumerate(packet.recipients, 1):
        path = f"MessageHeader/To[{index}]"
        _check_organ(organ, path, problems)
        if organ.organ_id and organ.organ_id in named:
            problems.add(f"{path}/OrganId", _("The recipient %(organ_id)s is named twice.")
                         % {"organ_id": organ.organ_id})
        named.add(organ.organ_id)
    document = packet.document
    for name, value in (("CodeNumber", document.code_number), ("CodeNotation", document.code_notation)):
        problems.required(f"MessageHeader/Code/{name}", value)
        problems.limited(f"MessageHeader/Code/{name}", value, _LIMITS[name])
    date_path = "MessageHeader/PromulgationInfo/PromulgationDate"
    if not isinstance(document.issued_date, date):
        problems.required(date_path, None)
    elif document.issued_date > today:
        problems.add(date_path, _("The date %(date)s is in the future.")
                     % {"date": document.issued_date.strftime(DATE_FORMAT)})
    problems.required("MessageHeader/Subject", document.subject)
    problems.limited("MessageHeader/Subject", document.subject, _LIMITS["Subject"])
    for name, value in (("Competence", document.signer_competence), ("Position", document.signer_position),
                        ("FullName", document.signer_name)):
        problems.limited(f"MessageHeader/SignerInfo/{name}", value, _LIMITS[name])
    if document.document_type is not None:
        problems.limited("MessageHeader/DocumentType/TypeName", document.document_type.name, _LIMITS["TypeName"])
    for index, hop in enumerate(packet.trace, 1):
        problems.required(f"TraceHeaderList/TraceHeader[{index}]/OrganId", hop.organ_id)
        problems.limited(f"TraceHeaderList/TraceHeader[{index}]/OrganId", hop.organ_id, ORGAN_ID_LIMIT)
    _check_business(packet.business, problems)
    content_ids: set[str] = set()
    for index, attachment in enumerate(packet.attachments, 1):
        problems.required(f"edXMLManifest/Reference[{index}]/AttachmentName", attachment.name)
        if attachment.content_id in content_ids:
            problems.add(f"edXMLManifest/Reference[{index}]/ContentId",
                         _("The content id %(content_id)s is used twice.") % {"content_id": attachment.content_id})
        content_ids.add(attachment.content_id)


def _check_business(business: Business, problems: _Problems) -> None:
    path = "TraceHeaderList/Bussiness"
    if business.doc_type == BusinessType.REPLACE and not business.replacements:
        problems.add(f"{path}/ReplacementInfoList", _("A replacement must name the documents it replaces."))
    if business.doc_type == BusinessType.REPLACE:
        for index, replacement in enumerate(business.replacements, 1):
            problems.required(f"{path}/ReplacementInfoList/ReplacementInfo[{index}]/DocumentId",
                              replacement.document_id)
    if business.doc_type == BusinessType.UPDATE:
        for index, receiver in enumerate(business.receivers, 1):
            receiver_path = f"{path}/BussinessDocumentInfo/ReceiverList/Receiver[{index}]/OrganId"
            problems.required(receiver_path, receiver.organ_id)
            problems.limited(receiver_path, receiver.organ_id, ORGAN_ID_LIMIT)


def _check_status(status: StatusPacket, problems: _Problems, wrapper: str) -> None:
    _check_organ(status.reporter, f"{wrapper}/From", problems)
    problems.limited(f"{wrapper}/ResponseFor/OrganId", status.response_for.organ_id, ORGAN_ID_LIMIT)
    problems.required(f"{wrapper}/ResponseFor/DocumentId", status.response_for.document_id)


# ---------------------------------------------------------------------------------------------------
# Building


def build_document_packet(document_fields: PacketDocument, *, sender: Organ, recipients: Sequence[Organ],
                          attachments: Sequence[Attachment] = (), business: Business | None = None,
                          trace: Sequence[TraceHop] | None = None) -> bytes:
    """The ``.edxml`` bytes that send ``document_fields`` from ``sender`` to ``recipients``: a new
    document unless ``business`` says otherwise; ``trace`` defaults to one hop, the sender, now.
    Refuses (:class:`PacketError`) what a receiver would refuse."""
    now = datetime.now(VIETNAM_TIME).replace(microsecond=0)
    business = business or Business()
    files = tuple(a if a.content_id else replace(a, content_id=uuid.uuid4().hex) for a in attachments)
    hops = tuple(trace) if trace else (TraceHop(sender.organ_id, now),)
    packet = DocumentPacket(document=document_fields, sender=sender, recipients=tuple(recipients),
                            attachments=files, business=business, trace=hops, document_id="")
    problems = _Problems()
    _check_document(packet, problems, today=now.date())
    problems.raise_if_any()
    document_id = make_document_id(sender.organ_id, document_fields.issued_date, document_fields.code_number,
                                   document_fields.code_notation)
    writer = _Writer(problems)
    root, header, body = writer.envelope()
    writer.message_header(header, replace(packet, document_id=document_id))
    writer.trace_header_list(header, hops, business, document_id, now)
    manifest = writer.add(body, "edXMLManifest")
    manifest.set("version", "1.0")
    encoded = writer.add(root, "AttachmentEncoded") if files else None
    for attachment in files:
        writer.attachment(manifest, encoded, attachment)
    problems.raise_if_any()
    return _serialise(root)


def build_status_packet(*, reporter: Organ, response_for: ResponseFor, status: StatusCode | str,
                        description: str = "", staff: StaffInfo | None = None,
                        timestamp: datetime | None = None) -> bytes:
    """The ``.edxml`` bytes of a status report (QCVN 102 §3) from ``reporter`` about ``response_for``;
    ``description`` carries the reason of a refusal (02, 16)."""
    problems = _Problems()
    try:
        code = StatusCode(status)
    except ValueError:
        problems.add("Status/StatusCode", _("Unknown status code %(value)s.") % {"value": status})
        code = StatusCode.REFUSED
    packet = StatusPacket(reporter=reporter, response_for=response_for, status=code, description=description,
                          staff=staff, timestamp=timestamp or datetime.now(VIETNAM_TIME))
    _check_status(packet, problems, "Status")
    problems.raise_if_any()
    writer = _Writer(problems)
    root, header, _body = writer.envelope(with_body=False)
    writer.status(header, packet)
    problems.raise_if_any()
    return _serialise(root)


def _serialise(root: Any) -> bytes:
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def _format_timestamp(moment: datetime) -> str:
    """Vietnam's wall-clock time; a naive moment is taken to be in it already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM_TIME)
    return moment.strftime(TIMESTAMP_FORMAT)


def _format_date(day: date | None) -> str:
    return day.strftime(DATE_FORMAT) if day else ""


class _Writer:
    """Writes the envelope of QCVN 102 §5: ``edXML`` with the default namespace, the envelope and
    everything in it with the ``edXML:`` prefix, ``AttachmentEncoded`` unprefixed."""

    def __init__(self, problems: _Problems) -> None:
        self.problems = problems

    def add(self, parent: Any, name: str, text: str | None = None) -> Any:
        element = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}")
        if text is not None:
            try:
                element.text = text
            except ValueError:  # control characters: XML 1.0 cannot carry them
                self.problems.add(_path_of(element), _("Contains characters that XML cannot carry."))
        return element

    def envelope(self, *, with_body: bool = True) -> tuple[Any, Any, Any]:
        root = etree.Element(f"{{{NAMESPACE}}}edXML", nsmap={None: NAMESPACE})
        envelope = etree.SubElement(root, f"{{{NAMESPACE}}}edXMLEnvelope", nsmap={PREFIX: NAMESPACE})
        header = self.add(envelope, "edXMLHeader")
        return root, header, self.add(envelope, "edXMLBody") if with_body else None

    def organ(self, parent: Any, name: str, organ: Organ) -> None:
        element = self.add(parent, name)
        self.add(element, "OrganId", organ.organ_id)
        if organ.organization_in_charge:
            self.add(element, "OrganizationInCharge", organ.organization_in_charge)
        self.add(element, "OrganName", organ.organ_name)
        for tag, value in (("OrganAdd", organ.address), ("Email", organ.email), ("Telephone", organ.telephone),
                           ("Fax", organ.fax), ("Website", organ.website)):
            if value:
                self.add(element, tag, value)

    def response_for(self, parent: Any, response: ResponseFor) -> None:
        element = self.add(parent, "ResponseFor")
        self.add(element, "OrganId", response.organ_id)
        self.add(element, "Code", response.code)
        self.add(element, "PromulgationDate", _format_date(response.promulgation_date))
        self.add(element, "DocumentId", response.document_id)

    def staff(self, parent: Any, staff: StaffInfo | None) -> None:
        if staff is None:
            return
        element = self.add(parent, "StaffInfo")
        for tag, value in (("Department", staff.department), ("Staff", staff.staff), ("Mobile", staff.mobile),
                           ("Email", staff.email)):
            self.add(element, tag, value)

    def message_header(self, header: Any, packet: DocumentPacket) -> None:
        """The elements in the order of QCVN 102's numbering 1.1–1.14."""
        document = packet.document
        element = self.add(header, "MessageHeader")
        self.organ(element, "From", packet.sender)
        for recipient in packet.recipients:
            self.organ(element, "To", recipient)
        code = self.add(element, "Code")
        self.add(code, "CodeNumber", document.code_number)
        self.add(code, "CodeNotation", document.code_notation)
        promulgation = self.add(element, "PromulgationInfo")
        self.add(promulgation, "Place", document.place)
        self.add(promulgation, "PromulgationDate", _format_date(document.issued_date))
        if document.document_type is not None:
            kind = self.add(element, "DocumentType")
            self.add(kind, "Type", str(document.document_type.type))
            self.add(kind, "TypeDetail", str(document.document_type.detail))
            self.add(kind, "TypeName", document.document_type.name)
        self.add(element, "Subject", document.subject)
        if document.content:
            self.add(element, "Content", document.content)
        signer = self.add(element, "SignerInfo")
        self.add(signer, "Competence", document.signer_competence)
        self.add(signer, "Position", document.signer_position)
        self.add(signer, "FullName", document.signer_name)
        if document.due_date:
            self.add(element, "DueDate", _format_date(document.due_date))
        if document.to_places:
            places = self.add(element, "ToPlaces")
            for place in document.to_places:
                self.add(places, "Place", place)
        other = self.add(element, "OtherInfo")
        self.add(other, "Priority", str(int(document.priority)))
        if document.sphere_of_promulgation:
            self.add(other, "SphereOfPromulgation", document.sphere_of_promulgation)
        if document.typer_notation:
            self.add(other, "TyperNotation", document.typer_notation)
        if document.promulgation_amount is not None:
            self.add(other, "PromulgationAmount", str(document.promulgation_amount))
        if document.page_amount is not None:
            self.add(other, "PageAmount", str(document.page_amount))
        if document.appendixes:
            appendixes = self.add(other, "Appendixes")
            for appendix in document.appendixes:
                self.add(appendixes, "Appendix", appendix)
        for response in document.response_for:
            self.response_for(element, response)
        if document.steering_type is not None:
            self.add(element, "SteeringType", str(document.steering_type))
        self.add(element, "DocumentId", packet.document_id)

    def trace_header_list(self, header: Any, hops: Sequence[TraceHop], business: Business, document_id: str,
                          now: datetime) -> None:
        element = self.add(header, "TraceHeaderList")
        for hop in hops:
            trace = self.add(element, "TraceHeader")
            self.add(trace, "OrganId", hop.organ_id)
            self.add(trace, "Timestamp", _format_timestamp(hop.timestamp or now))
        bussiness = self.add(element, "Bussiness")
        self.add(bussiness, "BussinessDocType", str(int(business.doc_type)))
        self.add(bussiness, "BussinessDocReason", business.reason)
        target = business.document_id
        if not target and business.doc_type in (BusinessType.REVOKE, BusinessType.UPDATE):
            target = document_id
        if target:
            self.add(bussiness, "DocumentId", target)
        self.add(bussiness, "Paper", "1" if business.paper else "0")
        self.staff(bussiness, business.staff)
        if business.doc_type == BusinessType.UPDATE:
            info = self.add(bussiness, "BussinessDocumentInfo")
            self.add(info, "DocumentInfo", "1" if business.document_info_changed else "0")
            self.add(info, "DocumentReceiver", "1" if business.receivers_changed else "0")
            receivers = self.add(info, "ReceiverList")
            for receiver in business.receivers:
                entry = self.add(receivers, "Receiver")
                self.add(entry, "OrganId", receiver.organ_id)
                self.add(entry, "ReceiverType", str(int(receiver.receiver_type)))
        if business.doc_type == BusinessType.REPLACE:
            replacements = self.add(bussiness, "ReplacementInfoList")
            for replacement in business.replacements:
                entry = self.add(replacements, "ReplacementInfo")
                self.add(entry, "DocumentId", replacement.document_id)
                organs = self.add(entry, "OrganIdList")
                for organ_id in replacement.organ_ids:
                    self.add(organs, "OrganId", organ_id)

    def attachment(self, manifest: Any, encoded: Any, attachment: Attachment) -> None:
        """The manifest names the file as ``cid:<id>``, the file itself carries the bare id."""
        reference = self.add(manifest, "Reference")
        self.add(reference, "ContentId", f"cid:{attachment.content_id}")
        self.add(reference, "ContentType", attachment.content_type)
        self.add(reference, "Description", attachment.description)
        self.add(reference, "AttachmentName", attachment.name)
        file = self.add(encoded, "Attachment")
        self.add(file, "ContentId", attachment.content_id)
        self.add(file, "AttachmentName", attachment.name)
        self.add(file, "Description", attachment.description)
        self.add(file, "ContentType", attachment.content_type)
        self.add(file, "ContentTransferEncoded", base64.b64encode(attachment.content).decode("ascii"))

    def status(self, header: Any, packet: StatusPacket) -> None:
        element = self.add(header, "Status")
        self.organ(element, "From", packet.reporter)
        self.response_for(element, packet.response_for)
        self.staff(element, packet.staff)
        self.add(element, "StatusCode", packet.status.value)
        self.add(element, "Description", packet.description)
        if packet.timestamp is not None:
            self.add(element, "Timestamp", _format_timestamp(packet.timestamp))


def _path_of(element: Any) -> str:
    """The element's path from the part of the packet it belongs to (MessageHeader, Status …)."""
    names = []
    while element is not None and _local(element.tag) not in ("edXMLHeader", "edXMLBody", "edXML"):
        names.append(_local(element.tag))
        element = element.getparent()
    return "/".join(reversed(names))


# ---------------------------------------------------------------------------------------------------
# Reading


def parse(packet: bytes | str, *, today: date | None = None) -> DocumentPacket | StatusPacket:
    """Read an ``.edxml`` packet: a document (new, revoked, updated, replaced) or a status report.
    ``today`` (in Vietnam) bounds the issue date. Refuses with one :class:`PacketError` naming
    every problem by its path."""
    problems = _Problems()
    if isinstance(packet, str):  # lxml refuses text that declares its encoding
        packet = packet.encode()
    root = _read_xml(packet, problems)
    if root is None:
        raise PacketError(problems.by_path)
    top = _Node(root, _local(root.tag), problems)
    if top.name == "edXML":
        envelope = top.child("edXMLEnvelope") or top
        header, body = envelope.child("edXMLHeader"), envelope.child("edXMLBody")
        encoded = top.child("AttachmentEncoded") or envelope.child("AttachmentEncoded")
    elif top.name == "Envelope":  # the SOAP form of the oldest senders
        header, body, encoded = top.child("Header"), top.child("Body"), None
    else:
        problems.add(top.path, _("This is not an edXML packet: its root element is %(name)s.") % {"name": top.name})
        raise PacketError(problems.by_path)
    if header is None:
        problems.add(f"{top.path}/edXMLEnvelope/edXMLHeader", _("Required, but missing or empty."))
        raise PacketError(problems.by_path)
    message_header = header.child("MessageHeader")
    status = header.child("Status")
    if status is None and message_header is not None and message_header.child("StatusCode") is not None:
        status = message_header
    if status is not None:
        return _read_status(status.rooted(), problems)
    if message_header is None:
        problems.add(header.path, _("The packet has neither a MessageHeader nor a Status."))
        raise PacketError(problems.by_path)
    manifest = body and (body.child("edXMLManifest") or body.child("Manifest"))
    return _read_document(message_header.rooted(), header.child("TraceHeaderList"), manifest, encoded,
                          signed=header.child("Signature") is not None, problems=problems, today=today or _today())


@dataclass(frozen=True)
class RefusalTarget:
    """What a refusal can name of a document packet that did not read: the document (its sender,
    "number/notation", issue date and DocumentId) and the organisations it was addressed to."""

    response_for: ResponseFor
    recipients: tuple[str, ...]


def refusal_target(packet: bytes | str) -> RefusalTarget | None:
    """Read, leniently, whom a "02 refused" status packet about ``packet`` answers: None when the XML
    does not read, when it is a status packet (a status is never answered with a status), or when it
    names no document (no DocumentId, nor the parts to make one)."""
    if isinstance(packet, str):
        packet = packet.encode()
    problems = _Problems()
    root = _read_xml(packet, problems)
    if root is None:
        return None
    elements = [element for element in root.iter() if isinstance(element.tag, str)]
    if any(_local(element.tag) in ("Status", "StatusCode") for element in elements):
        return None
    header = next((element for element in elements if _local(element.tag) == "MessageHeader"), None)
    if header is None:
        return None
    node = _Node(header, "MessageHeader", problems)
    sender, code, promulgation = node.child("From"), node.child("Code"), node.child("PromulgationInfo")
    organ_id = sender.text("OrganId") if sender else ""
    number, notation = (code.text("CodeNumber"), code.text("CodeNotation")) if code else ("", "")
    issued = _parse_date(promulgation.text("PromulgationDate")) if promulgation else None
    document_id = node.text("DocumentId")
    if not document_id and organ_id and issued and number and notation:
        document_id = make_document_id(organ_id, issued, number, notation)
    if not document_id:
        return None
    recipients = tuple(dict.fromkeys(organ for to in node.children("To") if (organ := to.text("OrganId"))))
    return RefusalTarget(ResponseFor(organ_id=organ_id, code="/".join(part for part in (number, notation) if part),
                                     promulgation_date=issued, document_id=document_id), recipients)


#: Deeper nesting is refused: no real packet comes near it, and it bounds the work on a hostile one.
MAX_DEPTH = 256
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_PROLOG_ITEM = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->)", re.DOTALL)


def _prolog_end(packet: bytes) -> int:
    """Where the prolog's declaration, comments and processing instructions end: a DOCTYPE, if any,
    comes next, before the root element."""
    position = 0
    while (match := _PROLOG_ITEM.match(packet, position)) is not None:
        position = match.end()
    return position


def _read_xml(packet: bytes, problems: _Problems) -> Any:
    """The packet's root, or None with the reason recorded. ``huge_tree`` lifts libxml2's 10 MB cap on
    one text node (a file's Base64 over 7.5 MB is one); what else it lifts is covered here: a packet
    with a document type declaration is refused (entities are never expanded, nothing is fetched),
    and nesting deeper than ``MAX_DEPTH`` is refused."""
    if _DOCTYPE.search(packet[:packet.find(b"<", _prolog_end(packet)) + 10]):
        problems.add("edXML", _("A packet may not contain a document type declaration (DTD)."))
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)
    try:
        root = etree.fromstring(packet, parser)
    except etree.XMLSyntaxError:
        first = next(iter(parser.error_log), None)
        if first is None:
            problems.add("edXML", _("The packet is not well-formed XML."))
        else:
            problems.add("edXML", _("The packet is not well-formed XML (line %(line)s, column %(column)s).")
                         % {"line": first.line, "column": first.column})
        return None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        problems.add("edXML", _("A packet may not contain a document type declaration (DTD)."))
        return None
    depth = 0
    for event, _element in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_DEPTH:
            problems.add("edXML", _("The packet nests elements more than %(depth)s deep.") % {"depth": MAX_DEPTH})
            return None
    return root


def _local(tag: str) -> str:
    """The local name, whatever namespace or undeclared prefix the sender used."""
    return tag.rpartition("}")[2].rpartition(":")[2]


def _parse_date(value: str) -> date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _parse_timestamp(value: str) -> datetime | None:
    for pattern in _TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=VIETNAM_TIME)
        except ValueError:
            continue
    return None


class _Node:
    """An element with its path, looked into by local name in any order; what does not read is
    recorded against its path and read as empty."""

    __slots__ = ("_children", "element", "name", "path", "problems")

    def __init__(self, element: Any, path: str, problems: _Problems) -> None:
        self.element = element
        self.name = _local(element.tag)
        self.path = path
        self.problems = problems
        self._children: dict[str, list[Any]] | None = None

    def _by_name(self) -> dict[str, list[Any]]:
        if self._children is None:
            self._children = {}
            for child in self.element:
                if isinstance(child.tag, str):  # not a comment or processing instruction
                    self._children.setdefault(_local(child.tag), []).append(child)
        return self._children

    def rooted(self) -> "_Node":
        """The same element, its paths starting at its own name."""
        return _Node(self.element, self.name, self.problems)

    def path_of(self, name: str) -> str:
        return f"{self.path}/{name}"

    def child(self, name: str) -> "_Node | None":
        found = self._by_name().get(name)
        return _Node(found[0], self.path_of(name), self.problems) if found else None

    def children(self, name: str) -> list["_Node"]:
        return [_Node(element, f"{self.path}/{name}[{index}]", self.problems)
                for index, element in enumerate(self._by_name().get(name, ()), 1)]

    def own_text(self) -> str:
        """The element's text, comments inside it skipped."""
        tails = "".join(child.tail or "" for child in self.element if not isinstance(child.tag, str))
        return ((self.element.text or "") + tails).strip()

    def text(self, name: str) -> str:
        node = self.child(name)
        return node.own_text() if node is not None else ""

    def date(self, name: str) -> date | None:
        value = self.text(name)
        if not value:
            return None
        parsed = _parse_date(value)
        if parsed is None:
            self.problems.add(self.path_of(name), _("Not a date: %(value)s (expected yyyy/MM/dd or dd/MM/yyyy).")
                              % {"value": value})
        return parsed

    def timestamp(self, name: str) -> datetime | None:
        value = self.text(name)
        if not value:
            return None
        parsed = _parse_timestamp(value)
        if parsed is None:
            self.problems.add(self.path_of(name), _("Not a time: %(value)s (expected yyyy/MM/dd HH:mm:ss).")
                              % {"value": value})
        return parsed

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        if not value:
            return None
        if value.isascii() and value.isdigit() and int(value) <= _UNSIGNED_SHORT_MAX:
            return int(value)
        self.problems.add(self.path_of(name), _("Not a whole number from 0 to %(maximum)s: %(value)s.")
                          % {"maximum": _UNSIGNED_SHORT_MAX, "value": value})
        return None

    def flag(self, name: str) -> bool:
        value = self.text(name).lower()
        if value in ("", "0", "false"):
            return False
        if value not in ("1", "true"):
            self.problems.add(self.path_of(name), _("Not 0 or 1: %(value)s.") % {"value": value})
        return True


def _read_organ(node: _Node | None) -> Organ:
    if node is None:
        return Organ("")
    return Organ(organ_id=node.text("OrganId"), organ_name=node.text("OrganName"),
                 organization_in_charge=node.text("OrganizationInCharge"), address=node.text("OrganAdd"),
                 email=node.text("Email"), telephone=node.text("Telephone"), fax=node.text("Fax"),
                 website=node.text("Website"))


def _read_response_for(node: _Node) -> ResponseFor:
    """A missing DocumentId is rebuilt from the sender, date and "number/notation" when all are given."""
    organ_id, code, promulgation_date = node.text("OrganId"), node.text("Code"), node.date("PromulgationDate")
    document_id = node.text("DocumentId")
    if not document_id and organ_id and code and promulgation_date:
        document_id = f"{organ_id},{promulgation_date.strftime(DATE_FORMAT)},{code}"
    return ResponseFor(organ_id=organ_id, code=code, promulgation_date=promulgation_date, document_id=document_id)


def _read_staff(node: _Node | None) -> StaffInfo | None:
    if node is None:
        return None
    return StaffInfo(department=node.text("Department"), staff=node.text("Staff"), mobile=node.text("Mobile"),
                     email=node.text("Email"))


def _read_enum(node: _Node, name: str, enum: type[IntEnum], message: str) -> Any:
    """The enum member, or None with ``message`` (naming %(value)s) against the path."""
    value = node.integer(name)
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        node.problems.add(node.path_of(name), message % {"value": value})
        return None


def _read_document(header: _Node, trace_list: _Node | None, manifest: _Node | None, encoded: _Node | None, *,
                   signed: bool, problems: _Problems, today: date) -> DocumentPacket:
    code = header.child("Code")
    promulgation = header.child("PromulgationInfo")
    issued_date = promulgation.date("PromulgationDate") if promulgation else None
    kind_node = header.child("DocumentType")
    kind = None
    if kind_node is not None:
        kind = DocumentKind(type=kind_node.integer("Type") or 0, detail=kind_node.integer("TypeDetail") or 0,
                            name=kind_node.text("TypeName"))
    signer = header.child("SignerInfo")
    other = header.child("OtherInfo")
    priority = None
    if other is not None:
        priority = _read_enum(other, "Priority", Priority, _("Unknown priority %(value)s (0 to 4)."))
    places = header.child("ToPlaces")
    appendixes = other.child("Appendixes") if other else None
    document = PacketDocument(
        code_number=code.text("CodeNumber") if code else "",
        code_notation=code.text("CodeNotation") if code else "",
        issued_date=issued_date or date.min,
        place=promulgation.text("Place") if promulgation else "",
        document_type=kind,
        subject=header.text("Subject"),
        content=header.text("Content"),
        signer_competence=signer.text("Competence") if signer else "",
        signer_position=signer.text("Position") if signer else "",
        signer_name=signer.text("FullName") if signer else "",
        due_date=header.date("DueDate"),
        to_places=tuple(place.own_text() for place in places.children("Place")) if places else (),
        priority=priority or Priority.NORMAL,
        sphere_of_promulgation=other.text("SphereOfPromulgation") if other else "",
        typer_notation=other.text("TyperNotation") if other else "",
        promulgation_amount=other.integer("PromulgationAmount") if other else None,
        page_amount=other.integer("PageAmount") if other else None,
        appendixes=tuple(a.own_text() for a in appendixes.children("Appendix")) if appendixes else (),
        response_for=tuple(_read_response_for(node) for node in header.children("ResponseFor")),
        steering_type=header.integer("SteeringType"),
    )
    if issued_date is None:
        problems.required("MessageHeader/PromulgationInfo/PromulgationDate", None)
    sender = _read_organ(header.child("From"))
    document_id = header.text("DocumentId")
    if not document_id and issued_date and sender.organ_id and document.code_number and document.code_notation:
        document_id = make_document_id(sender.organ_id, issued_date, document.code_number, document.code_notation)
    trace_list = trace_list.rooted() if trace_list else None
    hops = tuple(TraceHop(node.text("OrganId"), node.timestamp("Timestamp"))
                 for node in trace_list.children("TraceHeader")) if trace_list else ()
    bussiness = trace_list and (trace_list.child("Bussiness") or trace_list.child("Business"))
    packet = DocumentPacket(
        document=document, sender=sender, recipients=tuple(_read_organ(node) for node in header.children("To")),
        attachments=_read_attachments(manifest.rooted() if manifest else None,
                                      encoded.rooted() if encoded else None, problems),
        business=_read_business(bussiness, document_id) if bussiness else Business(),
        trace=hops, document_id=document_id, signed=signed)
    _check_document(packet, problems, today)
    problems.raise_if_any()
    return packet


def _read_business(node: _Node, document_id: str) -> Business:
    doc_type = _read_enum(node, "BussinessDocType", BusinessType,
                          _("Unknown business type %(value)s (0 new, 1 revoke, 2 update, 3 replace)."))
    doc_type = doc_type if doc_type is not None else BusinessType.NEW
    target = node.text("DocumentId")
    if not target and doc_type in (BusinessType.REVOKE, BusinessType.UPDATE):
        target = document_id
    receivers: list[Receiver] = []
    info = node.child("BussinessDocumentInfo")
    receiver_list = info.child("ReceiverList") if info else None
    for entry in receiver_list.children("Receiver") if receiver_list else ():
        receiver_type = _read_enum(entry, "ReceiverType", ReceiverType,
                                   _("Unknown receiver type %(value)s (0 removed, 1 added)."))
        receivers.append(Receiver(entry.text("OrganId"), receiver_type or ReceiverType.REMOVED))
    replacements = []
    replacement_list = node.child("ReplacementInfoList")
    for entry in replacement_list.children("ReplacementInfo") if replacement_list else ():
        organs = entry.child("OrganIdList")
        organ_ids = tuple(o.own_text() for o in organs.children("OrganId")) if organs else ()
        replacements.append(Replacement(entry.text("DocumentId"), organ_ids))
    return Business(doc_type=doc_type, reason=node.text("BussinessDocReason"), document_id=target,
                    paper=node.flag("Paper"), staff=_read_staff(node.child("StaffInfo")),
                    document_info_changed=info.flag("DocumentInfo") if info else False,
                    receivers_changed=info.flag("DocumentReceiver") if info else False,
                    receivers=tuple(receivers), replacements=tuple(replacements))


def _content_id(value: str) -> str:
    """The id without the ``cid:`` prefix or MIME's angle brackets, which senders add inconsistently."""
    value = value.strip()
    if value[:4].lower() == "cid:":
        value = value[4:]
    return value.strip().strip("<>")


def _read_attachments(manifest: _Node | None, encoded: _Node | None, problems: _Problems) -> tuple[Attachment, ...]:
    """Each manifest Reference paired with the Attachment of the same content id, in manifest order."""
    files: dict[str, _Node] = {}
    for file in encoded.children("Attachment") if encoded else ():
        content_id = _content_id(file.text("ContentId"))
        if not content_id:
            problems.required(file.path_of("ContentId"), None)
        elif content_id in files:
            problems.add(file.path_of("ContentId"), _("The content id %(content_id)s is used twice.")
                         % {"content_id": content_id})
        else:
            files[content_id] = file
    attachments = []
    referenced: set[str] = set()
    for reference in manifest.children("Reference") if manifest else ():
        content_id = _content_id(reference.text("ContentId"))
        if not content_id:
            problems.required(reference.path_of("ContentId"), None)
            continue
        if content_id in referenced:
            problems.add(reference.path_of("ContentId"), _("The content id %(content_id)s is used twice.")
                         % {"content_id": content_id})
            continue
        referenced.add(content_id)
        carrier = files.get(content_id)
        if carrier is None:
            problems.add(reference.path_of("ContentId"), _("No Attachment in the packet carries the file "
                                                           "%(content_id)s.") % {"content_id": content_id})
            continue
        attachment = _read_file(reference, carrier, content_id)
        if attachment is not None:
            attachments.append(attachment)
    for content_id, file in files.items():
        if content_id not in referenced:
            problems.add(file.path_of("ContentId"), _("The file %(content_id)s is not listed in the manifest "
                                                      "(edXMLManifest).") % {"content_id": content_id})
    return tuple(attachments)


def _read_file(reference: _Node, file: _Node, content_id: str) -> Attachment | None:
    problems = file.problems
    name = reference.text("AttachmentName") or file.text("AttachmentName")
    if not name:
        problems.required(reference.path_of("AttachmentName"), None)
        return None
    content_type = (file.text("ContentType") or reference.text("ContentType") or "application/octet-stream").lower()
    encoded = file.child("ContentTransferEncoded")
    if encoded is None:
        problems.required(file.path_of("ContentTransferEncoded"), None)
        return None
    try:
        content = base64.b64decode("".join(encoded.own_text().split()), validate=True)
    except (binascii.Error, ValueError):  # ValueError: not ASCII
        problems.add(encoded.path, _("The file's content is not valid Base64."))
        return None
    if content_type in _ZIP_TYPES and not name.lower().endswith(".zip"):
        unzipped = _unzip(content, name, encoded.path, problems)
        if unzipped is None:
            return None
        content = unzipped
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Attachment(name=name, content_type=content_type, content=content, content_id=content_id,
                      description=reference.text("Description") or file.text("Description"))


def _unzip(archive_bytes: bytes, name: str, path: str, problems: _Problems) -> bytes | None:
    """The file an SDK zipped on the way: the member of the same name, or the only one."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
            members = [member for member in archive.infolist() if not member.is_dir()]
            chosen = next((m for m in members if PurePosixPath(m.filename).name == name), None)
            if chosen is None and len(members) == 1:
                chosen = members[0]
            if chosen is None:
                problems.add(path, _("The ZIP archive holds %(count)s files, not the one file %(name)s.")
                             % {"count": len(members), "name": name})
                return None
            too_large = _("The unzipped file is larger than %(limit)s MB.") % {
                "limit": MAX_UNZIPPED_BYTES // (1024 * 1024)}
            if chosen.file_size > MAX_UNZIPPED_BYTES:
                problems.add(path, too_large)
                return None
            with archive.open(chosen) as member:
                content = member.read(MAX_UNZIPPED_BYTES + 1)  # the declared size may lie
            if len(content) > MAX_UNZIPPED_BYTES:
                problems.add(path, too_large)
                return None
            return content
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError):
        # RuntimeError: encrypted; NotImplementedError: an unknown compression method
        problems.add(path, _("The file is declared as ZIP but is not a readable ZIP archive."))
        return None


def _read_status(node: _Node, problems: _Problems) -> StatusPacket:
    value = node.text("StatusCode")
    if value.isascii() and value.isdigit() and len(value) == 1:
        value = value.zfill(2)  # "1" for "01"
    status = StatusCode.REFUSED
    if not value:
        problems.required(node.path_of("StatusCode"), None)
    else:
        try:
            status = StatusCode(value)
        except ValueError:
            problems.add(node.path_of("StatusCode"), _("Unknown status code %(value)s.") % {"value": value})
    response_for = node.child("ResponseFor")
    if response_for is None:
        problems.required(node.path_of("ResponseFor"), None)
    packet = StatusPacket(
        reporter=_read_organ(node.child("From")),
        response_for=_read_response_for(response_for) if response_for else ResponseFor("", "", None, ""),
        status=status, description=node.text("Description"), staff=_read_staff(node.child("StaffInfo")),
        timestamp=node.timestamp("Timestamp"))
    if response_for is not None:
        _check_status(packet, problems, node.name)
    else:
        _check_organ(packet.reporter, node.path_of("From"), problems)
    problems.raise_if_any()
    return packet
