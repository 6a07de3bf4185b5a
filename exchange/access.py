"""Who may see what of the exchange, built on ``documents.access`` and ``engine.access``:

- a document's deliveries (its recipients, how far each got, why one refused) are part of its
  metadata: whoever may see the document sees them (``document_deliveries``);
- the outbox (every packet, its peer, its last error) and "retry now" are for process
  administrators, who keep the system running (``may_manage_outbox``);
- peers and their credentials are for superusers only, in the Django admin (``exchange.admin``);
- a peer itself reaches only the receiving endpoint, by its key (``exchange.peers.authenticate``).
"""

from django.db.models import QuerySet

from documents import access as document_access
from documents.models import Document
from engine import access

from .models import Delivery, OutboxPacket


def visible_document(user, pk) -> Document | None:
    """The document whose deliveries ``user`` asks for, if they may see it."""
    return document_access.visible_documents(user).filter(pk=pk).first()


def document_deliveries(document: Document) -> QuerySet:
    """A visible document's deliveries with their history."""
    return Delivery.objects.filter(document=document).select_related("peer").prefetch_related("events").order_by(
        "organ_id")


def may_manage_outbox(user) -> bool:
    return access.is_process_admin(user)


def outbox_packets(user) -> QuerySet:
    if not may_manage_outbox(user):
        return OutboxPacket.objects.none()
    return OutboxPacket.objects.select_related("peer").defer("packet").order_by("-created_at", "pk")
