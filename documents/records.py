"""Creating and registering documents: their metadata, files, links and the duplicate rule.

Appendix VI asks for a warning when a document with the same number, notation and issuer is
registered again; here it is refused with that warning, so the register never holds one document
twice. Files are versions of content stored once (``documents.blobs``); a Tối mật or Tuyệt mật
file is never uploaded to the networked system (BRIEF §1.6, S04).
"""

import unicodedata
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engine import rows
from engine.exceptions import Conflict, InvalidData

from . import blobs, numbering, signals
from .models import (
    Confidentiality,
    Direction,
    Document,
    DocumentFile,
    DocumentLink,
    DocumentProcess,
    FileRole,
    HandlingStatus,
    full_number,
)

#: Confidentiality levels whose files stay off the networked system (paper only).
PAPER_ONLY = {Confidentiality.TOI_MAT, Confidentiality.TUYET_MAT}
MAX_FILE_BYTES = 20 * 1024 * 1024


def plain(text: str) -> str:
    """Vietnamese without diacritics, lower case (đ → d): what search compares on every database."""
    decomposed = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()


def index_text(document: Document) -> str:
    return plain(" ".join(part for part in (document.subject, document.code_number, document.code_notation,
                                            document.organ_name) if part))


def save(document: Document, *, update_fields: list[str] | None = None) -> Document:
    """Store a document with its search text kept in step."""
    document.search_text = index_text(document)
    if update_fields is not None:
        update_fields = [*update_fields, "search_text"]
    document.save(update_fields=update_fields)
    return document


def registered_twin(document: Document) -> Document | None:
    """A registered document of the same body with the same number, notation and issuer: the issuer
    by its agency code when ``document`` has one, else by its name, case aside."""
    if not (document.code_number or document.code_notation):
        return None
    found = rows.run_compiled(_same_number, body=document.body, code_number=document.code_number,
                              code_notation=document.code_notation, exclude=document.pk)
    same_name = (document.organ_name or "").upper()
    for pk, organ_id, organ_name in found:
        if (organ_id == document.organ_id) if document.organ_id else ((organ_name or "").upper() == same_name):
            return Document.objects.get(pk=pk)
    return None


def _same_number(body: str, code_number: str, code_notation: str, exclude):
    """Compiled once (``rows.run_compiled``): every registration asks it, and it finds few rows."""
    return (Document.objects.filter(body=body, code_number=code_number, code_notation=code_notation,
                                    arrival_number__isnull=False).exclude(pk=exclude)
            .values_list("pk", "organ_id", "organ_name"))


def register_incoming(document: Document, *, actor=None, instance=None, at: datetime | None = None) -> Document:
    """Give an incoming document its arrival number and date from its body's register (the secret
    one when it is confidential), inside the caller's transaction; refuse a duplicate."""
    if document.arrival_number is not None:
        return document
    twin = registered_twin(document)
    if twin is not None:
        notation = full_number(twin.code_number, twin.code_notation)
        raise InvalidData(
            _("Duplicate document: %(notation)s of %(organ)s is already registered (arrival number %(number)s of "
              "%(date)s).") % {"notation": notation, "organ": twin.organ_name, "number": twin.arrival_number,
                               "date": timezone.localtime(twin.arrival_date).strftime("%d/%m/%Y")},
            errors={"code_notation": [_("Already registered.")]})
    at = at or timezone.now()
    register = numbering.register_for(document.body, Direction.INCOMING, secret=document.confidential)
    registering = document.status == HandlingStatus.RECEIVED
    if registering:
        # Heard before the number is taken: from the number on, the register's series stays locked
        # until the commit, and what listeners write (the exchange's answer to the sender) would
        # hold every concurrent registration up. The status is written with the number below.
        document.status = HandlingStatus.REGISTERED
        _status_changed(document, reason="", actor=actor, at=at)
    document.register, document.arrival_date = register, at
    document.search_text = index_text(document)
    numbering.issue(register, when=at, document=document, instance=instance, actor=actor, carried_as="arrival_number",
                    with_fields=["register", "arrival_date", "search_text", *(["status"] if registering else [])])
    return document


def _refuse_recalled(document: Document) -> None:
    """A recalled document (THU HỒI) is frozen as it was: read-only from the recall on."""
    if document.status == HandlingStatus.RECALLED:
        raise Conflict(_("The document was recalled (THU HỒI): it is kept as it was and changes no more."))


def set_status(document: Document, status: str, *, reason: str = "", actor=None,
               at: datetime | None = None) -> Document:
    """Move a document to a handling status and tell ``signals.status_changed`` (inside the
    caller's transaction). Setting the status it already has does nothing; a recalled document
    keeps its status."""
    if document.status == status:
        return document
    _refuse_recalled(document)
    document.status = status
    save(document, update_fields=["status"])
    _status_changed(document, reason=reason, actor=actor, at=at)
    return document


def _status_changed(document: Document, *, reason: str, actor, at: datetime | None) -> None:
    signals.status_changed.send(sender=Document, document=document, status=document.status, reason=reason,
                                actor=actor if getattr(actor, "pk", None) else None, at=at or timezone.now())


def attach(document: Document, content: bytes, *, name: str, role: str = FileRole.MAIN,
           content_type: str = "application/pdf", actor=None) -> DocumentFile:
    """Add a file (or its next version) to a document; never to a recalled one."""
    _refuse_recalled(document)
    if document.confidentiality in PAPER_ONLY:
        raise InvalidData(_("A %(level)s document's files are not uploaded to the networked system; keep them on "
                            "paper.") % {"level": document.get_confidentiality_display()},
                          errors={"file": [_("Not allowed for this confidentiality level.")]})
    if len(content) > MAX_FILE_BYTES:
        raise InvalidData(_("The file is larger than 20 MB."), errors={"file": [_("Too large.")]})
    name = (name or "tep").strip()[:255]
    with transaction.atomic():
        blob = blobs.put(content, content_type=content_type)
        version = (DocumentFile.objects.select_for_update().filter(document=document, role=role, name=name)
                   .order_by("-version").values_list("version", flat=True).first() or 0) + 1
        return DocumentFile.objects.create(document=document, role=role, name=name, version=version, blob=blob,
                                           created_by=actor if getattr(actor, "pk", None) else None)


def link(source: Document, target: Document, *, kind: str, actor=None) -> DocumentLink:
    if source.pk == target.pk:
        raise InvalidData(_("A document cannot be linked to itself."), errors={"target": [_("The same document.")]})
    row, _created = DocumentLink.objects.get_or_create(
        source=source, target=target, kind=kind, defaults={"created_by": actor if getattr(actor, "pk", None) else None})
    return row


def handled_by(document: Document, instance) -> None:
    DocumentProcess.objects.get_or_create(document=document, instance=instance)
