"""The register reports of Decree 30 (Appendix IV, and the outputs Appendix VI asks for): the
incoming and outgoing register books and the follow-up report on incoming documents ("Báo cáo tình
hình giải quyết văn bản đến"), for one register and one period, built for one person, as XLSX and PDF.

Who gets which rows is ``documents.access`` (``may_report``, ``reported_documents``, ``subject_for``):
an open register's report never lists a confidential document; a secret register's exists only for
its clerks and its competent person, with a Tuyệt mật subject hidden unless they may see it.

A year's register is thousands of rows (5,000 build in under 2 s per format on two cores), so the
books stream: one database query read with ``iterator()``, openpyxl's write-only workbook, and a
PDF drawn row by row straight onto the canvas, each word measured once per report (measuring
TrueType text is pure Python and was most of the time). The rows of a book are a generator: render
a built report once, and build it again for the other format. The follow-up report keeps its rows,
since its totals need them all.

The column names are the legal ones of Appendix IV, so they are Vietnamese literals; what the
Appendix does not name (the period line, page numbers, the follow-up's outcomes and totals) goes
through gettext.
"""

from __future__ import annotations

import functools
import io
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from directory.models import Body
from engine import calendar
from engine.exceptions import InvalidData, NotAllowed
from engine.models import InstanceStatus

from . import access, fonts, records
from .models import Direction, Document, DocumentLink, DocumentProcess, HandlingStatus, LinkKind, Register

Cell = str | int | date | None

INCOMING_TITLE = "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
OUTGOING_TITLE = "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
FOLLOW_UP_TITLE = "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐẾN"
DATE_FORMAT = "%d/%m/%Y"
#: Where the first table's header row is in a report's XLSX (title, organ, register, period, blank above it).
XLSX_HEADER_ROW = 6

#: The marks of Appendix I as they are stamped: what a register's "Ghi chú" shows of a document's level.
URGENCY_MARKS = {"khan": "KHẨN", "thuong_khan": "THƯỢNG KHẨN", "hoa_toc": "HỎA TỐC"}
CONFIDENTIALITY_MARKS = {"mat": "MẬT", "toi_mat": "TỐI MẬT", "tuyet_mat": "TUYỆT MẬT"}
#: A document in one of these states needs nothing more from its handler.
CLOSED = (HandlingStatus.DONE, HandlingStatus.RETURNED)


@dataclass(frozen=True)
class Column:
    label: str
    width_mm: float
    kind: str = "text"  # "text", "number" or "date": how the XLSX stores it and the PDF aligns it


@dataclass
class Section:
    columns: Sequence[Column]
    rows: Iterable[Sequence[Cell]]
    heading: str = ""


@dataclass
class Report:
    title: str
    organ: str
    register: str
    since: date
    until: date
    sections: list[Section]

    def period(self) -> str:
        return _("From %(since)s to %(until)s") % {"since": self.since.strftime(DATE_FORMAT),
                                                   "until": self.until.strftime(DATE_FORMAT)}

    def filename(self, extension: str) -> str:
        """An ASCII file name a browser saves it under."""
        return f"{slugify(records.plain(self.title))}_{self.since:%Y-%m-%d}_{self.until:%Y-%m-%d}.{extension}"


# --- Who handles a document ------------------------------------------------------------------


def handling_units(document: Document) -> tuple[str, ...]:
    """The units (body codes) answering for an incoming document: the lead unit and the co-operating
    ones the leader named, else its own body. The follow-up report counts the document under each
    unit named here, and the incoming book shows them as its recipients."""
    named = tuple(unit for unit in (document.lead_unit, *(document.co_units or [])) if unit)
    return named or (document.body,)


class _Names:
    """Body names by code, read once per report on first use (a commune has a few dozen bodies)."""

    def __init__(self):
        self._names: dict[str, str] | None = None

    def __call__(self, code: str) -> str:
        if self._names is None:
            self._names = dict(Body.objects.values_list("code", "name"))
        return self._names.get(code, code)


# --- Cells shared by the books ----------------------------------------------------------------


def notation(number: str, code_notation: str) -> str:
    """The number and notation as printed: 04-KH/ĐU for a Party notation (it has a slash of its
    own), 15/QĐ-UBND for a State one."""
    if not (number and code_notation):
        return number or code_notation
    return f"{number}-{code_notation}" if "/" in code_notation else f"{number}/{code_notation}"


