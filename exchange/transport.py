"""Posting a packet to a peer's receiving endpoint, and what its answer means for the outbox.

The packet goes as ``application/xml`` with the peer's credential (``Authorization: Bearer``) and
its SHA-256 (``Content-Digest``, RFC 9530), which the receiver checks. A 2xx answer delivers it
(200 also when the peer already had it). A refusal (4xx: a malformed packet, a wrong address, bad
credentials) or a redirect (a wrong URL) will not pass by trying again; no answer, 5xx, 408 and 429
will: they are retried.
"""

import base64
import hashlib
from dataclasses import dataclass

import requests
from django.utils.translation import gettext as _

from . import conf, peers
from .models import Peer

CONTENT_TYPE = "application/xml; charset=utf-8"
#: Answers that may pass when asked again later.
TEMPORARY = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Answer:
    delivered: bool
    #: Not worth retrying: the peer refused the packet itself.
    final: bool
    status: int | None
    detail: str = ""


def content_digest(packet: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` of ``packet``: ``sha-256=:<Base64>:``."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(packet).digest()).decode()}:"


def _detail(response: requests.Response) -> str:
    """The peer's own words: a problem's detail and its errors, or the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:1000]
    if not isinstance(body, dict):
        return str(body)[:1000]
    errors = body.get("errors")
    if isinstance(errors, dict):
        listed = "; ".join(f"{path}: {' '.join(map(str, messages))}" for path, messages in errors.items())
        return f"{body.get('detail', '')} {listed}".strip()[:4000]
    return str(body.get("detail") or body)[:4000]


def post(peer: Peer, packet: bytes) -> Answer:
    """Post ``packet`` to ``peer`` once."""
    headers = {"Content-Type": CONTENT_TYPE, "Content-Digest": content_digest(packet),
               "Accept": "application/json, application/problem+json"}
    credential = peers.outbound_credential(peer)
    if credential:
        headers["Authorization"] = f"Bearer {credential}"
    timeout = conf.get("TIMEOUT_SECONDS")
    try:
        response = requests.post(peer.url, data=packet, headers=headers, timeout=(timeout, timeout),
                                 allow_redirects=False)
    except requests.RequestException as err:
        return Answer(delivered=False, final=False, status=None,
                      detail=_("%(peer)s did not answer: %(error)s") % {"peer": peer.name, "error": err})
    status = response.status_code
    if 200 <= status < 300:
        return Answer(delivered=True, final=True, status=status)
    detail = _("%(peer)s answered %(status)s: %(detail)s") % {"peer": peer.name, "status": status,
                                                             "detail": _detail(response)}
    final = status < 500 and status not in TEMPORARY  # a redirect too: the endpoint's URL is wrong
    return Answer(delivered=False, final=final, status=status, detail=detail)
