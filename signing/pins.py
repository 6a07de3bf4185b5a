"""Wrong PINs on server-held keys: after ``PIN_FAILURES`` wrong PINs by one user on one key within
``PIN_WINDOW_MINUTES``, the key refuses that user for ``PIN_LOCK_MINUTES`` (``KeyLocked``, 429 with
``Retry-After``); a PIN that opens the key clears the count. Each wrong PIN and each lock goes on the
``access`` audit stream, as wrong passwords at sign-in do (``web/signin.py``), never with the PIN.

The counts live in Django's cache, as the sign-in lockout's do: ``CACHE_URL`` (Redis) shares them
between the web processes and keeps them across a restart of the application. They are worth 15
minutes and nothing after, so a table would be one more thing to sweep; the in-process default
cache (no ``CACHE_URL``, one process: the embedded server) loses them on a restart, which gives a
guesser at most 5 more tries per restart they cannot cause.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from django.core.cache import cache
from django.utils.translation import gettext as _

from engine import audit

from . import conf
from .exceptions import KeyLocked, WrongSecret
from .keys import Secret
from .models import SigningCertificate


def _key(kind: str, user, certificate: SigningCertificate) -> str:
    # the fingerprint, not the row id: a certificate registered again is the same key
    return f"signing-pin:{kind}:{user.pk}:{certificate.fingerprint}"


def _minutes(name: str) -> int:
    return int(conf.get(name)) * 60


def check(user, certificate: SigningCertificate) -> None:
    """``KeyLocked`` while ``user`` is locked out of ``certificate``'s key."""
    until = cache.get(_key("locked", user, certificate))
    if until is not None:
        left = int(until - time.time()) + 1
        if left > 0:
            raise KeyLocked(holder=certificate.holder_name, retry_after=left)


def _take_try(user, certificate: SigningCertificate) -> int:
    """Count a typed PIN before the key is tried with it, so that requests one user runs at once
    cannot all pass ``check`` first: the tries still running count as wrong until they are not.
    Returns its place in the window, or raises when the limit is taken by tries still running."""
    key = _key("failures", user, certificate)
    cache.add(key, 0, timeout=_minutes("PIN_WINDOW_MINUTES"))
    try:
        tries = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=_minutes("PIN_WINDOW_MINUTES"))
        tries = 1
    if tries > int(conf.get("PIN_FAILURES")):
        _give_back(user, certificate)
        raise KeyLocked(_("The last tries allowed with the signing key of %(holder)s are still running; nothing "
                          "was signed. Try again in a moment."), holder=certificate.holder_name, retry_after=5)
    return tries


def _give_back(user, certificate: SigningCertificate) -> None:
    """A try that did not find the PIN wrong (the key was not reached, or opened)."""
    with contextlib.suppress(ValueError):  # the count is gone: nothing to give back
        cache.decr(_key("failures", user, certificate))


def failed(user, certificate: SigningCertificate, failures: int) -> KeyLocked | None:
    """Put the ``failures``-th wrong PIN of the window on record; the ``KeyLocked`` to answer when
    it locked the key."""
    facts = {"certificate": certificate.pk, "holder": certificate.holder_name, "failures": failures}
    entries = [audit.Entry("signing_pin_wrong", actor=user, after=facts)]
    locked = None
    if failures >= int(conf.get("PIN_FAILURES")):
        lock = _minutes("PIN_LOCK_MINUTES")
        cache.set(_key("locked", user, certificate), time.time() + lock, timeout=lock)
        cache.delete(_key("failures", user, certificate))
        entries.append(audit.Entry("signing_key_locked", actor=user, after={**facts, "seconds": lock}))
        locked = KeyLocked(holder=certificate.holder_name, retry_after=lock)
    audit.append("access", entries)
    return locked


def succeeded(user, certificate: SigningCertificate) -> None:
    cache.delete(_key("failures", user, certificate))


@contextlib.contextmanager
def limited(user, certificate: SigningCertificate, pin: Secret | None) -> Iterator[None]:
    """Around one use of a server-held key by ``user``: refused while they are locked out; a typed
    ``pin`` counted before the key is tried, kept on the count when it is wrong (the lock answered
    at once when it reaches the limit), given back when the key was not reached, and the count
    cleared when it opens the key. Without a typed PIN (the key's stored secret) nothing is counted."""
    check(user, certificate)
    if pin is None:
        yield
        return
    tries = _take_try(user, certificate)
    wrong = False
    try:
        yield
    except WrongSecret:
        wrong = True
        locked = failed(user, certificate, tries)
        if locked is not None:
            raise locked from None
        raise
    finally:
        if pin.opened:
            succeeded(user, certificate)
        elif not wrong:
            _give_back(user, certificate)
