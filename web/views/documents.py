"""The document office's pages: a register's documents (filters, search, pages) and a document's page
(metadata, files, links and replies, its processes, grants for the competent person). What a person
sees of each document, whether its content opens and who may grant are ``documents.access``'s answers,
as in the API (``api.views.documents``); grants go through ``documents.grants``."""

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from directory.models import Body
from directory.people import display_name
from documents import access, blobs, grants, reports, search
from documents.models import (
    Document,
    DocumentType,
    HandlingStatus,
    LinkKind,
    Register,
    Urgency,
    full_number,
)
from engine import access as engine_access
from engine.exceptions import InvalidData, NotAllowed, QuytrinhError
from forms import registry
from forms import validation as form_validation
from outgoing import drafts
from outgoing.models import DraftVersion

from .. import denials, organs, outgoing, paging, taskforms
from ..documents import main_pdf
from ..guards import staff_page

PAGE_SIZE = 25
#: The largest Word file the drafter may upload (as ``POST /api/v1/documents/{id}/versions/``).
MAX_DOCX_BYTES = 20 * 1024 * 1024
#: Newest first, then by id: a unique order the keyset pages (``web.paging``) can follow.
KEYS = [("created_at", True), ("id", True)]
#: How a link reads from the other side: "this document is replied to by …".
LINKED_BY = {LinkKind.REPLIES_TO: gettext_lazy("Replied to by"), LinkKind.REPLACES: gettext_lazy("Replaced by"),
             LinkKind.CORRECTS: gettext_lazy("Corrected by")}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Filters:
    """The list's filters, read from the query string; a value that makes no sense is ignored."""

    register: int | None = None
    since: date | None = None
    until: date | None = None
    type: str = ""
    urgency: str = ""
    status: str = ""
    overdue: bool = False
    search: str = ""

    @classmethod
    def from_query(cls, params) -> "Filters":
        register = params.get("register", "")
        return cls(register=int(register) if register.isdigit() else None,
                   since=_day(params.get("since", "")), until=_day(params.get("until", "")),
                   type=params.get("type", "")[:50],
                   urgency=params.get("urgency", "") if params.get("urgency") in Urgency.values else "",
                   status=params.get("status", "") if params.get("status") in HandlingStatus.values else "",
                   overdue=params.get("overdue") in ("1", "on", "true"), search=params.get("q", "").strip()[:200])

    @property
    def narrowed(self) -> bool:
        """Whether a filter beyond the register and the search is set (the page opens them then)."""
        return bool(self.since or self.until or self.type or self.urgency or self.status or self.overdue)


def listed(user, filters: Filters) -> QuerySet:
    """The documents ``user`` may see, narrowed as the API's ``GET /documents/`` narrows them; a
    search matches only the subjects the person may see (``access.searchable_documents``: the visible
    documents narrowed so, one scope, as in the API; both scopes together check visibility twice)."""
    scope = access.searchable_documents(user) if filters.search else access.visible_documents(user)
    rows = scope.select_related("document_type")
    if filters.search:
        rows = search.matching(rows, filters.search)
    if filters.register is not None:
        rows = rows.filter(register_id=filters.register)
    if filters.type:
        rows = rows.filter(document_type__code=filters.type)
    if filters.urgency:
        rows = rows.filter(urgency=filters.urgency)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.since:
        rows = rows.filter(created_at__date__gte=filters.since)
    if filters.until:
        rows = rows.filter(created_at__date__lte=filters.until)
    if filters.overdue:
        rows = rows.filter(due_date__lt=timezone.localdate()).exclude(
            status__in=[HandlingStatus.DONE, HandlingStatus.RETURNED])
    return rows


@dataclass(frozen=True)
class Row:
    """A document as a page shows it to one person: the subject they may see, its number as printed."""

    document: Document
    subject: str
    overdue: bool

    @property
    def number(self) -> str:
        return full_number(self.document.code_number, self.document.code_notation)

    @property
    def urgency_class(self) -> str:
        return self.document.urgency.replace("_", "-") if self.document.urgency != Urgency.THUONG else ""