def _local_day(moment: datetime | None) -> date | None:
    return calendar.localize(moment).date() if moment else None


def _type_and_subject(document: Document, user) -> str:
    subject = access.subject_for(user, document)
    kind = document.document_type.name if document.document_type else ""
    if not kind or subject.casefold().startswith(kind.casefold()):
        return subject
    return f"{kind} {subject}"


def _note(document: Document) -> str:
    marks = [URGENCY_MARKS.get(document.urgency, ""), CONFIDENTIALITY_MARKS.get(document.confidentiality, "")]
    return "; ".join(part for part in (*marks, document.description) if part)


def _recipients(value) -> str:
    names = [item.get("organ_name") or item.get("organ_id", "") if isinstance(item, dict) else str(item)
             for item in (value or [])]
    return "; ".join(name for name in names if name)


def _checked(user, register: Register, since: date, until: date, direction: str) -> models.QuerySet:
    if since > until:
        raise InvalidData(_("The period ends before it starts."), errors={"until": [_("Before the start.")]})
    if register.direction != direction:
        raise InvalidData(_("%(register)s is not a register of this kind.") % {"register": register.name},
                          errors={"register": [_("Wrong kind of register.")]})
    if not access.may_report(user, register):
        raise NotAllowed(_("You may not have the reports of this register."))
    return access.reported_documents(user, register)


def _arrived_within(since: date, until: date) -> Q:
    """Arrivals on the period's days in Vietnam: 23:30 on 31 December in Hà Nội belongs to that year."""
    return Q(arrival_date__gte=datetime.combine(since, time(0), calendar.TZ),
             arrival_date__lt=datetime.combine(until + timedelta(days=1), time(0), calendar.TZ))


def _organ(register: Register) -> str:
    return register.body.name


# --- The register books (Appendix IV) ----------------------------------------------------------

INCOMING_COLUMNS = (
    Column("Ngày đến", 20, "date"), Column("Số đến", 14, "number"), Column("Tác giả", 36),
    Column("Số, ký hiệu", 26), Column("Ngày tháng văn bản", 21, "date"), Column("Tên loại và trích yếu", 66),
    Column("Đơn vị hoặc người nhận", 30), Column("Ngày chuyển", 18, "date"), Column("Ký nhận", 16),
    Column("Ghi chú", 20),
)
OUTGOING_COLUMNS = (
    Column("Số, ký hiệu", 26), Column("Ngày tháng văn bản", 21, "date"),
    Column("Tên loại và trích yếu nội dung", 66), Column("Người ký", 28), Column("Nơi nhận văn bản", 40),
    Column("Đơn vị, người nhận bản lưu", 24), Column("Số lượng bản", 14, "number"),
    Column("Ngày chuyển", 18, "date"), Column("Ký nhận", 14), Column("Ghi chú", 16),
)
_ROW_FIELDS = ("id", "body", "code_number", "code_notation", "issued_date", "organ_name", "subject", "urgency",
               "confidentiality", "description", "document_type__name", "lead_unit", "co_units")


def incoming_book(user, register: Register, since: date, until: date) -> Report:
    """Sổ đăng ký văn bản đến: the documents that arrived in the period, by arrival. Ngày chuyển
    and Ký nhận stay empty: the printed book is signed by hand when a paper document is passed on."""
    documents = (_checked(user, register, since, until, Direction.INCOMING).filter(_arrived_within(since, until))
                 .select_related("document_type").only(*_ROW_FIELDS, "arrival_number", "arrival_date")
                 .order_by("arrival_date", "arrival_number", "id"))
    unit_name = _Names()

    def rows() -> Iterator[Sequence[Cell]]:
        for document in documents.iterator(chunk_size=1000):
            yield (_local_day(document.arrival_date), document.arrival_number, document.organ_name,
                   notation(document.code_number, document.code_notation), document.issued_date,
                   _type_and_subject(document, user), "; ".join(unit_name(u) for u in handling_units(document)),
                   None, "", _note(document))

    return Report(INCOMING_TITLE, _organ(register), register.name, since, until, [Section(INCOMING_COLUMNS, rows())])


