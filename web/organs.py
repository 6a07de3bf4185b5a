"""The choices of an ``organs`` field (recipients by identification code, mã định danh): the bodies
of this deployment that have one, then the codes the exchange's peers serve. A code nobody lists
(one a catch-all peer carries, or one not known yet) is typed in the field's own box; the exchange
says whether it can be routed when the document is sent."""

from django.utils.translation import gettext as _

from directory.models import Body
from exchange.models import Peer

from .taskforms import Choice


def candidates(*, exclude: str = "") -> list[Choice]:
    """Every known code once, bodies here first (by name), each with its code as the detail;
    ``exclude``: the code of the body the form is filled in for (it does not send to itself)."""
    found: dict[str, Choice] = {}
    for code, name in Body.objects.exclude(organ_id="").order_by("name", "code").values_list("organ_id", "name"):
        if code != exclude and code not in found:
            found[code] = Choice(code, name, code)
    for peer_name, codes in Peer.objects.filter(active=True).order_by("name").values_list("name", "organ_ids"):
        for code in codes if isinstance(codes, list) else []:
            code = str(code).strip()
            if code and code != exclude and code not in found:
                found[code] = Choice(code, code, _("through %(peer)s") % {"peer": peer_name})
    return list(found.values())


def own_code(body_code: str) -> str:
    return Body.objects.filter(code=body_code).values_list("organ_id", flat=True).first() or ""
