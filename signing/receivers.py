"""What signing does when the document office tells it something (``documents.signals``)."""

from django.dispatch import receiver

from documents import records
from documents.models import Document
from documents.signals import received

from .models import VerificationReport


@receiver(received, dispatch_uid="signing.file_verified_pdf")
def file_verified_pdf(sender, *, document: Document, data: dict, actor=None, **kwargs) -> None:
    """The PDF whose signatures were verified at upload becomes the record's main file (once). A
    report that is not the uploader's is refused later in the same step (``check_verification``),
    which takes this back with it; a Tối mật or Tuyệt mật document keeps no file on the system."""
    try:
        report_id = int(data.get("verification_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return
    report = VerificationReport.objects.select_related("file").filter(pk=report_id).first()
    if report is None or report.file is None or document.confidentiality in records.PAPER_ONLY:
        return
    if document.files.filter(blob_id=report.file.sha256).exists():
        return
    records.attach(document, bytes(report.file.pdf), name=report.file.file_name or "van-ban-den.pdf", actor=actor)
