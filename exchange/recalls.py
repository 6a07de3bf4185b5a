"""Recall (thu hồi, S08): an issued document is frozen and every copy it made is taken back.

Everything happens in the caller's transaction, audited on each document's stream:

- ``freeze``: the document's handling status becomes ``recalled`` and its description carries the
  mark "THU HỒI"; the event ``document_recalled`` keeps when, by whom, from which organ and why
  (``recall_of`` reads it back for the document's page). From then on ``documents.records`` refuses
  it new files and ``exchange.sending`` refuses to send it (read-only).
- ``take_back``: a copy filed here (an ``Arrival``): its procedure is cancelled with the reason,
  its confidential grants revoked, and it is frozen; ``documents.access`` then shows it only to its
  body's office, as metadata. Whoever reached it before (the people of the units and persons it
  was assigned to, the co-operating units, anyone granted it: the copies forwarded inside the
  body) gets an ``access_revoked`` event naming them and what they keep.
- ``recall_copies``: the sender's side. A copy handed to a body here is taken back at once and the
  sender's delivery says so; a packet that never left is stopped; every peer that may hold a copy
  gets an edXML packet of business type revoke (1) through the outbox, the original's header and
  DocumentId, no files, and its delivery shows "recall sent" until the peer's 15 or 16.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from directory.people import display_name
from documents import access as document_access
from documents import records
from documents.models import ConfidentialGrant, Document, HandlingStatus
from engine import audit, conf, services
from engine.models import (
    AuditEvent,
    InstanceStatus,
    ProcessInstance,
    ProcessInstanceUserObjectPermission,
    Task,
    TaskStatus,
    TaskUserObjectPermission,
)

from . import conf as exchange_conf
from . import contents, deliveries, organs, outbox, statuses
from .edxml import Business, BusinessType, Organ, StaffInfo, StatusCode, build_document_packet
from .models import Arrival, Delivery, DeliveryStatus, OutboxPacket, OutboxState, PacketKind, Peer

#: The mark a recalled document carries in its metadata, as the stamp reads (not translated).
RECALL_MARK = "THU HỒI"
RECALLED_EVENT = "document_recalled"
_LIVE = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)
CANCELLED = gettext_lazy("Recalled by %(organ)s: %(reason)s")
WITHDRAWN = gettext_lazy("Recalled before it was sent.")


@dataclass(frozen=True)
class Recall:
    """A recall as the document's page shows it."""

    at: datetime
    by: str
    organ: str
    reason: str


def in_language(text) -> str:
    """What the other side's staff read (packets, histories, reasons): in the deployment's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _name(actor) -> str:
    return display_name(actor) if _user(actor) else str(actor or "")


def marked(description: str) -> str:
    """The description with the recall mark in front (once)."""
    if description.startswith(RECALL_MARK):
        return description
    return f"{RECALL_MARK} · {description}"[:500] if description else RECALL_MARK


def freeze(document: Document, *, reason: str, actor, organ: str) -> None:
    """Mark ``document`` recalled (status, mark, audit), in the caller's transaction."""
    before = document.status
    records.set_status(document, HandlingStatus.RECALLED, reason=reason, actor=actor)
    document.description = marked(document.description)
    records.save(document, update_fields=["description"])
    audit.append(f"document:{document.pk}", [audit.Entry(RECALLED_EVENT, actor=actor, before={"status": before}, after={
        "reason": reason, "by": _name(actor), "organ": organ, "mark": RECALL_MARK})])


def recall_of(documents) -> dict:
    """``{document pk: Recall}`` for the recalled ones among ``documents``, from their audit streams."""
    recalled = [document.pk for document in documents if document.status == HandlingStatus.RECALLED]
    if not recalled:
        return {}
    found = {}
    events = AuditEvent.objects.filter(stream__in=[f"document:{pk}" for pk in recalled], action=RECALLED_EVENT)
    for event in events.order_by("stream", "seq"):
        after = event.after or {}
        found[event.stream.split(":", 1)[1]] = Recall(at=event.at, by=after.get("by") or event.actor_name,
                                                       organ=after.get("organ", ""), reason=after.get("reason", ""))
    return {pk: found[str(pk)] for pk in recalled if str(pk) in found}


# --- A copy filed here --------------------------------------------------------------------------------


def _reached(document: Document) -> dict[int, set[str]]:
    """Who could reach the copy, and how: the people of its procedures (who started it, were given,
    offered or took part in a task, or hold a grant on it) and those granted its confidential content."""
    instances = list(ProcessInstance.objects.filter(documents__document=document).values_list("pk", "started_by_id"))
    how: dict[int, set[str]] = {}

    def add(user_id, what: str) -> None:
        if user_id is not None:
            how.setdefault(user_id, set()).add(what)

    ids = [pk for pk, _started in instances]
    for _pk, started_by in instances:
        add(started_by, "process")
    tasks = Task.objects.filter(instance_id__in=ids)
    for assignee, completer in tasks.values_list("assignee_id", "completed_by_id"):
        add(assignee, "task")
        add(completer, "task")
    holders = conf.hook("ROLE_HOLDERS")
    offered = tasks.filter(status=TaskStatus.OPEN, assignee__isnull=True).exclude(candidate_group="")
    for role, body in offered.values_list("candidate_group", "body").distinct():
        for user_id in holders(role, body):
            add(user_id, "task")
    for user_id in TaskUserObjectPermission.objects.filter(content_object__instance_id__in=ids).values_list(
            "user_id", flat=True):
        add(user_id, "task")
    for user_id in ProcessInstanceUserObjectPermission.objects.filter(content_object_id__in=ids).values_list(
            "user_id", flat=True):
        add(user_id, "process")
    for user_id in ConfidentialGrant.objects.filter(document=document, revoked_at__isnull=True).values_list(
            "user_id", flat=True):
        add(user_id, "grant")
    return how


