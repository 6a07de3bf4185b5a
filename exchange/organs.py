"""The bodies of this system as the exchange names them: by their identification code (mã định
danh, ``directory.models.Body.organ_id``), and as the ``Organ`` of a packet."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from directory.models import Body

from .edxml import Organ
from .exceptions import NotSendable


def body_of(organ_id: str) -> Body | None:
    """The body here carrying ``organ_id``: the highest one when units share their body's code."""
    if not organ_id:
        return None
    return highest(list(Body.objects.filter(organ_id=organ_id)))


def highest(sharing: list[Body]) -> Body | None:
    """Of the bodies sharing one identification code, the one a document for it goes to: the highest
    (a unit carries its body's code), the first by code among equals."""
    pks = {body.pk for body in sharing}
    found = [body for body in sharing if body.parent_id not in pks] or sharing
    return min(found, key=lambda body: body.code) if found else None


def bodies_of(organ_ids: Iterable[str]) -> dict[str, Body]:
    """The bodies here among ``organ_ids``, by code, in the order given."""
    return {organ_id: body for organ_id in dict.fromkeys(organ_ids) if (body := body_of(organ_id)) is not None}


def organ_of(body_code: str) -> Organ:
    """The body ``body_code`` as a packet's sender or reporter; refused when it has no identification code."""
    body = Body.objects.select_related("parent").filter(code=body_code).first()
    if body is None or not body.organ_id:
        raise NotSendable(_("The body %(body)s has no identification code (mã định danh): set it in the directory "
                            "before exchanging documents.") % {"body": body.name if body else body_code},
                          errors={"body": [_("No identification code.")]})
    return Organ(organ_id=body.organ_id, organ_name=body.name,
                 organization_in_charge=body.parent.name if body.parent else "")
