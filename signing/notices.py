"""Telling people which signing certificates to renew, before signing stops on them (S15).

A certificate that has expired cannot sign: the pre-sign check refuses it and the process routes
the document back. Every day (Celery beat) each active certificate that expires within
``SIGNING["EXPIRY_NOTICE_DAYS"]`` (or already has) is announced in the worklist notices of its
holder's account, of the keepers of the body's seal and keys (the holders of
``SIGNING["EXPIRY_NOTICE_ROLES"]`` in the certificate's body) and of the superusers. The same
person gets the same notice at most once a week, so it repeats until the certificate is renewed
(another active certificate of the same kind, holder and body is valid beyond the notice period)
or deactivated.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from engine import conf as engine_conf
from engine.models import Notification

from . import conf
from .certificates import expiring
from .models import SigningCertificate

KIND = "certificate_expiring"
REPEAT_AFTER = timedelta(days=7)


def announce_expiring() -> int:
    """Make this run's notices; returns how many were made."""
    days, now = conf.get("EXPIRY_NOTICE_DAYS"), timezone.now()
    certificates = [c for c in expiring(within_days=days).select_related("user")
                    if not _renewed(c, beyond=now + timedelta(days=days))]
    if not certificates:
        return 0
    superusers = set(get_user_model().objects.filter(is_superuser=True, is_active=True).values_list("pk", flat=True))
    since = now - REPEAT_AFTER
    notices = []
    with translation.override(settings.LANGUAGE_CODE):
        for certificate in certificates:
            message = _message(certificate)
            recipients = superusers | _keepers(certificate)
            told = set(Notification.objects.filter(kind=KIND, message=message, created_at__gte=since,
                                                   user_id__in=recipients).values_list("user_id", flat=True))
            notices += [Notification(user_id=user_id, kind=KIND, message=message)
                        for user_id in sorted(recipients - told)]
    Notification.objects.bulk_create(notices)
    return len(notices)


def _renewed(certificate: SigningCertificate, *, beyond) -> bool:
    return (SigningCertificate.objects.filter(active=True, kind=certificate.kind, holder_name=certificate.holder_name,
                                              body=certificate.body, user=certificate.user_id,  # None: IS NULL
                                              not_after__gt=beyond)
            .exclude(pk=certificate.pk).exists())


def _keepers(certificate: SigningCertificate) -> set[int]:
    found = set()
    user = certificate.user  # no query without a user_id
    if user is not None and user.is_active:
        found.add(user.pk)
    holders = engine_conf.hook("ROLE_HOLDERS")
    if certificate.body and holders:
        for role in conf.get("EXPIRY_NOTICE_ROLES"):
            found |= set(holders(role, certificate.body))
    return found


def _message(certificate: SigningCertificate) -> str:
    values = {"holder": certificate.holder_name, "serial": certificate.serial_number,
              "date": formats.date_format(timezone.localtime(certificate.not_after), "d/m/Y")}
    if certificate.not_after <= timezone.now():
        text = _("The signing certificate of %(holder)s (serial %(serial)s) expired on %(date)s: it can no "
                 "longer sign. Renew it and register the new certificate.")
    else:
        text = _("The signing certificate of %(holder)s (serial %(serial)s) expires on %(date)s. Renew it "
                 "before then, or signing with it will be refused.")
    return (text % values)[:500]
