"""What the pages show of an outgoing document (``outgoing``, ``signing``, ``exchange``): its draft
versions with the review rounds made on each, the signatures of the issued file checked now, and
where it was sent. Nothing here decides who may see it: the views ask ``documents.access`` first and
call these only for someone who may open the document's content (the deliveries are metadata, as
``exchange.access`` says)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from directory.people import display_name
from documents import blobs
from documents.models import Direction, Document, HandlingStatus
from engine.models import Task
from exchange import access as exchange_access
from exchange import deliveries as exchange_deliveries
from exchange.models import Delivery, DeliveryEvent
from forms import registry
from outgoing import drafts
from outgoing.models import Decision, DraftVersion, Review, Source, Step
from signing.verify import verify_pdf

from .documents import DocumentView, main_pdf

#: The form the drafter fills in (its labels name a version's changed fields) and the reviewers' form.
DRAFT_FORM = "outgoing_draft"
REVIEW_FORM = "outgoing_review"
#: The fields of the draft form the document page lets the drafter change (``outgoing.drafts.FIELDS``
#: and the version's note; appendices are named in the draft task).
EDITABLE = (*drafts.FIELDS, "note")


@dataclass(frozen=True)
class ReviewView:
    review: Review
    version_number: int
    reviewer: str

    @property
    def approved(self) -> bool:
        return self.review.decision == Decision.APPROVE

    @property
    def is_format(self) -> bool:
        return self.review.step == Step.FORMAT


@dataclass(frozen=True)
class VersionView:
    version: DraftVersion
    author: str
    changes: list[str]
    pdf_url: str
    reviews: list[ReviewView] = field(default_factory=list)
    #: The signer's approval names this version (``in_force``: and no later version voided it).
    approved: bool = False
    in_force: bool = False

    @property
    def from_word(self) -> bool:
        return self.version.source == Source.DOCX


@dataclass(frozen=True)
class Drafting:
    """An outgoing document's versions, oldest first, and the signer's latest approval."""

    versions: list[VersionView]
    approval: Review | None

    @property
    def latest(self) -> VersionView | None:
        return self.versions[-1] if self.versions else None

    @property
    def reviews(self) -> list[ReviewView]:
        return [review for version in self.versions for review in version.reviews]

    @property
    def last_round(self) -> list[ReviewView]:
        """The reviews made on the latest version: what the drafter reworks it by."""
        return self.latest.reviews if self.latest else []

    @property
    def voided(self) -> VersionView | None:
        """The version the signer approved when a later one voided that approval (Art. 11.2)."""
        return next((v for v in self.versions if v.approved and not v.in_force), None)


def change_labels(version: DraftVersion) -> list[str]:
    """The changed fields by the labels of the draft form ("file": a Word file was uploaded)."""
    hints = registry.ui_fields(DRAFT_FORM)
    labels = {name: str(hints.get(name, {}).get("label", name)) for name in drafts.FIELDS}
    labels["file"] = _("Word file")
    return [labels.get(name, name) for name in version.changes]


def version_url(document: Document, number: int) -> str:
    return reverse("web:document_version", args=[document.pk, number])


def drafting(document: Document) -> Drafting | None:
    """The draft's versions and reviews; None for a document that has none (not drafted here)."""
    if document.direction != Direction.OUTGOING:
        return None
    versions = list(DraftVersion.objects.filter(document=document).select_related("created_by")
                    .prefetch_related("reviews__reviewer").order_by("number"))
    if not versions:
        return None
    approval = drafts.approval(document)
    approved_id = approval.version_id if approval is not None and approval.decision == Decision.APPROVE else None
    newest = versions[-1].pk
    views = []
    for version in versions:
        reviews = [ReviewView(review, version.number, display_name(review.reviewer) if review.reviewer else "")
                   for review in sorted(version.reviews.all(), key=lambda r: (r.created_at, r.pk))]
        views.append(VersionView(
            version=version, author=display_name(version.created_by) if version.created_by else "",
            changes=change_labels(version) if version.number > 1 else [], pdf_url=version_url(document, version.number),
            reviews=reviews, approved=version.pk == approved_id,
            in_force=version.pk == approved_id and version.pk == newest))
    return Drafting(views, approval)


def may_edit(user, document: Document) -> bool:
    """The drafter changes the draft from its page while it is a draft (the API's rule,
    ``api.views.drafts``); the caller has checked that they may open its content."""
    return (document.direction == Direction.OUTGOING and document.created_by_id == user.pk
            and document.status == HandlingStatus.DRAFT and not document.code_number)


# --- the issued file's signatures -------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureView:
    holder: str
    organisation: str
    signed_at: datetime | None
    timestamped_at: datetime | None
    valid: bool
    level: str
    problems: list[str]


@dataclass(frozen=True)
class Signatures:
    """The verification of the issued file, made when the page is drawn (a certificate revoked since
    shows at once)."""

    file_name: str
    valid: bool
    verdict: str
    verified_at: datetime | None
    signatures: list[SignatureView]
    problems: list[str]


def _moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def signatures(document: Document) -> Signatures | None:
    """The signatures of the document's main PDF, verified now by the signing app
    (``signing.verify.verify_pdf``: the trust list, the stored CRLs); None without a file."""
    if document.direction != Direction.OUTGOING:
        return None
    pdf = main_pdf(document)
    if pdf is None:
        return None
    result = verify_pdf(blobs.read(pdf.blob))
    report = result.report
    found = [SignatureView(
        holder=str(sig.get("holder") or ""), organisation=str(sig.get("organisation") or ""),
        signed_at=_moment(sig.get("signing_time")), timestamped_at=_moment(sig.get("timestamp_time")),
        valid=bool(sig.get("valid")), level=str(sig.get("level") or ""),
        problems=[str(p.get("message", "")) for p in sig.get("problems", [])]) for sig in report["signatures"]]
    return Signatures(file_name=pdf.name, valid=result.valid, verdict=str(report["verdict"]),
                      verified_at=_moment(report.get("verified_at")), signatures=found,
                      problems=[str(p.get("message", "")) for p in report.get("problems", [])])


# --- where it was sent --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryView:
    delivery: Delivery
    events: list[DeliveryEvent]


def deliveries(document: Document) -> list[DeliveryView]:
    """Each recipient's delivery with its history in the order it happened (``exchange``); part of the
    document's metadata (``exchange.access``)."""
    if document.direction != Direction.OUTGOING:
        return []
    rows = exchange_access.document_deliveries(document)
    return [DeliveryView(row, exchange_deliveries.history(row)) for row in rows]


# --- on a task page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskPanel:
    """What a drafting task's page adds above its form (the format check's findings are in the
    review form itself, a ``report`` field of process data)."""

    document: Document
    drafting: Drafting | None
    kind: str  # "review" | "draft"

    @property
    def earlier(self) -> list[ReviewView]:
        """A reviewer's view: every earlier decision and comment, newest first."""
        return list(reversed(self.drafting.reviews)) if self.drafting else []


def task_panel(user, task: Task, documents: list[DocumentView]) -> TaskPanel | None:
    """For the draft and review tasks of a document's drafting: the latest version and the earlier
    comments (reviewers), the comments of the last round (the drafter).
    Only for someone who may open the document's content."""
    kind = {DRAFT_FORM: "draft", REVIEW_FORM: "review"}.get(task.form_key or "")
    if kind is None:
        return None
    shown = next((d for d in documents if d.document.direction == Direction.OUTGOING and d.content_open), None)
    if shown is None:
        return None
    return TaskPanel(shown.document, drafting(shown.document), kind)
