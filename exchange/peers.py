"""Peers and their credentials, and where a recipient is served: by a body of this system or by a peer.

A peer presents a key to us (``Authorization: Bearer <key>``); like the API's tokens only its SHA-256
and its first characters are kept, so a leaked database does not let anyone post packets as that
peer. What we present to it is kept as given, or read from an environment variable (``env:NAME``).
"""

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable

from django.utils.translation import gettext as _

from directory.models import Body

from . import organs
from .exceptions import NoRoute
from .models import Peer

PREFIX_LENGTH = 10
ENV_PREFIX = "env:"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def set_inbound_key(peer: Peer, key: str | None = None) -> str:
    """Accept ``key`` (or a new random one) from ``peer`` from now on; returns it. Only its hash is kept."""
    key = key or secrets.token_urlsafe(32)
    if len(key) < 20:
        raise ValueError("a peer's key must be at least 20 characters long")
    peer.inbound_prefix, peer.inbound_digest = key[:PREFIX_LENGTH], _digest(key)
    if peer.pk:
        Peer.objects.filter(pk=peer.pk).update(inbound_prefix=peer.inbound_prefix, inbound_digest=peer.inbound_digest)
    return key


def authenticate(key: str) -> Peer | None:
    """The active peer presenting ``key`` (constant-time comparison of the hash), if any."""
    if len(key) < 20:
        return None
    digest = _digest(key)
    for peer in Peer.objects.filter(inbound_prefix=key[:PREFIX_LENGTH], active=True):
        if peer.inbound_digest and hmac.compare_digest(peer.inbound_digest, digest):
            return peer
    return None


def outbound_credential(peer: Peer) -> str:
    """What we present to ``peer``: the stored value, or the environment variable it names."""
    value = peer.outbound_credential or ""
    if value.startswith(ENV_PREFIX):
        return os.environ.get(value[len(ENV_PREFIX):], "")
    return value


def serving(organ_id: str) -> Peer | None:
    """The active peer that serves ``organ_id``: one that names it, else the catch-all."""
    peers = list(Peer.objects.filter(active=True))
    named = [peer for peer in peers if organ_id in (peer.organ_ids or [])]
    if named:
        return min(named, key=lambda peer: peer.pk)
    return next((peer for peer in peers if peer.catch_all), None)


def route(organ_ids: Iterable[str]) -> dict[str, Body | Peer]:
    """Where each recipient is served: a body here before any peer. Refuses the whole list when one
    has nowhere to go, naming every such code."""
    routes: dict[str, Body | Peer] = {}
    unknown = []
    for organ_id in dict.fromkeys(organ_ids):
        target = organs.body_of(organ_id) or serving(organ_id)
        if target is None:
            unknown.append(organ_id)
        else:
            routes[organ_id] = target
    if unknown:
        raise NoRoute(_("No body here and no exchange peer serves %(codes)s.") % {"codes": ", ".join(unknown)},
                      errors={"recipients": [_("Nowhere to send to %(code)s.") % {"code": code} for code in unknown]})
    return routes