def outgoing_book(user, register: Register, since: date, until: date) -> Report:
    """Sổ đăng ký văn bản đi: the documents issued in the period, by date. The copy-keeping unit,
    the number of copies and the hand-over are not on record yet: their columns stay empty for the
    clerk to fill in on paper."""
    documents = (_checked(user, register, since, until, Direction.OUTGOING)
                 .filter(issued_date__gte=since, issued_date__lte=until).select_related("document_type")
                 .only(*_ROW_FIELDS, "signer_name", "signer_position", "recipients")
                 .order_by("issued_date", "created_at", "id"))

    def rows() -> Iterator[Sequence[Cell]]:
        for document in documents.iterator(chunk_size=1000):
            yield (notation(document.code_number, document.code_notation), document.issued_date,
                   _type_and_subject(document, user), document.signer_name or document.signer_position,
                   _recipients(document.recipients), "", None, None, "", _note(document))

    return Report(OUTGOING_TITLE, _organ(register), register.name, since, until, [Section(OUTGOING_COLUMNS, rows())])


def register_book(user, register: Register, since: date, until: date) -> Report:
    """The book of ``register``, incoming or outgoing."""
    build = incoming_book if register.direction == Direction.INCOMING else outgoing_book
    return build(user, register, since, until)


# --- The follow-up report ----------------------------------------------------------------------


class Outcome(models.TextChoices):
    ON_TIME = "on_time", gettext_lazy("Handled on time")
    LATE = "late", gettext_lazy("Handled late")
    PENDING = "pending", gettext_lazy("Being handled")


@dataclass(frozen=True)
class FollowUpLine:
    document_id: uuid.UUID
    unit: str
    arrival_number: int | None
    arrival_day: date | None
    description: str
    due_date: date | None
    finished: bool
    finished_on: date | None
    outcome: Outcome
    overdue: bool  # past the deadline: handled late, or still being handled after it
    days_late: int | None
    working_days_late: int | None
    reply: str
    note: str


@dataclass
class Totals:
    documents: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0
    overdue_pending: int = 0

    def add(self, line: FollowUpLine) -> None:
        self.documents += 1
        self.on_time += line.outcome == Outcome.ON_TIME
        self.late += line.outcome == Outcome.LATE
        self.pending += line.outcome == Outcome.PENDING
        self.overdue_pending += line.outcome == Outcome.PENDING and line.overdue


@dataclass
class FollowUp(Report):
    lines: list[FollowUpLine] = field(default_factory=list)
    #: Per unit code, and ``""`` for all documents (each counted once, whatever its units).
    totals: dict[str, Totals] = field(default_factory=dict)


def assess(due: date | None, finished: bool, finished_on: date | None, today: date,
           working_days: Callable[[date, date], int]) -> tuple[Outcome, bool, int | None, int | None]:
    """Outcome, whether past the deadline, and the days late in calendar and in working days: a
    document handled after its deadline is late by the days between them; one still being handled
    after it, by the days up to ``today``. The deadline is office close of its day."""
    if finished:
        if due is None or finished_on is None or finished_on <= due:
            return Outcome.ON_TIME, False, None, None
        return Outcome.LATE, True, (finished_on - due).days, working_days(due, finished_on)
    if due is not None and today > due:
        return Outcome.PENDING, True, (today - due).days, working_days(due, today)
    return Outcome.PENDING, False, None, None


def working_days_counter(days: calendar.Calendar) -> Callable[[date, date], int]:
    """``Calendar.working_days_between`` by dates, each pair counted once per report: thousands of
    documents share a handful of deadlines, and counting walks the days one by one."""

    @functools.cache
    def between(first: date, last: date) -> int:
        return days.working_days_between(calendar.localize(first), calendar.localize(last))

    return between


FOLLOW_UP_FIELDS = ("id", "body", "code_number", "code_notation", "issued_date", "organ_name", "description",
                    "document_type__name", "arrival_number", "arrival_date", "due_date", "status", "urgency",
                    "confidentiality", "lead_unit", "co_units")


def _finishing(documents: models.QuerySet, *, secret: bool) -> models.QuerySet:
    """When each document was handled: its handling processes all ended, at least one completed, the
    last completion is the day; or its status says so (then the day may not be on record)."""
    processes = DocumentProcess.objects.filter(document=OuterRef("pk"))
    replies = DocumentLink.objects.filter(target=OuterRef("pk"), kind=LinkKind.REPLIES_TO).order_by("created_at")
    if not secret:  # an open report does not name a confidential reply either
        replies = replies.filter(source__confidentiality="")
    return documents.annotate(
        finished_at=Subquery(processes.filter(instance__status=InstanceStatus.COMPLETED)
                             .order_by("-instance__ended_at").values("instance__ended_at")[:1]),
        still_open=Exists(processes.filter(instance__status__in=[InstanceStatus.RUNNING, InstanceStatus.SUSPENDED])),
        reply_number=Subquery(replies.values("source__code_number")[:1]),
        reply_notation=Subquery(replies.values("source__code_notation")[:1]),
    )


