"""Exchange settings: ``settings.EXCHANGE`` over these defaults, read on every access so that
``override_settings`` works in tests. ``config/settings.py`` sets what the environment changes."""

from django.conf import settings

DEFAULTS = {
    # Attempts to deliver one packet before it is left failed (the clerks are told; "retry now" restarts it).
    "MAX_ATTEMPTS": 12,
    # The first retry waits about this long; each next one twice as long (with jitter), up to RETRY_MAX_SECONDS.
    # With the defaults, twelve attempts span about seven hours.
    "RETRY_BASE_SECONDS": 30.0,
    "RETRY_MAX_SECONDS": 3600.0,
    # A worker holds a packet this long while it posts it; a worker killed meanwhile loses it only until then.
    "LEASE_SECONDS": 120.0,
    # Seconds to connect to a peer and to wait for its answer.
    "TIMEOUT_SECONDS": 30.0,
    # The largest packet the receiving endpoint reads: a 20 MB PDF travels as about 27 MB of Base64.
    "MAX_PACKET_BYTES": 48 * 1024 * 1024,
    # Roles told in the sending (or answering) body when a packet is given up or a document is refused.
    "NOTIFY_ROLES": ("van_thu",),
    # The procedure an arriving document starts in its receiving body.
    "INCOMING_PROCESS": "incoming_document",
}


def get(name: str):
    return getattr(settings, "EXCHANGE", {}).get(name, DEFAULTS[name])