def _row(user, document: Document, today: date, grants: dict | None = None) -> Row:
    late = bool(document.due_date and document.due_date < today
                and document.status not in (HandlingStatus.DONE, HandlingStatus.RETURNED))
    return Row(document, access.subject_for(user, document, grants=grants), late)


@staff_page
@vary_on_headers("HX-Request")
def register_page(request):
    """The documents the person may see, a register's or all; htmx asks for the list only."""
    user = request.user
    filters = Filters.from_query(request.GET)
    found, following = paging.page(listed(user, filters), KEYS, request.GET.get("after"), PAGE_SIZE)
    today, grants = timezone.localdate(), access.live_grants(user, found)
    registers = list(access.visible_registers(user))
    query = request.GET.copy()
    query.pop("after", None)
    following_query = query.copy()
    if following:
        following_query["after"] = following
    context = {
        "filters": filters, "rows": [_row(user, document, today, grants) for document in found],
        "registers": registers, "register": next((r for r in registers if r.pk == filters.register), None),
        "reports": [],
        "types": DocumentType.objects.order_by("name", "system"), "urgencies": Urgency.choices,
        "statuses": HandlingStatus.choices, "query": query.urlencode(),
        "next_query": following_query.urlencode() if following else "",
        "first_page": bool(request.GET.get("after")),
    }
    register = context["register"]
    if register is not None and access.may_report(user, register):
        context["reports"] = _report_links(register, filters, today)
        context["report_period"] = _period(filters, today)
    partial = request.htmx and not request.htmx.boosted
    return render(request, "web/documents/_list.html" if partial else "web/documents/register.html", context)


REPORT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}
REPORT_KINDS = {"book": gettext_lazy("The register book"), "follow_up": gettext_lazy("The follow-up report")}


def _period(filters: Filters, today: date) -> tuple[date, date]:
    """The list's period, or this year up to today."""
    return filters.since or today.replace(month=1, day=1), filters.until or today


def _report_links(register: Register, filters: Filters, today: date) -> list[tuple[str, str, str]]:
    """(label, output, query) of the register's reports for the period: the book, and for an
    incoming register the follow-up report (Appendix IV; ``documents.reports``)."""
    since, until = _period(filters, today)
    kinds = ["book", "follow_up"] if register.direction == "incoming" else ["book"]
    return [(str(REPORT_KINDS[kind]), output, f"kind={kind}&output={output}&since={since}&until={until}")
            for kind in kinds for output in ("xlsx", "pdf")]


@staff_page
def register_report(request, register_id):
    """The register book or the follow-up report of a period as XLSX or PDF, with only the rows the
    person may see: ``documents.reports`` asks ``documents.access.may_report`` (as the API's
    ``/registers/{id}/report/``)."""
    register = denials.visible_or_404(request, access.visible_registers(request.user), pk=register_id)
    kind, output = request.GET.get("kind", "book"), request.GET.get("output", "xlsx")
    kind = kind if kind in REPORT_KINDS else "book"  # a value that makes no sense is ignored
    output = output if output in REPORT_TYPES else "xlsx"
    since, until = _period(Filters.from_query(request.GET), timezone.localdate())
    build = reports.follow_up if kind == "follow_up" else reports.register_book
    try:
        report = build(request.user, register, since, until)
    except NotAllowed as err:
        raise denials.not_allowed(request, err.message) from None
    except InvalidData as err:
        messages.error(request, err.message)
        return redirect(f"{reverse('web:documents')}?register={register.pk}")
    content = reports.to_pdf(report) if output == "pdf" else reports.to_xlsx(report)
    response = HttpResponse(content, content_type=REPORT_TYPES[output])
    response["Content-Disposition"] = content_disposition_header(True, report.filename(output))
    return response


def _visible(request, pk) -> Document:
    return denials.visible_or_404(
        request, access.visible_documents(request.user).select_related("document_type", "register__body"), pk=pk)


@dataclass(frozen=True)
class Linked:
    label: str
    document: Document
    subject: str


