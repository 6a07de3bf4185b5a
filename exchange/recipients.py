"""The recipients an outgoing document may name, by identification code (mã định danh): the bodies
of this deployment that have one, then the codes the active exchange peers serve. The page's picker
(``web.organs``) and ``GET /api/v1/organs/`` list the same. A code nobody lists (one a catch-all
peer carries, or one not known yet) may still be named: the exchange says whether it can be routed
when the document is sent (``exchange.peers.route``)."""

from dataclasses import dataclass

from directory.models import Body
from directory.people import collation_key
from documents.records import plain

from . import organs
from .models import Peer


@dataclass(frozen=True)
class Recipient:
    code: str
    #: The body's name; empty for a peer's code (only the peer knows whose it is).
    name: str
    #: Empty for a body here, else the name of the peer that serves the code.
    peer: str = ""

    @property
    def here(self) -> bool:
        return not self.peer


def known(*, exclude: str = "", search: str = "") -> list[Recipient]:
    """Every known code once, as a document for it is routed: bodies here first (in Vietnamese
    alphabetical order of their names), then each active peer's codes (peers by name, codes as the
    peer lists them). ``exclude``: the sending body's own code (it does not send to itself);
    ``search``: words that must all appear in the code or the name, diacritics and case aside."""
    sharing: dict[str, list[Body]] = {}
    for body in Body.objects.exclude(organ_id="").only("pk", "code", "name", "parent_id", "organ_id"):
        sharing.setdefault(body.organ_id, []).append(body)
    found: dict[str, Recipient] = {}
    for code, bodies in sharing.items():
        if code != exclude and (receiving := organs.highest(bodies)) is not None:
            found[code] = Recipient(code, receiving.name)
    ordered = sorted(found.values(), key=lambda row: (collation_key(row.name), row.code))
    found = {row.code: row for row in ordered}
    for peer_name, codes in Peer.objects.filter(active=True).order_by("name").values_list("name", "organ_ids"):
        for code in codes if isinstance(codes, list) else []:
            code = str(code).strip()
            if code and code != exclude and code not in found:
                found[code] = Recipient(code, "", peer_name)
    words = plain(search).split()
    return [row for row in found.values() if all(word in plain(f"{row.code} {row.name}") for word in words)]
