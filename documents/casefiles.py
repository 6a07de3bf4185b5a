"""Case files (hồ sơ công việc, Decree 30 Art. 28–31): closed when the matter ends, on record. A
closed case file changes no more and may be exported for the archive (``manage.py export_case_file``)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engine import audit
from engine.exceptions import Conflict

from .models import CaseFile


def close(case_file: CaseFile, *, actor) -> CaseFile:
    with transaction.atomic():
        locked = CaseFile.objects.select_for_update().get(pk=case_file.pk)
        if locked.closed_at is not None:
            raise Conflict(_("The case file %(code)s/%(year)s is already closed.")
                           % {"code": locked.code, "year": locked.year})
        locked.closed_at = timezone.now()
        locked.save(update_fields=["closed_at"])
        audit.append(f"case_file:{locked.pk}", [audit.Entry("case_file_closed", actor=actor, after={
            "code": locked.code, "year": locked.year, "documents": [str(pk) for pk in
                                                                    locked.documents.values_list("pk", flat=True)]})])
    return locked
