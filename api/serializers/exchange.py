"""Shapes of the exchange's API (``api.views.exchange``): what a peer is answered when it posts a
packet, a document's deliveries as the sender's register shows them, the outbox for administrators;
and the recipients a draft may name (``api.views.organs``)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from documents.models import Document
from exchange import deliveries
from exchange.models import Delivery, DeliveryEvent, OutboxPacket, Peer
from exchange.recipients import Recipient


class PacketDocumentSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text=_("The incoming document filed for the packet."))
    body = serializers.CharField(help_text=_("The receiving body."))


class PacketReceiptSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(["accepted", "duplicate", "recorded", "recalled"], help_text=_(
        "accepted: filed now; duplicate: this DocumentId was filed (or recalled) before, nothing was done again; "
        "recorded: a status packet was recorded; recalled: the copies of a recalled document were taken back."))
    kind = serializers.ChoiceField(["document", "status", "revoke"])
    document_id = serializers.CharField(source="exchange_id", help_text=_("The edXML DocumentId."))
    status_code = serializers.CharField(allow_blank=True)
    documents = PacketDocumentSerializer(many=True)


class DeliveryEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryEvent
        fields = ["status", "description", "staff", "at"]
        read_only_fields = fields


class DocumentDeliverySerializer(serializers.ModelSerializer):
    route = serializers.SerializerMethodField(help_text=_("local: a body of this system; packet: through a peer."))
    peer: "serializers.SlugRelatedField[Peer]" = serializers.SlugRelatedField(slug_field="name", read_only=True)
    history = serializers.SerializerMethodField(help_text=_("What happened, in order."))

    class Meta:
        model = Delivery
        fields = ["organ_id", "organ_name", "route", "body", "peer", "status", "reason", "created_at", "updated_at",
                  "history"]
        read_only_fields = fields

    def get_route(self, delivery) -> str:
        return "local" if delivery.body else "packet"

    @extend_schema_field(DeliveryEventSerializer(many=True))
    def get_history(self, delivery) -> list:
        return list(DeliveryEventSerializer(deliveries.history(delivery), many=True).data)


class OutboxPacketSerializer(serializers.ModelSerializer):
    peer: "serializers.SlugRelatedField[Peer]" = serializers.SlugRelatedField(slug_field="name", read_only=True)
    document_id = serializers.CharField(source="exchange_id", read_only=True, help_text=_("The edXML DocumentId."))
    document: "serializers.PrimaryKeyRelatedField[Document]" = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = OutboxPacket
        fields = ["id", "kind", "status_code", "document_id", "document", "peer", "body", "state", "attempts",
                  "max_attempts", "next_attempt_at", "last_error", "answer_status", "created_at", "delivered_at"]
        read_only_fields = fields


class OrganSerializer(serializers.Serializer):
    """A recipient an outgoing draft may name (``exchange.recipients``)."""

    code = serializers.CharField(help_text=_("The identification code (mã định danh) to put in recipients."))
    name = serializers.CharField(allow_blank=True, help_text=_(
        "The body's name; empty for a code a peer serves (only the peer knows whose it is)."))
    goes_to = serializers.SerializerMethodField(help_text=_(
        "here: a body of this system; otherwise the name of the exchange peer that serves the code."))

    def get_goes_to(self, row: Recipient) -> str:
        return "here" if row.here else row.peer
