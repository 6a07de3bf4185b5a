"""Sending an outgoing document to its recipients: to a body of this system directly, to any other
organisation as an edXML packet to the peer that serves it.

Everything is written in the caller's transaction (the step that sends), and nothing slow happens
in it: the document gets its DocumentId, each recipient a delivery (what the sender's register
shows), and the outbox a row per peer (the packet, built now: what leaves is what was approved)
or per body of this system (handed over by a worker: its copy, the verification of its PDF, its
procedure). The rows go out after commit. Sending again is harmless: a recipient that already has a
delivery is skipped, so a step that runs twice sends nothing twice. A recalled document is not sent
again (``exchange.recalls``).

A correction (đính chính: the document ``corrects`` another) goes to a peer as an edXML update
(business type 2) and a replacement (``replaces``) as a replacement (3), both naming the original's
DocumentId, when that peer's recipients had the original; otherwise, and for anything else, as a
new document (0). A body here gets its copy linked to its copy of the original (``arrivals``).
"""

from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.models import Body
from directory.people import display_name
from documents import access as document_access
from documents import records
from documents.models import Direction, Document, DocumentLink, FileRole, HandlingStatus, LinkKind, full_number

from . import contents, deliveries, organs, outbox, peers
from .edxml import (
    Business,
    BusinessType,
    Organ,
    Replacement,
    StaffInfo,
    build_document_packet,
    make_document_id,
)
from .exceptions import NotSendable
from .models import Delivery, DeliveryStatus, PacketKind, Peer

#: Why an update or a replacement is sent, in its ``BussinessDocReason``.
REASONS = {LinkKind.CORRECTS: gettext_lazy("Corrects the document %(number)s."),
           LinkKind.REPLACES: gettext_lazy("Replaces the document %(number)s.")}


def _check(document: Document, organ_ids: list[str]) -> date:
    """Refuses what cannot be sent; returns the issued date, which the DocumentId names."""
    if document.direction != Direction.OUTGOING:
        raise NotSendable(_("Only an outgoing document is sent through the exchange."))
    if document.status == HandlingStatus.RECALLED:
        raise NotSendable(_("The document was recalled (THU HỒI): it is kept as it was and not sent again."))
    if not document_access.may_forward(document):
        raise NotSendable(_("A confidential document is not sent through the electronic exchange; send it on "
                            "paper."))
    missing = [name for name in ("code_number", "code_notation", "issued_date") if not getattr(document, name)]
    if missing or document.issued_date is None:
        raise NotSendable(_("Only a numbered and dated document is sent: give it its number, notation and issued "
                            "date first."), errors={name: [_("Required.")] for name in missing})
    if not organ_ids:
        raise NotSendable(_("Name at least one recipient by its identification code."),
                          errors={"recipients": [_("Required.")]})
    return document.issued_date


def recipients_of(document: Document) -> list[str]:
    """The identification codes the document is addressed to (its ``recipients``)."""
    return [str(r["organ_id"]).strip() for r in document.recipients
            if isinstance(r, dict) and str(r.get("organ_id") or "").strip()]


def send(document: Document, *, recipients: Sequence[str] | None = None, actor=None) -> list[Delivery]:
    """Send ``document`` to ``recipients`` (identification codes; by default its own recipients).
    Returns every delivery of the document. Refuses (``NotSendable``, ``NoRoute``) before writing
    anything."""
    with transaction.atomic():
        document = Document.objects.select_for_update(of=("self",)).select_related("document_type").get(pk=document.pk)
        organ_ids = list(dict.fromkeys(str(code).strip() for code in (
            recipients if recipients is not None else recipients_of(document)) if str(code).strip()))
        issued = _check(document, organ_ids)
        sender = organs.organ_of(document.body)
        exchange_id = make_document_id(sender.organ_id, issued, document.code_number, document.code_notation)
        _claim_exchange_id(document, exchange_id)
        sent = set(document.deliveries.values_list("organ_id", flat=True))
        routes = peers.route(code for code in organ_ids if code not in sent)
        if routes:
            _send(document, routes, sender=sender, exchange_id=exchange_id, issued=issued, actor=actor)
        return list(document.deliveries.order_by("organ_id"))


