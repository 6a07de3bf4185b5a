"""The receiving side: a packet a peer posted, read, checked, and accepted or refused.

A document packet is accepted when it reads (``edxml.parse``: element names in any order, every
problem named by its path), arrived intact (its ``Content-Digest``, when the sender gives one),
is addressed to at least one body of this system (by OrganId) and carries the PDF of the document.
Accepting it files it in each of our bodies it names (``arrivals``), verifies its PDF and starts
the incoming procedure there, and queues "01 arrived" back, all in one transaction. A DocumentId
is accepted once: a repeat, even one racing the first, answers with what the first filed and files
nothing.

Business types (S08): a new document (0) is filed as above. An update (2: a correction, đính
chính) or a replacement (3) is a new document too, linked to the copy filed here of the document
it corrects or replaces (``corrects`` / ``replaces``); when none of our bodies it names has that
copy, it is refused with 16, unless a replacement lists the organisations that had the original
and none of them is ours (then it is simply new here). A revocation (1, thu hồi) names a document
(its DocumentId) that this peer brought from that sender: each copy of it filed in a body it
names is taken back as a recall from a body here is (``recalls.take_back``) and answered 15; a
revocation that matches no copy is refused with 16; one repeated changes nothing.

A refused packet is kept with its problems, on the ``exchange`` audit stream, and answered both
ways: with the problem (the API's 400) and with a "02 refused" status packet through the outbox,
naming every problem, so the sender's register shows it even when it did not read our answer.
Nothing of it is registered. A status packet updates the delivery it reports on.
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents import records
from documents.models import Document, LinkKind
from engine import audit
from engine.exceptions import QuytrinhError

from . import arrivals, contents, organs, recalls, statuses
from .edxml import (
    BusinessType,
    DocumentPacket,
    PacketError,
    RefusalTarget,
    ResponseFor,
    StatusCode,
    StatusPacket,
    parse,
    refusal_target,
)
from .exceptions import ChangeNotMatched
from .models import Arrival, InboxOutcome, InboxPacket, PacketKind, Peer

#: The link a correction or a replacement makes to the copy it corrects or replaces.
LINK_OF_BUSINESS = {BusinessType.UPDATE: LinkKind.CORRECTS, BusinessType.REPLACE: LinkKind.REPLACES}
NO_REASON = gettext_lazy("Recalled by the sender.")

_SHA256 = re.compile(r"(?:^|,)\s*sha-256\s*=\s*:([A-Za-z0-9+/=]*):", re.IGNORECASE)


@dataclass(frozen=True)
class Receipt:
    """What became of a packet: ``accepted`` (filed now), ``duplicate`` (filed, or recalled, before),
    ``recorded`` (a status), ``recalled`` (copies taken back now); the documents filed or taken back,
    as ``{"id", "body"}``."""

    outcome: str
    kind: str
    exchange_id: str
    status_code: str = ""
    documents: tuple[dict[str, str], ...] = field(default=())


def receive(raw: bytes, *, peer: Peer, content_digest: str = "") -> Receipt:
    """Read and act on one packet from ``peer``; refuses with ``PacketError`` (or a more specific
    ``QuytrinhError``) after recording the refusal and queueing the answer."""
    digest_problem = _digest_problem(raw, content_digest)
    if digest_problem:
        error = PacketError({"Content-Digest": [digest_problem]})
        _refuse(raw, peer, error, target=refusal_target(raw))
        raise error
    try:
        packet = parse(raw)
    except PacketError as error:
        _refuse(raw, peer, error, target=refusal_target(raw))
        raise
    if isinstance(packet, StatusPacket):
        return _record_status(raw, packet, peer)
    return _accept(raw, packet, peer)


def _digest_problem(raw: bytes, header: str) -> str:
    """What is wrong with the packet's ``Content-Digest`` (RFC 9530), if the sender gave a SHA-256."""
    match = _SHA256.search(header or "")
    if match is None:
        return ""
    try:
        given = base64.b64decode(match.group(1), validate=True)
    except (binascii.Error, ValueError):
        return _("The Content-Digest is not valid Base64.")
    if given != hashlib.sha256(raw).digest():
        return _("The packet's SHA-256 does not match its Content-Digest: it was damaged on the way.")
    return ""


def _target_of(packet: DocumentPacket) -> RefusalTarget:
    document = packet.document
    return RefusalTarget(ResponseFor(organ_id=packet.sender.organ_id,
                                     code=f"{document.code_number}/{document.code_notation}",
                                     promulgation_date=document.issued_date, document_id=packet.document_id),
                         tuple(recipient.organ_id for recipient in packet.recipients))