def take_back(arrival: Arrival, *, reason: str, actor, organ: str) -> bool:
    """Take back one copy filed here; False when it was taken back before."""
    document = Document.objects.select_for_update().get(pk=arrival.document_id)
    if document.status == HandlingStatus.RECALLED:
        return False
    how = _reached(document)
    people = get_user_model().objects.filter(pk__in=how).order_by("pk")
    reached = [(user, document_access.may_read_content(user, document)) for user in people
               if document_access.visible_documents(user).filter(pk=document.pk).exists()]
    cancelled = in_language(CANCELLED) % {"organ": organ, "reason": reason}
    handling = ProcessInstance.objects.filter(documents__document=document, status__in=_LIVE,
                                              definition__key=exchange_conf.get("INCOMING_PROCESS"))
    for instance_id in handling.values_list("pk", flat=True):  # its incoming procedure; a reply's stays
        services.cancel(instance_id, actor=actor, reason=cancelled)
    ConfidentialGrant.objects.filter(document=document, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=_user(actor))
    freeze(document, reason=reason, actor=actor, organ=organ)
    entries = []
    for user, had_content in reached:
        keeps = "metadata" if document_access.visible_documents(user).filter(pk=document.pk).exists() else "nothing"
        entries.append(audit.Entry("access_revoked", actor=actor, after={
            "person": audit.person(user), "why": "recalled", "through": sorted(how.get(user.pk, ())),
            "had_content": had_content, "keeps": keeps}))
    if entries:
        audit.append(f"document:{document.pk}", entries)
    return True


# --- The sender's side ----------------------------------------------------------------------------------


def _stop(row: OutboxPacket | None, why: str) -> None:
    if row is not None and row.state != OutboxState.DELIVERED:
        OutboxPacket.objects.filter(pk=row.pk).update(state=OutboxState.FAILED, last_error=why, locked_until=None)


def _never_left(row: OutboxPacket | None) -> bool:
    """A packet no attempt was made at, nor is being made: nobody can hold the copy."""
    return row is None or (row.state in (OutboxState.PENDING, OutboxState.FAILED) and row.attempts == 0)


def recall_copies(document: Document, *, reason: str, actor, organ: str) -> None:
    """Take back every copy ``document`` (frozen, locked) made; ``organ`` names its issuer."""
    now = timezone.now()
    withdrawn = in_language(WITHDRAWN)
    by_peer: dict[Peer, list[Delivery]] = {}
    for delivery in document.deliveries.select_related("peer").order_by("organ_id"):
        delivery = Delivery.objects.select_for_update(of=("self",)).select_related("peer").get(pk=delivery.pk)
        row = OutboxPacket.objects.select_for_update().filter(pk=delivery.packet_id).first() \
            if delivery.packet_id else None
        if delivery.body:
            arrival = Arrival.objects.select_related("delivery", "peer").filter(delivery=delivery).first()
            if arrival is None:  # the hand-over, when it runs, finds the document recalled
                _stop(row, withdrawn)
                deliveries.record(delivery, DeliveryStatus.RECALLED, at=now, description=withdrawn, actor=actor)
                continue
            take_back(arrival, reason=reason, actor=actor, organ=organ)
            statuses.answer(arrival, StatusCode.CHANGE_ACCEPTED, actor=actor, at=now)
            continue
        if _never_left(row):
            _stop(row, withdrawn)
            deliveries.record(delivery, DeliveryStatus.RECALLED, at=now, description=withdrawn, actor=actor)
            continue
        _stop(row, withdrawn)  # no further attempt; what left is recalled by packet
        by_peer.setdefault(delivery.peer, []).append(delivery)  # type: ignore[arg-type]
    if not by_peer:
        return
    sender, who = organs.organ_of(document.body), _user(actor)
    staff = StaffInfo(department=sender.organ_name[:200], staff=display_name(who)) if who else None
    for peer, group in by_peer.items():
        packet = build_document_packet(
            contents.packet_document(document, issued_date=document.issued_date),  # type: ignore[arg-type]
            sender=sender, recipients=[Organ(d.organ_id, d.organ_name[:200]) for d in group],
            business=Business(doc_type=BusinessType.REVOKE, reason=reason[:2000],
                              document_id=document.exchange_id or "", staff=staff))
        outbox.add(kind=PacketKind.REVOKE, exchange_id=document.exchange_id or "", body=document.body,
                   document=document, peer=peer, packet=packet)
        for delivery in group:
            deliveries.record(delivery, DeliveryStatus.RECALLING, at=now, description=peer.name, actor=actor)
