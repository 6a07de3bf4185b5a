"""Periodic signing housekeeping (Celery beat: ``CELERY_BEAT_SCHEDULE["signing-…"]``)."""

from celery import shared_task

from .external import expire_abandoned_requests
from .notices import announce_expiring


@shared_task(name="signing.expire_requests", ignore_result=True)
def expire_requests() -> int:
    """Close two-step requests nobody answered before they expired, and drop their prepared PDFs."""
    return expire_abandoned_requests()


@shared_task(name="signing.announce_expiring_certificates", ignore_result=True)
def announce_expiring_certificates() -> int:
    """Tell the people concerned which certificates to renew (signing/notices.py)."""
    return announce_expiring()
