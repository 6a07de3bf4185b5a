"""Who may read the operational endpoints that are not for the public: ``/metrics`` (what runs, how
much, how late: reconnaissance for an attacker). Readiness and liveness say only up or down.

A scrape is allowed from the networks in ``OPERATIONS["METRICS_ALLOW"]`` (the address gunicorn
sees: behind nginx that is nginx, so the proxy must also refuse ``/metrics`` from outside, see
deploy/nginx/quytrinh.conf), and, when ``OPERATIONS["METRICS_TOKEN"]`` is set, only with
``Authorization: Bearer <token>`` as well.
"""

import hmac
from ipaddress import ip_address, ip_network

from . import conf


def may_read_metrics(request) -> bool:
    try:
        address = ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if not any(address in ip_network(network, strict=False) for network in conf.get("METRICS_ALLOW")):
        return False
    token = conf.get("METRICS_TOKEN")
    if not token:
        return True
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