def _describe(document: Document) -> str:
    """Tên loại, số, ký hiệu, ngày, cơ quan ban hành, in that order."""
    kind = document.document_type.name if document.document_type else ""
    issued = document.issued_date.strftime(DATE_FORMAT) if document.issued_date else ""
    first = " ".join(part for part in (kind, notation(document.code_number, document.code_notation)) if part)
    return ", ".join(part for part in (first, issued, document.organ_name) if part)


def follow_up(user, register: Register, since: date, until: date, *, units: Iterable[str] | None = None) -> FollowUp:
    """Báo cáo tình hình giải quyết văn bản đến: each incoming document that arrived in the period,
    under each unit handling it (only ``units`` when given), with its deadline and how it stands
    today, and the totals per unit."""
    wanted = set(units) if units is not None else None
    unit_name = _Names()
    documents = _finishing(_checked(user, register, since, until, Direction.INCOMING)
                           .filter(_arrived_within(since, until)).select_related("document_type")
                           .only(*FOLLOW_UP_FIELDS), secret=register.secret).order_by("arrival_date",
                                                                                      "arrival_number", "id")
    working_days, today = working_days_counter(calendar.current()), calendar.now().date()
    lines: list[FollowUpLine] = []
    totals: dict[str, Totals] = defaultdict(Totals)
    for document in documents.iterator(chunk_size=1000):
        finished_at = document.finished_at
        finished = document.status in CLOSED or (finished_at is not None and not document.still_open)
        finished_on = _local_day(finished_at) if finished else None
        outcome, overdue, late, working_late = assess(document.due_date, finished, finished_on, today, working_days)
        marks = _note(document)
        note = [marks] if marks else []
        if finished and finished_on is None:
            note.append(_("Completion date not on record"))
        counted = False
        for unit in handling_units(document):
            if wanted is not None and unit not in wanted:
                continue
            line = FollowUpLine(
                document.pk, unit, document.arrival_number, _local_day(document.arrival_date), _describe(document),
                document.due_date, finished, finished_on, outcome, overdue, late, working_late,
                notation(document.reply_number or "", document.reply_notation or ""),
                "; ".join(note))
            lines.append(line)
            totals[unit].add(line)
            if not counted:
                totals[""].add(line)
                counted = True
    lines.sort(key=lambda line: unit_name(line.unit))  # stable: by arrival within each unit
    report = FollowUp(FOLLOW_UP_TITLE, _organ(register), register.name, since, until, [], lines=lines,
                      totals=dict(totals))
    report.sections = _follow_up_sections(report, unit_name)
    return report


def _progress(line: FollowUpLine) -> str:
    if line.outcome == Outcome.PENDING and line.overdue:
        return _("Being handled, overdue")
    return str(line.outcome.label)


def _follow_up_sections(report: FollowUp, unit_name: _Names) -> list[Section]:
    columns = (
        Column("Số đến", 13, "number"), Column("Ngày đến", 19, "date"),
        Column("Tên loại, số, ký hiệu, ngày, cơ quan ban hành", 60), Column("Đơn vị hoặc người nhận", 30),
        Column("Thời hạn giải quyết", 20, "date"), Column("Tiến độ giải quyết", 25),
        Column(_("Handled on"), 20, "date"), Column(_("Days late"), 15, "number"),
        Column(_("Working days late"), 17, "number"), Column("Số, ký hiệu văn bản trả lời", 25),
        Column("Ghi chú", 23),
    )
    rows = [(line.arrival_number, line.arrival_day, line.description, unit_name(line.unit), line.due_date,
             _progress(line), line.finished_on, line.days_late, line.working_days_late, line.reply, line.note)
            for line in report.lines]
    total_columns = (Column(_("Unit"), 73), Column(_("Number of documents"), 32, "number"),
                     Column(_("Handled on time"), 32, "number"), Column(_("Handled late"), 32, "number"),
                     Column(_("Being handled"), 32, "number"), Column(_("Of which overdue"), 32, "number"))

    def count(name: str, totals: Totals) -> Sequence[Cell]:
        return (name, totals.documents, totals.on_time, totals.late, totals.pending, totals.overdue_pending)

    units = sorted((code for code in report.totals if code), key=unit_name)
    summary = [count(unit_name(code), report.totals[code]) for code in units]
    summary.append(count(_("All units"), report.totals.get("", Totals())))
    return [Section(columns, rows), Section(total_columns, summary, heading=_("Totals by unit"))]


