"""The format checker's list (Decree 30 Art. 12, HD 36 §1.3 and §1.7; BRIEF §2.3, §2.5): what in a
draft's number line and signature block does not follow its system's rules. It finds and explains;
the checker decides, so nothing here refuses anything.

- Number and notation: the Party writes ``Số 06-KH/ĐU`` (no colon; type, slash, issuer), the State
  ``Số: 15/QĐ-UBND`` (colon; slash, type, hyphen, issuer; a công văn ``Số: 12/UBND-VX``, issuer then
  unit), numbers below 10 with a leading zero. The type must be the document's stored type (never
  guessed from the notation) and the issuer the body's abbreviation. Before numbering the number is
  left blank (``Số …-KH/ĐU``).
- Signature block: the Party's authority words take slashes (T/M, K/T, T/L, T/UQ), the State's dots
  (TM., KT., TL., TUQ., Q.). A Party committee or cell signs on behalf of the collective (T/M), not
in a deputy's or its own name (a chief of office may still sign T/L, by order). K/T,
  T/L and T/UQ need a written delegation of that kind in force for the signer on the day
  (``directory.models.Delegation``); the last line names the signer's own position.
"""

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _

from directory.models import Body, Delegation, Holding
from directory.people import display_name

from .models import DocumentType

#: A number not issued yet: blank, dots or an ellipsis.
_BLANK = r"(?:\d+|…|\.+|_+|)"
_PARTY_NUMBER = re.compile(rf"^Số\s*(?P<n>{_BLANK})\s*-\s*(?P<type>[^\s/-]+)\s*/\s*(?P<issuer>\S+)$")
_STATE_NUMBER = re.compile(rf"^Số\s*:\s*(?P<n>{_BLANK})\s*/\s*(?P<type>[^\s/-]+)\s*-\s*(?P<issuer>\S+)$")
#: Authority words, each as the Party and the State write it.
AUTHORITY = {"tm": ("T/M", "TM."), "kt": ("K/T", "KT."), "tl": ("T/L", "TL."), "tuq": ("T/UQ", "TUQ."),
             "q": (None, "Q.")}
_DELEGATED = {"kt": Delegation.Kind.KY_THAY, "tl": Delegation.Kind.THUA_LENH, "tuq": Delegation.Kind.THUA_UY_QUYEN}


@dataclass(frozen=True)
class Finding:
    """One thing the checker should look at: a stable code, the field, why, and what it would read."""

    code: str
    field: str
    message: str
    expected: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def is_party(body: Body) -> bool:
    return body.kind in (Body.Kind.PARTY, Body.Kind.CELL)


def is_collective(body: Body) -> bool:
    """A Party committee or a cell (not one of the committee's offices or boards) decides as a
    collective, so its documents are signed T/M (HD 36 §1.7.1)."""
    if body.kind == Body.Kind.CELL:
        return True
    return body.kind == Body.Kind.PARTY and (body.parent is None or body.parent.kind != Body.Kind.PARTY)


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def expected_number(*, number: str, document_type: DocumentType, body: Body, unit: str = "") -> str:
    """The number line as the body's system writes it (``…`` when not numbered yet)."""
    number = number or "…"
    if is_party(body):
        return f"Số {number}-{document_type.abbreviation}/{body.abbreviation}"
    if document_type.code == "cong_van":
        return f"Số: {number}/{body.abbreviation}-{unit or '…'}"
    return f"Số: {number}/{document_type.abbreviation}-{body.abbreviation}"


def check_number(text: str, *, document_type: DocumentType, body: Body) -> list[Finding]:
    text = _normal(text)
    party, state = _PARTY_NUMBER.match(text), _STATE_NUMBER.match(text)
    match = party if is_party(body) else state
    other = state if is_party(body) else party
    if match is None:
        number = (other.group("n") if other else "") or ""
        unit = other.group("issuer") if other and not is_party(body) else ""
        expected = expected_number(number=number, document_type=document_type, body=body, unit=unit)
        if other is not None:
            message = (_("A Party document writes its number as “Số 06-KH/ĐU” (no colon; the type, a slash, the "
                         "issuer), not in the State style “%(text)s”.") if is_party(body) else
                       _("A State document writes its number as “Số: 15/QĐ-UBND” (a colon; a slash, the type, a "
                         "hyphen, the issuer), not in the Party style “%(text)s”."))
            return [Finding("wrong_style", "number", message % {"text": text}, expected)]
        return [Finding("unreadable", "number",
                        _("“%(text)s” cannot be read as a number and notation: write it as “%(expected)s”.")
                        % {"text": text, "expected": expected}, expected)]
    findings = []
    number, kind, issuer = match.group("n"), match.group("type"), match.group("issuer")
    if not is_party(body) and document_type.code == "cong_van":
        named, unit = kind, issuer  # Số: 12/UBND-VX: the issuer, then the drafting unit
        if named != body.abbreviation:
            unit = named if unit == body.abbreviation else unit  # written the other way round
            findings.append(Finding("wrong_issuer", "number", _(
                "A công văn names its issuer first: “%(found)s” should be “%(issuer)s”.")
                % {"found": named, "issuer": body.abbreviation},
                expected_number(number=number, document_type=document_type, body=body, unit=unit)))
        return findings + _leading_zero(number, body)
    if kind != document_type.abbreviation:
        findings.append(Finding("wrong_type", "number", _(
            "The notation says “%(found)s” but the document is a %(type)s, written “%(abbreviation)s”.")
            % {"found": kind, "type": document_type.name, "abbreviation": document_type.abbreviation},
            expected_number(number=number, document_type=document_type, body=body)))
    if body.abbreviation and issuer != body.abbreviation:
        findings.append(Finding("wrong_issuer", "number", _(
            "The notation names the issuer “%(found)s”; %(body)s is written “%(issuer)s”.")
            % {"found": issuer, "body": body.name, "issuer": body.abbreviation},
            expected_number(number=number, document_type=document_type, body=body)))
    return findings + _leading_zero(number, body)


