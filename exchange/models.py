"""The exchange's records: the peers we exchange with, the outbox of packets to send, what each
recipient of an outgoing document reported (deliveries and their history), the packets received,
and the incoming documents that arrived through the exchange (arrivals).

A packet leaves through the outbox: its row is written in the transaction of the change that
causes it (a document sent, a document registered or returned), and a Celery job posts it after
commit, retried until the peer takes it. Idempotency lives in unique keys: one delivery per
document and recipient, one arrival per DocumentId (``exchange_id``) and receiving organ, one accepted inbox packet
per DocumentId, one history entry per status and time.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Peer(models.Model):
    """Another system we exchange documents with: a second quytrinh, a provincial LGSP, the national
    axis. It serves a list of identification codes, or every code nobody else serves (``catch_all``).
    We present ``outbound_credential`` to it; it presents a key to us, of which only the SHA-256 is kept."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    url = models.URLField(_("receiving endpoint"), max_length=500,
                          help_text=_("Where packets are posted, e.g. https://qlvb.example.vn/api/v1/exchange/packets/"))
    organ_ids = models.JSONField(_("identification codes served"), default=list, blank=True,
                                 help_text=_("The agencies (mã định danh) this system receives for."))
    catch_all = models.BooleanField(
        _("serves every other code"), default=False,
        help_text=_("Packets for codes that no body here and no other peer serves go to this one (an axis)."))
    outbound_credential = models.CharField(
        _("credential we present"), max_length=500, blank=True,
        help_text=_("Sent as 'Authorization: Bearer …'. Write env:NAME to read it from the environment variable "
                    "NAME instead of keeping it in the database."))
    inbound_prefix = models.CharField(_("key prefix"), max_length=10, blank=True, db_index=True, editable=False)
    inbound_digest = models.CharField(_("SHA-256 of the key it presents"), max_length=64, blank=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("exchange peer")
        verbose_name_plural = _("exchange peers")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["catch_all"], condition=Q(catch_all=True, active=True),
                                               name="peer_one_active_catch_all")]

    def __str__(self) -> str:
        return self.name


class PacketKind(models.TextChoices):
    DOCUMENT = "document", _("Document packet")
    STATUS = "status", _("Status packet")
    LOCAL = "local", _("Delivery to a body of this system")
    REVOKE = "revoke", _("Recall packet")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class OutboxPacket(models.Model):
    """A packet to send (or, ``LOCAL``, a document to hand to a body of this system), with its
    attempts. ``body`` is the body whose clerks are told when it fails."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=PacketKind.choices)
    peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.PROTECT, related_name="outbox",
                             verbose_name=_("peer"))
    body = models.CharField(_("body"), max_length=100, blank=True)
    document = models.ForeignKey("documents.Document", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("document"))
    exchange_id = models.CharField(_("DocumentId"), max_length=200)
    status_code = models.CharField(_("status code"), max_length=2, blank=True)
    packet = models.BinaryField(_("edXML packet"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("attempts allowed"), default=12)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    answer_status = models.PositiveSmallIntegerField(_("HTTP status of the last answer"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing packet")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.status_code} {self.exchange_id}".replace("  ", " ")


class DeliveryStatus(models.TextChoices):
    """How far a recipient got with an outgoing document: transport first, then the recipient's own
    status packets (QCVN 102 §3); after a recall, whether the recipient's copy was taken back (a
    body here: at once; a peer: "recall sent", then its 15 or 16)."""

    PENDING = "pending", _("Waiting to be sent")
    FAILED = "failed", _("Could not be delivered")
    DELIVERED = "delivered", _("Delivered")
    RECEIVED = "received", _("Arrived (01)")
    ACCEPTED = "accepted", _("Registered (03)")
    ASSIGNED = "assigned", _("Assigned (04)")
    PROCESSING = "processing", _("Being handled (05)")
    DONE = "done", _("Done (06)")
    REFUSED = "refused", _("Refused (02)")
    RECALLING = "recalling", _("Recall sent")
    RECALL_REFUSED = "not_recalled", _("Recall refused (16)")
    RECALLED = "recalled", _("Recalled")


class Delivery(models.Model):
    """An outgoing document on its way to one recipient, by packet (``peer``) or to a body of this
    system (``body``): what the sender's register shows."""

    document = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="deliveries",
                                 verbose_name=_("document"))
    organ_id = models.CharField(_("recipient's identification code"), max_length=35)
    organ_name = models.CharField(_("recipient"), max_length=200, blank=True)
    body = models.CharField(_("receiving body here"), max_length=100, blank=True)
    peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries",
                             verbose_name=_("peer"))
    packet = models.ForeignKey(OutboxPacket, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="deliveries", verbose_name=_("packet"))
    status = models.CharField(_("status"), max_length=12, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was refused or could not be delivered."))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("sent by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["document", "organ_id"]
        constraints = [models.UniqueConstraint(fields=["document", "organ_id"], name="delivery_once_per_recipient")]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.organ_id}: {self.status}"