def _refuse(raw: bytes, peer: Peer, error: QuytrinhError, *, target: RefusalTarget | None,
            code: StatusCode = StatusCode.REFUSED) -> None:
    """Keep the refused packet, put it on record and queue the status packet that answers it: from
    each of our bodies it names, or else from each organ it names (the sender keeps its delivery
    under the code it addressed)."""
    errors = getattr(error, "errors", None) or {"": [error.message]}
    summary = error.summary() if isinstance(error, PacketError) else error.message
    with transaction.atomic():
        InboxPacket.objects.create(
            peer=peer, kind=PacketKind.DOCUMENT if target else "", packet=raw,
            exchange_id=target.response_for.document_id[:200] if target else "",
            sha256=hashlib.sha256(raw).hexdigest(), outcome=InboxOutcome.REFUSED,
            errors={path: [str(m) for m in messages] for path, messages in errors.items()})
        answered = 0
        if target is not None:
            ours = organs.bodies_of(target.recipients)
            reporters = ({organ_id: body.name for organ_id, body in ours.items()} if ours
                         else dict.fromkeys(target.recipients, ""))
            answered = statuses.refuse(target, peer=peer, reporters=reporters, description=summary, code=code)
        audit.append("exchange", [audit.Entry("packet_refused", actor=peer.name, after={
            "exchange_id": target.response_for.document_id if target else "", "problems": summary[:1000],
            "answered": answered, "code": code.value})])


def _record_status(raw: bytes, report: StatusPacket, peer: Peer) -> Receipt:
    """A status is never answered with a status: one we cannot place is kept, on record, and refused."""
    kept = {"peer": peer, "kind": PacketKind.STATUS, "exchange_id": report.response_for.document_id[:200],
            "status_code": report.status.value, "packet": raw, "sha256": hashlib.sha256(raw).hexdigest()}
    try:
        with transaction.atomic():
            statuses.record(report, peer=peer)
            InboxPacket.objects.create(outcome=InboxOutcome.RECORDED, **kept)
    except QuytrinhError as error:
        with transaction.atomic():
            InboxPacket.objects.create(outcome=InboxOutcome.REFUSED, errors={"": [error.message]}, **kept)
            audit.append("exchange", [audit.Entry("packet_refused", actor=peer.name, after={
                "exchange_id": report.response_for.document_id, "problems": error.message[:1000], "answered": 0,
                "code": report.status.value})])
        raise
    return Receipt(outcome="recorded", kind=PacketKind.STATUS, exchange_id=report.response_for.document_id,
                   status_code=report.status.value)


def _filed(exchange_id: str) -> Receipt | None:
    """The answer to a DocumentId accepted before."""
    inbox = InboxPacket.objects.filter(kind=PacketKind.DOCUMENT, outcome=InboxOutcome.ACCEPTED,
                                       exchange_id=exchange_id).first()
    if inbox is None:
        return None
    filed = tuple({"id": str(document_id), "body": body} for document_id, body in
                  Arrival.objects.filter(inbox=inbox).order_by("pk").values_list("document_id", "body"))
    return Receipt(outcome="duplicate", kind=PacketKind.DOCUMENT, exchange_id=exchange_id, documents=filed)


def _targets(business) -> tuple[str, ...]:
    """The DocumentIds a change packet names: the revoked or updated one, the replaced ones."""
    named = [replacement.document_id for replacement in business.replacements] if business.doc_type == \
        BusinessType.REPLACE else []
    return tuple(dict.fromkeys(target for target in (*named, business.document_id) if target))


def _earlier_copies(packet: DocumentPacket, ours: dict) -> dict[str, Document] | None:
    """For a correction or a replacement: the copy each of our bodies it names has of the document it
    corrects or replaces (by organ); None when it must be refused, having nothing to link to."""
    targets = _targets(packet.business)
    found = {arrival.organ_id: arrival.document for arrival in Arrival.objects.select_related("document").filter(
        exchange_id__in=targets, sender_organ_id=packet.sender.organ_id,
        organ_id__in=[body.organ_id for body in ours.values()]).order_by("pk")}
    if found:
        return found
    listed = {organ for replacement in packet.business.replacements for organ in replacement.organ_ids}
    if packet.business.doc_type == BusinessType.REPLACE and listed and not listed & set(ours):
        return {}  # it replaces a document sent to others only: new here
    return None