def _links(user, document: Document) -> list[Linked]:
    """Replies, replacements and corrections either way, to the documents the person may see."""
    visible = access.visible_documents(user).values("pk")
    found = [Linked(str(LinkKind(link.kind).label), link.target, access.subject_for(user, link.target))
             for link in document.links_out.filter(target__in=visible).select_related("target")]
    found += [Linked(str(LINKED_BY[LinkKind(link.kind)]), link.source, access.subject_for(user, link.source))
              for link in document.links_in.filter(source__in=visible).select_related("source")]
    return found


def _unit_names(document: Document) -> dict[str, list[str]]:
    """The lead and co-operating units by their names (the document keeps their codes)."""
    codes = [code for code in [document.lead_unit, *document.co_units] if code]
    names = dict(Body.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    return {"lead": [names.get(document.lead_unit, document.lead_unit)] if document.lead_unit else [],
            "co": [names.get(code, code) for code in document.co_units if code]}


def _edit_form() -> dict:
    """The draft form (``outgoing_draft``) narrowed to what a new version is made from."""
    form = registry.get(outgoing.DRAFT_FORM) or {}
    form["ui"]["order"] = [name for name in form["ui"]["order"] if name in outgoing.EDITABLE]
    return form


def _edit_fields(document: Document, *, data: dict | None, errors: dict | None) -> list:
    """The drafter's form: the latest version's fields (or what they just sent, with its errors)."""
    if data is None:
        latest = drafts.latest(document)
        data = dict(latest.fields) if latest is not None else {}
    return taskforms.fields(_edit_form(), data=data, errors=errors or {},
                            organs=organs.candidates(exclude=organs.own_code(document.body)))


def _document_page(request, document: Document, *, edit_data=None, edit_errors=None, status=200):
    user = request.user
    content_open = access.may_read_content(user, document)
    files = []
    if content_open:
        access.note_open(user, document, what="files")
        files = list(document.files.select_related("blob").order_by("role", "name", "-version"))
    may_grant = access.may_grant(user, document)
    may_edit = content_open and outgoing.may_edit(user, document)
    edit_fields = _edit_fields(document, data=edit_data, errors=edit_errors) if may_edit else []
    today = timezone.localdate()
    context = {
        "document": document, "row": _row(user, document, today), "content_open": content_open, "files": files,
        "pdf": main_pdf(document) if content_open else None,
        "links": _links(user, document),
        "processes": list(document.processes.filter(instance__in=engine_access.visible_instances(user).values("pk"))
                          .select_related("instance__definition").order_by("instance__started_at")),
        "may_grant": may_grant,
        "grants": list(document.grants.select_related("user", "granted_by", "revoked_by")
                       .order_by("revoked_at", "-granted_at")) if may_grant else [],
        "units": _unit_names(document),
        # An outgoing document: its drafting and signatures with its content, its deliveries with its metadata.
        "drafting": outgoing.drafting(document) if content_open else None,
        "signatures": outgoing.signatures(document) if content_open else None,
        "deliveries": outgoing.deliveries(document),
        "may_edit": may_edit, "edit_fields": edit_fields, "edit_open": bool(edit_errors),
        "edit_field_errors": any(field.errors for field in edit_fields),
        "edit_general_errors": [m for path, found in (edit_errors or {}).items()
                                if path.split("/", 1)[0] not in outgoing.EDITABLE and path != "docx" for m in found],
        "docx_errors": (edit_errors or {}).get("docx", []),
    }
    return render(request, "web/documents/document.html", context, status=status)


@staff_page
def document_page(request, pk):
    return _document_page(request, _visible(request, pk))


def _edit_refused(request, document: Document, err: QuytrinhError, data: dict, *, upload: bool):
    """The refusal on the page, beside the field it is about (a Word file's: beside the upload)."""
    errors = {path: list(found) for path, found in (getattr(err, "errors", None) or {}).items()}
    if "file" in errors:
        errors.setdefault("docx", []).extend(errors.pop("file"))
    if not errors:
        errors = {"docx" if upload else "": [str(err.message)]}
    if err.status in (403, 404):
        denials.record(request, err.status)
    messages.error(request, err.message)
    return _document_page(request, document, edit_data=data, edit_errors=errors,
                          status=422 if err.status in (400, 422) else err.status)


@staff_page
@require_POST
def edit_draft(request, pk):
    """The drafter's next version from the page: changed fields, or a Word file converted to PDF
    (``outgoing.drafts.new_version``). An edit after the signer's approval voids it and the procedure
    goes back to the signer; the page says so."""
    document = _visible(request, pk)
    if not access.may_read_content(request.user, document):
        raise denials.not_allowed(request, access.refusal_message(document))
    if not outgoing.may_edit(request.user, document):
        raise denials.not_allowed(request, _("Only the drafter changes the draft, while it is a draft."))
    data = taskforms.submitted(_edit_form(), request.POST)
    upload = request.FILES.get("docx")
    problems = form_validation.problems(outgoing.DRAFT_FORM, data)
    if upload is not None and upload.size > MAX_DOCX_BYTES:
        problems["docx"] = [_("The file is larger than 20 MB.")]
    if problems:
        messages.error(request, _("The draft was not saved: correct the fields marked below."))
        return _document_page(request, document, edit_data=data, edit_errors=problems, status=422)
    previous = drafts.latest(document)
    in_force = drafts.approval_in_force(document)
    try:
        version = drafts.new_version(document, fields=data, actor=request.user, note=str(data.get("note") or ""),
                                     docx=upload.read() if upload is not None else None)
    except QuytrinhError as err:
        return _edit_refused(request, document, err, data, upload=upload is not None)
    if previous is not None and version.pk == previous.pk:
        messages.info(request, _("Nothing changed: no new version was made."))
    elif in_force is not None and in_force.version_id != version.pk:
        signer = in_force.reviewer
        messages.warning(request, _(
            "Version %(new)s saved. The signer's approval of version %(old)s is void, because the draft changed "
            "after it (Decree 30/2020, Art. 11.2): the draft went back to %(signer)s for approval.") % {
            "new": version.number, "old": in_force.version.number,
            "signer": display_name(signer) if signer is not None else _("the signer")})
    else:
        messages.success(request, _("Version %(number)s saved.") % {"number": version.number})
    return redirect(reverse("web:document", args=[document.pk]) + "#versions")


@staff_page
def document_version(request, pk, number):
    """A draft version's PDF, for whoever may open the document's content (as its files)."""
    document = _visible(request, pk)
    if not access.may_read_content(request.user, document):
        raise denials.not_allowed(request, access.refusal_message(document))
    version = denials.visible_or_404(request, DraftVersion.objects.select_related("file"), document=document,
                                     number=number)
    access.note_open(request.user, document, what="content")
    response = HttpResponse(version.file.content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="du-thao-v{version.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_page
def document_file(request, pk, file):
    """A file's bytes, for whoever may open the document's content (a confidential opening goes on
    the document's audit stream); the PDF viewer reads the same URL."""
    document = _visible(request, pk)
    if not access.may_read_content(request.user, document):
        raise denials.not_allowed(request, access.refusal_message())
    row = denials.visible_or_404(request, document.files.select_related("blob"), pk=file)
    access.note_open(request.user, document, what="content")
    response = HttpResponse(blobs.read(row.blob), content_type=row.blob.content_type)
    response["Content-Disposition"] = content_disposition_header(True, row.name)
    response["Cache-Control"] = "private, no-store"
    return response


@staff_page
@require_POST
def grant(request, pk):
    """The competent person lets a named person open the document (``documents.grants``)."""
    document = _visible(request, pk)
    try:
        grants.grant(document, username=request.POST.get("username", "").strip(),
                     subject=request.POST.get("subject") == "on", actor=request.user)
        messages.success(request, _("Access granted."))
    except QuytrinhError as err:
        if err.status in (403, 404):
            denials.record(request, err.status)
        messages.error(request, err.message)
    return redirect("web:document", pk=document.pk)


@staff_page
@require_POST
def revoke(request, pk, grant_id):
    document = _visible(request, pk)
    row = denials.visible_or_404(request, document.grants.select_related("document", "user"), pk=grant_id)
    try:
        grants.revoke(row, actor=request.user)
        messages.success(request, _("Access revoked."))
    except QuytrinhError as err:
        if err.status in (403, 404):
            denials.record(request, err.status)
        messages.error(request, err.message)
    return redirect("web:document", pk=document.pk)
