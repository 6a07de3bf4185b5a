"""Signing in to the pages: attempts per address are throttled, an account is locked for a while
after too many wrong passwords in a row, and both are put on record. Counters live in the cache
(``CACHE_URL`` shares them between web processes), as the API's sign-in throttle does.

"Remember me" is off by default: the session then ends with the browser.
"""

import hashlib
import time
from typing import cast

from django.conf import settings
from django.core.cache import cache

from engine import audit


def _setting(name: str) -> int:
    return int(cast(int, settings.WEB[name]))


def _key(kind: str, value: str) -> str:
    return "web-signin:" + kind + ":" + hashlib.sha256(value.strip().lower().encode()).hexdigest()


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def address_throttled(request) -> bool:
    """Count this attempt from the address; True when it is over ``SIGN_IN_RATE`` per minute."""
    key = _key("ip", f"{client_address(request)}:{int(time.time() // 60)}")
    cache.add(key, 0, timeout=61)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=61)
        attempts = 1
    return attempts > _setting("SIGN_IN_RATE")


def locked(username: str) -> bool:
    return bool(username) and cache.get(_key("locked", username)) is not None


def failed(request, username: str) -> bool:
    """Note a wrong password for ``username``; True when the account has just been locked."""
    if not username:
        return False
    key = _key("failures", username)
    cache.add(key, 0, timeout=_setting("LOCKOUT_MINUTES") * 60)
    failures = cache.incr(key)
    now_locked = failures >= _setting("LOCKOUT_FAILURES")
    if now_locked:
        cache.set(_key("locked", username), True, timeout=_setting("LOCKOUT_MINUTES") * 60)
        cache.delete(key)
    audit.append("access", [audit.Entry("sign_in_locked" if now_locked else "sign_in_failed", actor=username[:150],
                                        after={"ip": client_address(request), "via": "web"})])
    return now_locked


def succeeded(request, user, *, remember: bool) -> None:
    cache.delete(_key("failures", user.get_username()))
    request.session.set_expiry(_setting("REMEMBER_DAYS") * 86400 if remember else 0)