def _claim_exchange_id(document: Document, exchange_id: str) -> None:
    if document.exchange_id == exchange_id:
        return
    if document.exchange_id:
        raise NotSendable(_("The document was sent before as %(sent)s; its number, notation or date changed since.")
                          % {"sent": document.exchange_id})
    if Document.objects.filter(exchange_id=exchange_id).exclude(pk=document.pk).exists():
        raise NotSendable(_("Another document was already exchanged as %(id)s: check the number and the date.")
                          % {"id": exchange_id})
    document.exchange_id = exchange_id
    records.save(document, update_fields=["exchange_id"])


def _send(document: Document, routes: dict[str, Body | Peer], *, sender: Organ, exchange_id: str, issued: date,
          actor) -> None:
    files = contents.files_of(document)
    if not files or files[0].role != FileRole.MAIN or not files[0].is_pdf:
        raise NotSendable(_("The document has no PDF file to send."), errors={"files": [_("Required.")]})
    names = {str(r.get("organ_id")): str(r.get("organ_name") or "") for r in document.recipients if isinstance(r, dict)}
    who = actor if getattr(actor, "pk", None) else None
    made: list[Delivery] = []
    by_peer: dict[Peer, list[str]] = {}
    for organ_id, target in routes.items():
        if isinstance(target, Body):
            row = outbox.add(kind=PacketKind.LOCAL, exchange_id=exchange_id, body=document.body, document=document)
            made.append(Delivery.objects.create(document=document, organ_id=organ_id, organ_name=target.name,
                                                body=target.code, packet=row, created_by=who))
        else:
            by_peer.setdefault(target, []).append(organ_id)
    staff = StaffInfo(department=sender.organ_name[:200], staff=display_name(who)) if who else None
    for peer, organ_ids in by_peer.items():
        packet = build_document_packet(
            contents.packet_document(document, issued_date=issued), sender=sender,
            business=business_for(document, organ_ids, staff=staff),
            recipients=[Organ(organ_id, names.get(organ_id, "")[:200]) for organ_id in organ_ids],
            attachments=contents.attachments(files))
        row = outbox.add(kind=PacketKind.DOCUMENT, exchange_id=exchange_id, body=document.body, document=document,
                         peer=peer, packet=packet)
        made += [Delivery.objects.create(document=document, organ_id=organ_id, organ_name=names.get(organ_id, "")[:200],
                                         peer=peer, packet=row, created_by=who) for organ_id in organ_ids]
    now = timezone.now()
    for delivery in made:
        deliveries.record(delivery, DeliveryStatus.PENDING, at=now, actor=who,
                          description=delivery.peer.name if delivery.peer else delivery.body)


def business_for(document: Document, organ_ids: list[str], *, staff: StaffInfo | None = None) -> Business:
    """What a packet to ``organ_ids`` does: update or replace the original the document corrects or
    replaces, when one of them had it; else bring a new document."""
    links = (DocumentLink.objects.filter(source=document, kind__in=(LinkKind.REPLACES, LinkKind.CORRECTS))
             .select_related("target").order_by("-kind", "pk"))  # a replacement before a correction
    for link in links:
        original = link.target
        had = sorted(set(original.deliveries.filter(organ_id__in=organ_ids).values_list("organ_id", flat=True)))
        if not original.exchange_id or not had:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            reason = str(REASONS[LinkKind(link.kind)]) % {
                "number": full_number(original.code_number, original.code_notation)}
        if link.kind == LinkKind.REPLACES:
            return Business(doc_type=BusinessType.REPLACE, reason=reason, document_id=original.exchange_id,
                            staff=staff, replacements=(Replacement(original.exchange_id, tuple(had)),))
        return Business(doc_type=BusinessType.UPDATE, reason=reason, document_id=original.exchange_id, staff=staff,
                        document_info_changed=True)
    return Business(staff=staff)
