"""The choices of an ``organs`` field (recipients by identification code, mã định danh): the list
``exchange.recipients`` keeps for the pages and the API alike, each with where it goes as the
detail. A code nobody lists is typed in the field's own box; the exchange says whether it can be
routed when the document is sent."""

from django.utils.translation import gettext as _

from directory.models import Body
from exchange import recipients

from .taskforms import Choice


def candidates(*, exclude: str = "") -> list[Choice]:
    """``exclude``: the code of the body the form is filled in for (it does not send to itself)."""
    return [Choice(row.code, row.name or row.code, row.code if row.here else _("through %(peer)s") % {"peer": row.peer})
            for row in recipients.known(exclude=exclude)]


def own_code(body_code: str) -> str:
    return Body.objects.filter(code=body_code).values_list("organ_id", flat=True).first() or ""
