"""One attempt at an outbox packet, as the Celery job runs it: claim it, post it to its peer (or hand
the document to a body of this system), settle the outcome (``exchange.outbox``)."""

import logging
import traceback

from django.utils import timezone
from django.utils.translation import gettext as _

from documents import access as document_access
from documents.models import HandlingStatus

from . import arrivals, outbox, transport
from .exceptions import NotHandedOver
from .models import OutboxPacket, PacketKind

logger = logging.getLogger(__name__)


def deliver(packet_id) -> str:
    """Returns what happened, for logs and tests: not claimed, delivered, retry, failed."""
    row = outbox.claim(packet_id)
    if row is None:
        return "not claimed"
    if row.kind in (PacketKind.DOCUMENT, PacketKind.LOCAL) and row.document is not None \
            and not document_access.may_forward(row.document):
        return outbox.settle(row, transport.Answer(delivered=False, final=True, status=None, detail=_(
            "The document was marked confidential after it was queued: it is not sent through the exchange.")))
    if row.kind in (PacketKind.DOCUMENT, PacketKind.LOCAL) and row.document is not None \
            and row.document.status == HandlingStatus.RECALLED:
        return outbox.settle(row, transport.Answer(delivered=False, final=True, status=None, detail=_(
            "The document was recalled before it was sent: it is not sent.")))
    if row.kind == PacketKind.LOCAL:
        return outbox.settle(row, _hand_over(row))
    if row.peer is None or not row.peer.active:
        return outbox.settle(row, transport.Answer(delivered=False, final=True, status=None,
                                                   detail=_("The peer is missing or switched off.")))
    started = timezone.now()
    return outbox.settle(row, transport.post(row.peer, bytes(row.packet or b"")), started=started)


def _hand_over(row: OutboxPacket) -> transport.Answer:
    try:
        arrivals.arrive_locally(row)
    except NotHandedOver as err:
        return transport.Answer(delivered=False, final=True, status=None, detail=err.message)
    except Exception as err:  # any failure is retried, then reported like a refused post
        logger.warning("local delivery of outbox packet %s failed", row.pk, exc_info=True)
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        return transport.Answer(delivered=False, final=False, status=None, detail=detail)
    return transport.Answer(delivered=True, final=True, status=None)
