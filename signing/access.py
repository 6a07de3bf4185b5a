"""Who may see and use what of signing; everything else answers 404, as if it did not exist.

Built on ``engine.access`` (the one home of "who sees what"):

- A person's certificate is usable by its own user only; an organisation's by the holders of the
  clerk role (``van_thu``) in the certificate's body (delegations count).
- A file or a verification report is visible to whoever stored it, and to those who may see the
  data of the process instance it belongs to (``engine.access.participating``).
- A two-step signing request is its creator's alone.
"""

from django.db.models import Q, QuerySet

from engine import access

from .models import DocumentFile, HolderKind, SignatureRequest, SigningCertificate, VerificationReport

CLERK_ROLE = "van_thu"


def usable_certificates(user) -> QuerySet:
    clerk_of = {body for role, body in access.role_pairs(user) if role == CLERK_ROLE}
    organisations = Q(kind=HolderKind.ORGANISATION) & ~Q(body="")
    if access.ANY_BODY not in clerk_of:
        organisations &= Q(body__in=clerk_of)
    return SigningCertificate.objects.filter(Q(kind=HolderKind.PERSON, user_id=user.pk) | organisations,
                                             active=True)


def _own_or_participating(model, user) -> QuerySet:
    return model.objects.filter(Q(created_by_id=user.pk) | Q(instance__in=access.participating(user).values("pk")))


def files(user) -> QuerySet:
    return _own_or_participating(DocumentFile, user)


def reports(user) -> QuerySet:
    return _own_or_participating(VerificationReport, user)


def requests(user) -> QuerySet:
    return SignatureRequest.objects.filter(created_by_id=user.pk)
