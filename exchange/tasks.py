"""Celery entry points of the exchange: thin and idempotent; the outbox rows hold the truth."""

from celery import shared_task

from . import attempts, outbox


@shared_task(name="exchange.deliver_packet", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_packet(packet_id: str) -> str:
    return attempts.deliver(packet_id)


@shared_task(name="exchange.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    return outbox.sweep()