class DeliveryEvent(models.Model):
    """One entry of a delivery's history; ``at`` is when it happened where it happened (a status
    packet's Timestamp), so a packet received twice is one entry."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events",
                                 verbose_name=_("delivery"))
    status = models.CharField(_("status"), max_length=12, choices=DeliveryStatus.choices)
    description = models.TextField(_("description"), blank=True)
    staff = models.CharField(_("reported by"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["delivery", "status", "at"], name="delivery_event_once")]

    def __str__(self) -> str:
        return f"{self.status} {self.at:%Y-%m-%d %H:%M:%S}"


class InboxOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    RECORDED = "recorded", _("Status recorded")


class InboxPacket(models.Model):
    """A packet a peer posted to us, kept as it came, with what became of it. A DocumentId is
    accepted once; a refused packet does not stop its corrected version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.PROTECT, related_name="inbox",
                             verbose_name=_("peer"))
    kind = models.CharField(_("kind"), max_length=10, choices=PacketKind.choices, blank=True)
    exchange_id = models.CharField(_("DocumentId"), max_length=200, blank=True)
    status_code = models.CharField(_("status code"), max_length=2, blank=True)
    packet = models.BinaryField(_("edXML packet"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    outcome = models.CharField(_("outcome"), max_length=10, choices=InboxOutcome.choices)
    errors = models.JSONField(_("problems"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("received packet")
        verbose_name_plural = _("inbox")
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(
            fields=["exchange_id"], condition=Q(kind="document", outcome="accepted"), name="inbox_document_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.exchange_id} ({self.outcome})"


class Arrival(models.Model):
    """An incoming document that came through the exchange, with what its status packets answer:
    the sender's document (``exchange_id``, its sender, "number/notation", issue date) and where the
    answer goes (``peer``; or ``delivery``, the sender's own record when it is a body of this system)."""

    document = models.OneToOneField("documents.Document", on_delete=models.PROTECT, related_name="arrival",
                                    verbose_name=_("incoming document"))
    body = models.CharField(_("receiving body"), max_length=100)
    organ_id = models.CharField(_("receiving organ's identification code"), max_length=35)
    organ_name = models.CharField(_("receiving organ"), max_length=200, blank=True)
    exchange_id = models.CharField(_("DocumentId"), max_length=200)
    sender_organ_id = models.CharField(_("sender's identification code"), max_length=35)
    code = models.CharField(_("number/notation"), max_length=50, blank=True)
    promulgation_date = models.DateField(_("issued date"), null=True, blank=True)
    peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.PROTECT, related_name="arrivals",
                             verbose_name=_("peer"))
    inbox = models.ForeignKey(InboxPacket, null=True, blank=True, on_delete=models.PROTECT, related_name="arrivals",
                              verbose_name=_("received packet"))
    delivery = models.OneToOneField(Delivery, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="arrival", verbose_name=_("sender's delivery"))
    verification_id = models.PositiveIntegerField(_("verification report"), null=True, blank=True)
    instance = models.ForeignKey("engine.ProcessInstance", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("process instance"))
    created_at = models.DateTimeField(_("arrived at"), auto_now_add=True)

    class Meta:
        verbose_name = _("arrival")
        verbose_name_plural = _("arrivals")
        constraints = [models.UniqueConstraint(fields=["exchange_id", "organ_id"], name="arrival_once_per_organ")]

    def __str__(self) -> str:
        return f"{self.exchange_id} → {self.organ_id}"