# --- XLSX ----------------------------------------------------------------------------------------


def to_xlsx(report: Report) -> bytes:
    """The report as one worksheet: organ, title, register and period above the tables, then each
    table with its header row; dates are date cells shown dd/mm/yyyy."""
    # openpyxl takes 0.15 s to import: only the processes that export pay it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=report.title[:31])
    widths: dict[int, float] = {}
    for section in report.sections:
        for index, column in enumerate(section.columns, start=1):
            widths[index] = max(widths.get(index, 0), column.width_mm)
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = round(width / 1.9, 1)
    sheet.freeze_panes = f"A{XLSX_HEADER_ROW + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    fill = PatternFill("solid", fgColor="DDDDDD")

    def styled(value, **style) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    sheet.append([styled(report.organ, font=bold)])
    sheet.append([styled(report.title, font=Font(bold=True, size=14))])
    sheet.append([report.register])
    sheet.append([report.period()])
    sheet.append([])
    for number, section in enumerate(report.sections):
        if number:
            sheet.append([])
        if section.heading:
            sheet.append([styled(section.heading, font=bold)])
        sheet.append([styled(column.label, font=bold, alignment=wrap, fill=fill) for column in section.columns])
        dates = [index for index, column in enumerate(section.columns) if column.kind == "date"]
        for row in section.rows:
            # a control character pasted into a subject would make openpyxl refuse the whole file
            values: list = [ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
                            for value in row]
            for index in dates:
                if values[index] is not None:
                    values[index] = styled(values[index], number_format="DD/MM/YYYY")
            sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------------------------

FONT_SIZE = 9
LEADING = 11
PADDING = 2.5
MARGIN_MM = 12


class _NumberedCanvas(Canvas):
    """Keeps each page until the end, then stamps "page n of N" on every one."""

    def __init__(self, *args, footer: Callable[[int, int], str], footer_font: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._footer, self._footer_font = footer, footer_font
        self._kept: list[dict] = []

    def showPage(self):
        self._kept.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._kept)
        for number, state in enumerate(self._kept, start=1):
            self.__dict__.update(state)
            self.setFont(self._footer_font, 8)
            self.drawCentredString(self._pagesize[0] / 2, MARGIN_MM * mm / 2, self._footer(number, total))
            super().showPage()
        super().save()


