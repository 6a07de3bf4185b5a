"""Certificates to renew are announced before signing stops on them (S15): to the holder's
account, the keepers of the body's seal and the superusers, once a week until renewed."""

from datetime import timedelta

from django.utils import timezone

from engine.models import Notification
from signing.models import SigningCertificate
from signing.notices import KIND, announce_expiring
from signing.tasks import announce_expiring_certificates


def notices() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for username, message in Notification.objects.filter(kind=KIND).values_list("user__username", "message"):
        found.setdefault(username, []).append(message)
    return {username: sorted(messages) for username, messages in found.items()}


def test_expiring_and_expired_certificates_are_announced_once_a_week(register, make_user):
    admin = make_user("admin", is_superuser=True)
    dung = make_user("dung")
    make_user("vanthu", "van_thu")  # keeps the seal and the keys (the role's group: every body)
    make_user("chuyenvien", "chuyen_vien")
    register("expired", body="ubnd_xa", user=dung)
    soon = register("dang_uy", body="dang_uy_xa")
    soon.not_after = timezone.now() + timedelta(days=10)
    soon.save(update_fields=["not_after"])
    register("bi_thu", body="dang_uy_xa")  # valid well beyond 30 days: nothing to say
    retired = register("chu_tich", body="ubnd_xa", active=False)
    retired.not_after = timezone.now() + timedelta(days=3)
    retired.save(update_fields=["not_after"])

    assert announce_expiring() == 5
    told = notices()
    assert set(told) == {"admin", "dung", "vanthu"}
    assert len(told["admin"]) == len(told["vanthu"]) == 2 and len(told["dung"]) == 1
    [expired] = told["dung"]
    assert "Phạm Thị Dung" in expired and "đã hết hạn" in expired and "không thể ký" in expired
    [expiring] = [m for m in told["admin"] if m != expired]
    assert "Đảng ủy xã Vĩnh An" in expiring and soon.not_after.astimezone(
        timezone.get_default_timezone()).strftime("%d/%m/%Y") in expiring and "sẽ hết hạn" in expiring

    assert announce_expiring() == 0  # said already this week
    Notification.objects.filter(kind=KIND, user=admin).update(created_at=timezone.now() - timedelta(days=8))
    # a week on, not renewed: the administrator is told again (the task Celery beat runs each morning)
    assert announce_expiring_certificates.apply().get() == 2

    # the organisation's certificate renewed (a new one, valid for a year): no more notices about the old
    Notification.objects.filter(kind=KIND).update(created_at=timezone.now() - timedelta(days=8))
    renewal = SigningCertificate.objects.get(pk=soon.pk)
    renewal.pk, renewal.fingerprint = None, "0" * 64
    renewal.not_after = timezone.now() + timedelta(days=365)
    renewal.save()
    assert announce_expiring() == 3  # the expired one only: admin, dung, vanthu
    assert not Notification.objects.filter(kind=KIND, message__contains="Đảng ủy xã Vĩnh An",
                                           created_at__gte=timezone.now() - timedelta(days=1)).exists()
