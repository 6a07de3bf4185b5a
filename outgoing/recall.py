"""Recall, correction and replacement of an issued outgoing document (S08; BRIEF §1.7 (18)).

- A format or procedure error is put right by a corrective công văn (đính chính) that ``corrects``
  the original; a content error by a replacement of the same document type that ``replaces`` it.
  Both are new outgoing documents made by the outgoing procedure; ``link_correction`` checks and
  records the link (same body, the original issued and not recalled, a replacement of the
  original's type). The exchange sends them as edXML updates and replacements naming the
  original, and links each recipient's copy to its copy of the original (``exchange.sending``).
- ``recall``: the office of the issuing body (``documents.access.may_recall``: its clerks, chief
  of office, leaders and competent person) recalls an issued document with a reason. Its record is
  frozen (status recalled, marked "THU HỒI", read-only), and every copy it made is taken back
  (``exchange.recalls``): at once in the bodies here, by an edXML revoke packet elsewhere.
- A replacement recalls its original when it is issued: the original is void from then on.

Every step is on the documents' audit streams.
"""

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.models import Body
from documents import access, records
from documents.models import Direction, Document, DocumentLink, HandlingStatus, LinkKind, full_number
from documents.signals import status_changed
from engine import audit
from engine.data import required_reason
from engine.exceptions import InvalidData, NotAllowed, QuytrinhError
from exchange import recalls

REPLACED = gettext_lazy("Replaced by the document %(number)s.")


class NotRecallable(QuytrinhError):
    """Only an issued outgoing document is recalled, once."""

    code = "not_recallable"
    status = 409
    default_message = gettext_lazy("Only an issued outgoing document can be recalled.")


def _recallable(document: Document) -> None:
    if document.direction != Direction.OUTGOING:
        raise NotRecallable(_("Only an outgoing document is recalled; an incoming one is returned to its sender."))
    if document.status == HandlingStatus.RECALLED:
        raise NotRecallable(_("The document has already been recalled."))
    if document.status != HandlingStatus.ISSUED:
        raise NotRecallable(_("Only an issued document is recalled; a draft is withdrawn by cancelling its "
                              "procedure."))


def recall(document: Document, *, reason: str, actor) -> Document:
    """Recall ``document`` (refused: ``NotAllowed``, ``NotRecallable``, ``InvalidData`` without a reason)."""
    reason = required_reason(reason)
    if not access.may_recall(actor, document):
        raise NotAllowed(_("Only the office of the issuing body recalls its documents."))
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        _recallable(document)
        _recall(document, reason=reason, actor=actor)
    return document


def _recall(document: Document, *, reason: str, actor) -> None:
    """Freeze a locked, issued document and take back its copies, in the caller's transaction."""
    organ = document.organ_name or Body.objects.filter(code=document.body).values_list("name", flat=True).first() \
        or document.body
    recalls.freeze(document, reason=reason, actor=actor, organ=organ)
    recalls.recall_copies(document, reason=reason, actor=actor, organ=organ)


def link_correction(new: Document, original: Document, kind: str, actor) -> DocumentLink:
    """Record that ``new`` corrects or replaces ``original`` (``LinkKind.CORRECTS`` / ``REPLACES``),
    after checking, on the stored records, that they may be linked so; a replacement without a type
    takes the original's."""
    if kind not in (LinkKind.CORRECTS, LinkKind.REPLACES):
        raise ValueError(f"kind must be corrects or replaces, got {kind!r}")
    field = "corrects" if kind == LinkKind.CORRECTS else "replaces"
    with transaction.atomic():
        rows = Document.objects.select_for_update(of=("self",)).select_related("document_type")
        locked = {row.pk: row for row in rows.filter(pk__in=[new.pk, original.pk])}
        new, original = locked[new.pk], locked[original.pk]
        problems = _link_problems(new, original, kind)
        if problems:
            raise InvalidData(problems[0], errors={field: problems})
        if kind == LinkKind.REPLACES and new.document_type_id is None and original.document_type_id is not None:
            new.document_type_id = original.document_type_id
            records.save(new, update_fields=["document_type"])
        link = records.link(new, original, kind=kind, actor=actor)
        number = full_number(original.code_number, original.code_notation)
        audit.append(f"document:{new.pk}", [audit.Entry(f"{field}_document", actor=actor, after={
            "document_id": str(original.pk), "number": number})])
        audit.append(f"document:{original.pk}", [audit.Entry(
            "corrected_by" if kind == LinkKind.CORRECTS else "replaced_by", actor=actor,
            after={"document_id": str(new.pk)})])
    return link


def _link_problems(new: Document, original: Document, kind: str) -> list[str]:
    problems: list[str] = []
    if new.direction != Direction.OUTGOING or original.direction != Direction.OUTGOING or new.body != original.body:
        problems.append(_("A correction or a replacement names an outgoing document of its own body."))
    if original.status == HandlingStatus.RECALLED:
        problems.append(_("The document %(number)s was recalled; it is no longer corrected or replaced.")
                        % {"number": full_number(original.code_number, original.code_notation)})
    elif original.status != HandlingStatus.ISSUED:
        problems.append(_("Only an issued document is corrected or replaced."))
    if new.status in (HandlingStatus.ISSUED, HandlingStatus.RECALLED) or new.pk == original.pk:
        problems.append(_("An issued document cannot become the correction or replacement of another."))
    if kind == LinkKind.REPLACES and new.document_type_id not in (None, original.document_type_id):
        problems.append(_("A replacement is of the same document type as the document it replaces (%(type)s).")
                        % {"type": original.document_type.name if original.document_type else "—"})
    return problems


@receiver(status_changed, dispatch_uid="outgoing.recall.replacement_issued")
def replacement_issued(sender, *, document, status, actor=None, **kwargs) -> None:
    """A replacement issued: the document it replaces is recalled, inside the step that issued it."""
    if status != HandlingStatus.ISSUED or document.direction != Direction.OUTGOING:
        return
    for link in DocumentLink.objects.filter(source=document, kind=LinkKind.REPLACES).order_by("pk"):
        original = Document.objects.select_for_update().get(pk=link.target_id)
        if original.status == HandlingStatus.ISSUED:
            reason = recalls.in_language(REPLACED) % {
                "number": full_number(document.code_number, document.code_notation)}
            _recall(original, reason=reason, actor=actor)
