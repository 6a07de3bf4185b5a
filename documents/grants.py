"""Granting and revoking the right to open a confidential document, by its competent person only;
each change is an event on the document's audit stream (who gave what to whom, when)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engine import audit
from engine.exceptions import InvalidData, NotAllowed

from . import access
from .models import ConfidentialGrant, Document


def grant(document: Document, *, username: str, subject: bool, actor) -> ConfidentialGrant:
    if not access.may_grant(actor, document):
        raise NotAllowed(_("Only the competent person grants access to a confidential document."))
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise InvalidData(_("No active account has this username."), errors={"username": [_("Unknown user.")]})
    with transaction.atomic():
        row, created = ConfidentialGrant.objects.get_or_create(
            document=document, user=user, revoked_at__isnull=True,
            defaults={"granted_by": actor, "subject": subject})
        if created:
            audit.append(f"document:{document.pk}", [audit.Entry("access_granted", actor=actor, after={
                "person": audit.person(user), "subject": subject})])
    return row


def revoke(row: ConfidentialGrant, *, actor) -> ConfidentialGrant:
    if not access.may_grant(actor, row.document):
        raise NotAllowed(_("Only the competent person grants access to a confidential document."))
    if row.revoked_at is None:
        with transaction.atomic():
            row.revoked_at, row.revoked_by = timezone.now(), actor
            row.save(update_fields=["revoked_at", "revoked_by"])
            audit.append(f"document:{row.document_id}", [audit.Entry("access_revoked", actor=actor, after={
                "person": audit.person(row.user)})])
    return row
