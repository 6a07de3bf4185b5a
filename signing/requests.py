"""Two-step signing asked for by a person (through the API or the pages): prepare a stored PDF
version for their token with a certificate they may use, then store the token's result as the
next version of that file. The signing itself is ``signing.external``."""

from django.utils.translation import gettext as _

from engine.exceptions import InvalidData

from . import documents
from .external import complete_external_signature, prepare_external_signature
from .models import DocumentFile, FileKind, HolderKind, SignaturePurpose, SignatureRequest, SigningCertificate

#: The kind of the version a completed request stores, by what was signed (keyed by str: a purpose
#: read from the database is a plain string, equal to its member).
FILE_KIND_FOR: dict[str, FileKind] = {SignaturePurpose.PERSON: FileKind.PERSON_SIGNED,
                                      SignaturePurpose.ORGANISATION: FileKind.ORGANISATION_SIGNED,
                                      SignaturePurpose.ATTACHMENT: FileKind.ATTACHMENT}


def result_key(request: SignatureRequest) -> str:
    """The idempotency key of the file a completed two-step request stores."""
    return f"signature-request:{request.pk}"


def result_file(request: SignatureRequest) -> DocumentFile | None:
    return DocumentFile.objects.filter(idempotency_key=result_key(request)).only("pk").first()


def prepare(*, source: DocumentFile, certificate: SigningCertificate, purpose: str, actor,
            approved_sha256: str = "", notation: str = "", idempotency_key: str = "") -> SignatureRequest:
    """A pending request for ``actor``'s token to sign ``source`` with ``certificate`` (both already
    checked as theirs to use by ``signing.access``). A person's signature needs a person's
    certificate, an organisation's the organisation's; the same key returns the same request."""
    wanted = HolderKind.PERSON if purpose == SignaturePurpose.PERSON else HolderKind.ORGANISATION
    if certificate.kind != wanted:
        raise InvalidData(_("Some fields are not filled in correctly."), errors={"certificate": [
            _("A personal signature needs a person's certificate; an organisation's needs the organisation's.")]})
    key = f"api:{actor.pk}:{idempotency_key}" if idempotency_key else None
    prepared = prepare_external_signature(
        pdf=source.content, certificate=certificate, purpose=purpose,
        approved_sha256=approved_sha256 or source.root().sha256, notation=notation, idempotency_key=key,
        created_by=actor)
    row = SignatureRequest.objects.get(pk=prepared.request_id)
    if row.created_by_id != actor.pk:  # someone else's key: never hand their request over
        raise InvalidData(_("Some fields are not filled in correctly."),
                          errors={"idempotency_key": [_("This key is already used.")]})
    if row.file_id is None:
        SignatureRequest.objects.filter(pk=row.pk).update(file=source)
        row.file = source
    return row


def complete(request: SignatureRequest, *, signature: bytes, certificate: bytes, actor) -> DocumentFile:
    """Embed the token's signature and store the signed PDF as the next version of the request's
    file (once: a repeated completion returns the same version)."""
    signed = complete_external_signature(request_id=request.pk, signature=signature, certificate=certificate)
    request.refresh_from_db()
    source = request.file
    return documents.store(signed.pdf, kind=FILE_KIND_FOR[request.purpose], parent=source,
                           certificate=request.certificate, created_by=actor,
                           instance_id=source.instance_id if source else None, idempotency_key=result_key(request))
