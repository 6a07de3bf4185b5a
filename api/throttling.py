"""Throttles: sign-in per address, writes per user (a floor against abuse; the proxy sets the hard limits)."""

from rest_framework.throttling import UserRateThrottle


class WriteThrottle(UserRateThrottle):
    scope = "writes"

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)
