"""Verifying an arriving PDF as the signing API verifies an uploaded one (``api.views.signing``): the
file kept as an incoming signing file, its signatures checked against the default trust list, the
report stored. The incoming procedure's first step (``signing.check_verification``) reads that
report by its id and returns a document whose signatures are invalid to its sender."""

from signing import documents
from signing.models import FileKind, VerificationReport
from signing.verify import verify_and_store


def verify_incoming(pdf: bytes, *, name: str) -> VerificationReport:
    """Outside any transaction: verification takes tens of milliseconds."""
    row = documents.store(pdf, kind=FileKind.INCOMING, file_name=name[:300])
    return verify_and_store(pdf, file_name=name[:300], file=row)
