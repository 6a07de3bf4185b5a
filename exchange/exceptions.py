"""The exchange's errors, rendered by the API as problem details like every ``QuytrinhError``. A
packet that cannot be accepted is refused as ``edxml.PacketError`` (400, every problem by its path)."""

from django.utils.translation import gettext_lazy as _

from engine.exceptions import EngineError, InvalidData, QuytrinhError


class NoRoute(InvalidData):
    """A recipient that no body here and no peer serves."""

    code = "no_route"
    default_message = _("The document cannot be sent: no body here and no exchange peer serves a recipient.")


class NotSendable(InvalidData):
    code = "not_sendable"
    default_message = _("This document cannot be sent through the exchange.")


class UnknownDocument(QuytrinhError):
    """A status packet about a document we never sent to the organ reporting it (through that peer)."""

    code = "unknown_document"
    status = 404
    default_message = _("No document of this system was sent to %(organ_id)s under %(document_id)s.")


class StatusNotHandled(QuytrinhError):
    """13 (take back): not part of what this system exchanges."""

    code = "status_not_handled"
    status = 422
    default_message = _("The status %(code)s is not handled here; only 01 to 06, 15 and 16 are recorded.")


class ChangeNotMatched(QuytrinhError):
    """A revocation, update or replacement of a document that never arrived here from its sender
    (through that peer): refused, and answered with 16."""

    code = "change_not_matched"
    status = 422
    default_message = _("The document %(document_id)s that this packet recalls, corrects or replaces never arrived "
                        "here from its sender; nothing was changed (status 16).")


class ReceiverUnavailable(EngineError):
    """The packet is fine but could not be filed now (the incoming procedure is not deployed, a
    step failed): the sender keeps it and tries again."""

    code = "exchange_unavailable"
    status = 503
    retry_after = 60
    default_message = _("The document could not be filed now; nothing was kept. Please send it again later.")


class NotHandedOver(QuytrinhError):
    """The document was recalled before a body here got its copy: the copy is not made."""

    code = "recalled_before_hand_over"
    status = 409
    default_message = _("The document was recalled before it was handed over; no copy was made.")
