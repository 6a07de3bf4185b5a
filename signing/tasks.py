"""Periodic signing housekeeping (Celery beat: ``CELERY_BEAT_SCHEDULE["signing-expire-requests"]``)."""

from celery import shared_task

from .external import expire_abandoned_requests


@shared_task(name="signing.expire_requests", ignore_result=True)
def expire_requests() -> int:
    """Close two-step requests nobody answered before they expired, and drop their prepared PDFs."""
    return expire_abandoned_requests()