class _Drawer:
    """Draws the report's tables row by row, a new page (with the header row again) when the next
    row does not fit; vertical rules are drawn once per page."""

    def __init__(self, pdf: Canvas, regular: str, bold: str):
        self.pdf, self.regular, self.bold = pdf, regular, bold
        self.page_width, self.page_height = landscape(A4)
        self.margin = MARGIN_MM * mm
        self.bottom = self.margin + 6
        self.y = self.page_height - self.margin
        self.grid_top: float | None = None
        self.edges: list[float] = []
        self._widths: dict[tuple[str, str], float] = {}

    # text ------------------------------------------------------------------------------------

    def width(self, text: str, font: str) -> float:
        """Widths by word, kept for the report: a register repeats its words thousands of times, and
        measuring a TrueType string is pure Python."""
        key = (font, text)
        found = self._widths.get(key)
        if found is None:
            found = self._widths[key] = stringWidth(text, font, FONT_SIZE)
        return found

    def wrap(self, text: str, font: str, width: float) -> list[str]:
        """Lines of at most ``width``, broken between words (inside a word only when it is wider)."""
        lines: list[str] = []
        space = self.width(" ", font)
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for word in paragraph.split():
                size = self.width(word, font)
                if line and used + space + size <= width:
                    line, used = f"{line} {word}", used + space + size
                    continue
                if line:
                    lines.append(line)
                while size > width and len(word) > 1:
                    cut = len(word) - 1
                    while cut > 1 and stringWidth(word[:cut], font, FONT_SIZE) > width:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                    size = self.width(word, font)
                line, used = word, size
            if line:
                lines.append(line)
        return lines

    def centred(self, text: str, font: str, size: float, leading: float) -> None:
        self.pdf.setFont(font, size)
        self.pdf.drawCentredString(self.page_width / 2, self.y - size, text)
        self.y -= leading

    # pages -----------------------------------------------------------------------------------

    def close_grid(self) -> None:
        if self.grid_top is not None:
            for x in self.edges:
                self.pdf.line(x, self.grid_top, x, self.y)
            self.grid_top = None

    def new_page(self) -> None:
        self.close_grid()
        self.pdf.showPage()
        self.y = self.page_height - self.margin

    # tables ----------------------------------------------------------------------------------

    def table(self, section: Section) -> None:
        usable = self.page_width - 2 * self.margin
        scale = usable / (sum(column.width_mm for column in section.columns) * mm)
        widths = [column.width_mm * mm * scale for column in section.columns]
        self.edges = [self.margin + sum(widths[:index]) for index in range(len(widths) + 1)]
        header = [self.wrap(column.label, self.bold, width - 2 * PADDING)
                  for column, width in zip(section.columns, widths, strict=True)]
        header_height = max(len(lines) for lines in header) * LEADING + 2 * PADDING
        heading_height = 2 * LEADING if section.heading else 0
        if self.y - heading_height - header_height - LEADING - 2 * PADDING < self.bottom:
            self.new_page()
        if section.heading:
            self.y -= LEADING
            self.pdf.setFont(self.bold, FONT_SIZE + 1)
            self.pdf.drawString(self.margin, self.y - FONT_SIZE, section.heading)
            self.y -= LEADING
        self.header(section, header, header_height)
        for row in section.rows:
            cells = [self.wrap(_text(value), self.regular, width - 2 * PADDING)
                     for value, width in zip(row, widths, strict=True)]
            height = max(1, *(len(lines) for lines in cells)) * LEADING + 2 * PADDING
            if self.y - height < self.bottom:
                self.new_page()
                self.header(section, header, header_height)
            self.row(section, cells, height, self.regular)
        self.close_grid()

    def header(self, section: Section, header: list[list[str]], height: float) -> None:
        self.pdf.setFillGray(0.87)
        self.pdf.rect(self.margin, self.y - height, self.edges[-1] - self.margin, height, stroke=0, fill=1)
        self.pdf.setFillGray(0)
        self.grid_top = self.y
        self.pdf.line(self.margin, self.y, self.edges[-1], self.y)
        self.row(section, header, height, self.bold, centre=True)

    def row(self, section: Section, cells: list[list[str]], height: float, font: str, *, centre=False) -> None:
        """One text object for the whole row: a text object per line costs twice as much."""
        text = self.pdf.beginText()
        text.setFont(font, FONT_SIZE, LEADING)
        for index, lines in enumerate(cells):
            left, right = self.edges[index], self.edges[index + 1]
            middle = centre or section.columns[index].kind != "text"
            baseline = self.y - PADDING - FONT_SIZE * 0.9
            if not middle and lines:
                text.setTextOrigin(left + PADDING, baseline)
            for line in lines:  # textLine moves down by the leading, and unlike textOut measures nothing
                if middle:
                    text.setTextOrigin((left + right - self.width(line, font)) / 2, baseline)
                    baseline -= LEADING
                text.textLine(line)
        self.pdf.drawText(text)
        self.y -= height
        self.pdf.line(self.margin, self.y, self.edges[-1], self.y)


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    return str(value)


def to_pdf(report: Report) -> bytes:
    """The report on A4 landscape in the serif font (every Vietnamese letter), the header row on
    every page, "page n of N" at the foot."""
    family = fonts.register_reportlab_fonts()
    bold = f"{family}-Bold"
    out = io.BytesIO()
    pdf = _NumberedCanvas(out, pagesize=landscape(A4), pageCompression=1, footer_font=family, footer=lambda page, pages:
                          _("Page %(page)s of %(pages)s") % {"page": page, "pages": pages})
    pdf.setTitle(f"{report.title} — {report.register}")
    pdf.setAuthor(report.organ)
    pdf.setCreator("quytrinh")
    drawer = _Drawer(pdf, family, bold)
    drawer.centred(report.organ, bold, 11, 15)
    drawer.centred(report.title, bold, 14, 19)
    drawer.centred(report.register, family, 11, 14)
    drawer.centred(report.period(), f"{family}-Italic", 11, 20)
    for section in report.sections:
        drawer.table(section)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