def _leading_zero(number: str, body: Body) -> list[Finding]:
    if is_party(body) or not number.isdigit() or len(number) > 1:
        return []
    return [Finding("leading_zero", "number", _("A number below 10 is written with a leading zero: %(number)s.")
                    % {"number": f"0{number}"})]


def _lines(block: str) -> list[str]:
    """Lines of a signature block, written one under another or on one line as “T/M … / CHỨC VỤ”."""
    lines = [_normal(line) for line in block.splitlines() if line.strip()]
    if len(lines) == 1:
        lines = [_normal(part) for part in re.split(r"\s+/\s+", lines[0]) if part.strip()]
    return lines


def _authority(line: str) -> tuple[str | None, str | None]:
    """(authority code, how it was written) of a signature block's first line, or (None, None)."""
    upper = line.upper()
    for code, forms in AUTHORITY.items():
        for written in forms:
            if written and (upper == written or upper.startswith(written + " ")):
                return code, written
    return None, None


def _titles(user, body: Body, day: date) -> list[str]:
    holdings = Holding.objects.in_force(day).filter(user=user).select_related("position__body")
    return [h.position.title for h in holdings if h.position.body_id == body.pk or h.position.body.parent_id == body.pk]


def check_signature_block(block: str, *, signer, body: Body, day: date) -> list[Finding]:
    lines = _lines(block)
    if not lines:
        return [Finding("missing", "signature_block", _("The signature block is empty."))]
    code, written = _authority(lines[0])
    findings = []
    if written is not None:
        party_form, state_form = AUTHORITY[code]  # type: ignore[index]
        if is_party(body) and party_form and written != party_form:
            findings.append(Finding("wrong_style", "signature_block", _(
                "Party documents write the authority with slashes (T/M, K/T, T/L, T/UQ): “%(found)s” should be "
                "“%(expected)s”.") % {"found": written, "expected": party_form}, party_form))
        elif not is_party(body) and written != state_form:
            findings.append(Finding("wrong_style", "signature_block", _(
                "State documents write the authority with dots (TM., KT., TL., TUQ., Q.): “%(found)s” should be "
                "“%(expected)s”.") % {"found": written, "expected": state_form}, state_form))
    if is_collective(body) and code in (None, "kt"):  # by order (T/L) or authorisation (T/UQ) stays possible
        findings.append(Finding("collective", "signature_block", _(
            "%(body)s decides as a collective: its documents are signed on its behalf (T/M).") % {"body": body.name},
            "T/M"))
    if code in _DELEGATED:
        held = Delegation.objects.effective(day).filter(
            Q(position__body=body) | Q(position__body__parent=body), delegate=signer, kind=_DELEGATED[code])
        if not held.exists():
            findings.append(Finding("no_delegation", "signature_block", _(
                "%(signer)s holds no written delegation (%(authority)s) of %(body)s in force on %(day)s.")
                % {"signer": display_name(signer), "authority": written, "body": body.name,
                   "day": day.strftime("%d/%m/%Y")}))
    if len(lines) >= 2:
        titles = _titles(signer, body, day)
        position = lines[-1].casefold()
        if not any(title.casefold().startswith(position) for title in titles):
            findings.append(Finding("wrong_position", "signature_block", _(
                "The last line names the position “%(found)s”, which %(signer)s does not hold in %(body)s on "
                "%(day)s (%(held)s).") % {"found": lines[-1], "signer": display_name(signer),
                                          "body": body.name, "day": day.strftime("%d/%m/%Y"),
                                          "held": ", ".join(titles) or "—"}))
    return findings