def _accept(raw: bytes, packet: DocumentPacket, peer: Peer) -> Receipt:
    target = _target_of(packet)
    if packet.business.doc_type == BusinessType.REVOKE:
        return _revoke(raw, packet, peer)
    ours = organs.bodies_of(organ.organ_id for organ in packet.recipients)
    files = contents.from_packet(packet)
    problems = {}
    if not ours:
        problems["MessageHeader/To"] = [_("None of the recipients (%(codes)s) is a body of this system.") % {
            "codes": ", ".join(organ.organ_id for organ in packet.recipients)}]
    if not any(file.is_pdf for file in files):
        problems["edXMLManifest"] = [_("The packet carries no PDF file of the document.")]
    if problems:
        error = PacketError(problems)
        _refuse(raw, peer, error, target=target)
        raise error
    earlier = _filed(packet.document_id)
    if earlier is not None:
        return earlier
    link = LINK_OF_BUSINESS.get(packet.business.doc_type)
    copies = _earlier_copies(packet, ours) if link else {}
    if copies is None:
        unmatched = ChangeNotMatched(document_id=", ".join(_targets(packet.business)) or "?")
        _refuse(raw, peer, unmatched, target=target, code=StatusCode.CHANGE_REFUSED)
        raise unmatched
    verifications = {organ_id: arrivals.verified(files) for organ_id in ours}
    arriving = arrivals.Arriving(exchange_id=packet.document_id, fields=contents.fields_from_packet(packet),
                                 sender_organ_id=packet.sender.organ_id, code=target.response_for.code,
                                 promulgation_date=packet.document.issued_date)
    try:
        with transaction.atomic():
            inbox = InboxPacket.objects.create(peer=peer, kind=PacketKind.DOCUMENT, exchange_id=packet.document_id,
                                               packet=raw, sha256=hashlib.sha256(raw).hexdigest(),
                                               outcome=InboxOutcome.ACCEPTED)
            keep = not Document.objects.filter(exchange_id=packet.document_id).exists()
            filed = []
            for index, (organ_id, body) in enumerate(ours.items()):
                arrival = arrivals.file(arriving, body=body, files=files, verification_id=verifications[organ_id],
                                        keep_exchange_id=keep and index == 0, peer=peer, inbox=inbox)
                statuses.answer(arrival, StatusCode.ARRIVED)
                if link and organ_id in copies:
                    records.link(arrival.document, copies[organ_id], kind=link)
                filed.append({"id": str(arrival.document.pk), "body": body.code})
    except IntegrityError:  # the same DocumentId, accepted meanwhile by a concurrent post
        earlier = _filed(packet.document_id)
        if earlier is None:
            raise
        return earlier
    return Receipt(outcome="accepted", kind=PacketKind.DOCUMENT, exchange_id=packet.document_id,
                   documents=tuple(filed))


def _revoke(raw: bytes, packet: DocumentPacket, peer: Peer) -> Receipt:
    """Take back the copies of the document a revocation names, in the bodies it names."""
    document_id = packet.business.document_id or packet.document_id
    ours = organs.bodies_of(organ.organ_id for organ in packet.recipients)
    document = packet.document
    target = RefusalTarget(ResponseFor(organ_id=packet.sender.organ_id,
                                       code=f"{document.code_number}/{document.code_notation}",
                                       promulgation_date=document.issued_date, document_id=document_id),
                           tuple(recipient.organ_id for recipient in packet.recipients))
    copies = list(Arrival.objects.select_related("delivery", "peer").filter(
        exchange_id=document_id, sender_organ_id=packet.sender.organ_id, peer=peer,
        organ_id__in=[body.organ_id for body in ours.values()]).order_by("pk"))
    if not copies:
        error = ChangeNotMatched(document_id=document_id)
        _refuse(raw, peer, error, target=target, code=StatusCode.CHANGE_REFUSED)
        raise error
    reason = packet.business.reason or recalls.in_language(NO_REASON)
    organ = packet.sender.organ_name or packet.sender.organ_id
    with transaction.atomic():
        InboxPacket.objects.create(peer=peer, kind=PacketKind.REVOKE, exchange_id=document_id[:200], packet=raw,
                                   sha256=hashlib.sha256(raw).hexdigest(), outcome=InboxOutcome.ACCEPTED)
        taken = []
        for arrival in copies:
            if recalls.take_back(arrival, reason=reason, actor=peer.name, organ=organ):
                statuses.answer(arrival, StatusCode.CHANGE_ACCEPTED)
                taken.append({"id": str(arrival.document_id), "body": arrival.body})
        audit.append("exchange", [audit.Entry("packet_recall", actor=peer.name, after={
            "exchange_id": document_id, "reason": reason[:1000], "taken_back": [row["id"] for row in taken]})])
    return Receipt(outcome="recalled" if taken else "duplicate", kind=PacketKind.REVOKE, exchange_id=document_id,
                   documents=tuple(taken) or tuple({"id": str(a.document_id), "body": a.body} for a in copies))
