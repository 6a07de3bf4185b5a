"""Who may see a document, open its content, see its subject, and grant access: every way a
document leaves the system (detail, files, lists, search, counts, reports, exports, notifications)
asks here. Built on ``engine.access`` (roles, participation, administrators).

- A document is *visible* (its metadata) to the clerks (``van_thu``) and supervisors of its body,
  to the people taking or who took part in a process handling it, to whoever holds a live grant
  on it, and to process administrators.
- Its *content* (files, process data) is open to everyone it is visible to, except the process
  administrators (metadata only, as for process data) — unless it is confidential (Mật and above):
  then only to people the competent person granted it to, and to the competent person (the
  holders of ``GRANTING_ROLES`` in its body, the Bí thư by default). Deny by default: the clerk
  who registered it sees its metadata only.
- A Tuyệt mật document's *subject* is shown only to whoever may open its content with a grant that
  shows the subject, and to the competent person; everyone else sees it as hidden.
- Nothing confidential is forwarded to the handbook, e-mail or an export (``may_forward``).
- A notice about a document (a reminder, an escalation) names it by its number only to people who
  may see it, and never carries a confidential document's subject: the text is stored and outlives
  a revoked grant (``notice_label``).
- A register's report (its book, the follow-up report) lists an open register's documents without
  any confidential one, for whoever keeps, supervises or answers for its body's office; a secret
  register's report only for its clerks and its competent person (``may_report``,
  ``reported_documents``), with a Tuyệt mật subject hidden as everywhere else.
- Every opening of confidential content is an event on the document's audit stream (``note_open``).
- A recalled copy (an incoming document whose sender recalled it, THU HỒI) is destroyed for the
  people of its body: its body's office still sees its metadata (the register keeps its entry),
  nobody else sees it, nobody opens its content or its process data (``recalled_copy``). The
  sender's own recalled document stays as it was, read-only. Only the office of the issuing body
  recalls (``may_recall``).
"""

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.utils.translation import gettext as _

from engine import access, audit, conf, participation
from engine.models import ProcessInstanceUserObjectPermission, Task

from . import search
from .models import (
    ConfidentialGrant,
    Confidentiality,
    Direction,
    Document,
    DocumentProcess,
    HandlingStatus,
    Register,
    full_number,
)

CLERK_ROLE = "van_thu"
HIDDEN_SUBJECT = "***"


def _setting(name: str, default):
    return getattr(settings, "DOCUMENTS", {}).get(name, default)


def granting_roles() -> set[str]:
    """Roles whose holders in a body are its competent person for confidential documents."""
    return set(_setting("GRANTING_ROLES", ["bi_thu", "chu_tich"]))


def _bodies_with(user, roles: set[str]) -> set[str]:
    return {body for role, body in access.role_pairs(user) if role in roles}


def office_bodies(user) -> set[str]:
    """Bodies whose register the user keeps, supervises or answers for."""
    return _bodies_with(user, {CLERK_ROLE, *conf.get("SUPERVISOR_ROLES")} | granting_roles())


def visible_registers(user) -> QuerySet:
    """The registers a person may pick: those of the bodies whose office they keep, supervise or
    answer for (all for process administrators)."""
    registers = Register.objects.select_related("body").order_by("body__code", "direction", "secret")
    if access.is_process_admin(user):
        return registers
    bodies = office_bodies(user)
    return registers if access.ANY_BODY in bodies else registers.filter(body__code__in=bodies)


def _in_bodies(bodies: set[str]) -> Q:
    if access.ANY_BODY in bodies:
        return ~Q(pk__in=[])
    return Q(body__in=bodies) if bodies else Q(pk__in=[])


def _live_grant(user) -> Exists:
    return Exists(ConfidentialGrant.objects.filter(document_id=OuterRef("pk"), user_id=user.pk,
                                                   revoked_at__isnull=True))


def visible_documents(user) -> QuerySet:
    """Documents whose metadata ``user`` may see."""
    if access.is_process_admin(user):
        return Document.objects.all()
    handled = DocumentProcess.objects.filter(document_id=OuterRef("pk"),
                                             instance__in=access.participating(user).values("pk"))
    reached = (Exists(handled) | _live_grant(user)) & ~recalled_copy()
    return Document.objects.filter(_in_bodies(office_bodies(user)) | reached)


def is_competent(user, document: Document) -> bool:
    """The competent person of the document's body (who grants access to its confidential content)."""
    return any(access.holds(user, role, document.body) for role in granting_roles())


def live_grants(user, documents) -> dict:
    """``user``'s live grants among ``documents``, read at once for a page of them: document id →
    whether the grant shows the subject. Pass it as ``grants`` to the checks below."""
    confidential = [document.pk for document in documents if document.confidential]
    if not confidential:
        return {}
    return dict(ConfidentialGrant.objects.filter(document_id__in=confidential, user_id=user.pk,
                                                 revoked_at__isnull=True).values_list("document_id", "subject"))


def _granted(user, document: Document, *, subject: bool = False, grants: dict | None = None):
    if grants is not None:  # at most one live grant per person and document (grant_one_live_per_person)
        return document.pk in grants and (grants[document.pk] or not subject)
    found = ConfidentialGrant.objects.filter(document=document, user_id=user.pk, revoked_at__isnull=True)
    return found.filter(subject=True).exists() if subject else found.exists()


def may_read_content(user, document: Document, *, grants: dict | None = None) -> bool:
    """Whether ``user`` may open the files and the process data of a document they can see
    (``grants``: ``live_grants`` of a page of documents this one is among)."""
    if is_recalled_copy(document):
        return False
    if document.confidential:
        return is_competent(user, document) or _granted(user, document, grants=grants)
    if access.is_process_admin(user):  # administrators see metadata, unless they also work on it
        return document.body in office_bodies(user) or access.ANY_BODY in office_bodies(user) or (
            DocumentProcess.objects.filter(document=document, instance__in=access.participating(user).values("pk"))
            .exists())
    return True


def shows_subject(user, document: Document, *, grants: dict | None = None) -> bool:
    if document.confidentiality != Confidentiality.TUYET_MAT:
        return True
    return is_competent(user, document) or _granted(user, document, subject=True, grants=grants)


def subject_for(user, document: Document, *, grants: dict | None = None) -> str:
    return document.subject if shows_subject(user, document, grants=grants) else HIDDEN_SUBJECT


def listed_subject(document: Document) -> str:
    """The subject a process handling the document shows in worklists, task and instance lists: one
    text for everyone who sees the process, so a Tuyệt mật subject is hidden there for all."""
    return HIDDEN_SUBJECT if document.confidentiality == Confidentiality.TUYET_MAT else document.subject


def searchable_documents(user) -> QuerySet:
    """What a search may match on the subject: documents whose subject the user may see, that is
    ``visible_documents(user)`` narrowed to the subjects shown.

    On PostgreSQL, for someone who sees only their office bodies' documents — nothing reached
    through a process or a grant outside them (``_reached_elsewhere``, looked up first) — the
    same set is asked for as those bodies, which the search index answers by itself together with
    the words (``search.within``: it holds each document's body). Asked as ``visible_documents``,
    a broad search read every body's matches and tested each (a clerk's "Tỉnh ủy Nghệ An": 16,316
    documents read to keep 5,049). Everyone else (reached elsewhere, no office, an administrator,
    SQLite) gets the plain definition. A participation or grant that appears between the look-up
    and the search shows from the next search on, as if read a moment earlier.
    ``tests/documents/test_search_scope.py`` holds both forms equal."""
    competent = _bodies_with(user, granting_roles())
    shown = (~Q(confidentiality=Confidentiality.TUYET_MAT) | _in_bodies(competent)
             | Exists(ConfidentialGrant.objects.filter(document_id=OuterRef("pk"), user_id=user.pk, subject=True,
                                                       revoked_at__isnull=True)))
    if connection.vendor == "postgresql" and not access.is_process_admin(user):
        bodies = office_bodies(user)
        if bodies and access.ANY_BODY not in bodies and not _is_reached_elsewhere(user, bodies):
            return Document.objects.filter(search.within(bodies), shown)
    return visible_documents(user).filter(shown)


def _is_reached_elsewhere(user, bodies: set[str]) -> bool:
    """Whether ``_reached_elsewhere`` has any row (asked anew each search: a fraction of a millisecond)."""
    sql, params = _reached_elsewhere_sql(user, bodies)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM ({sql}) AS reached LIMIT 1", params)
        return cursor.fetchone() is not None


#: ``_reached_elsewhere``'s SQL by person, roles held today and bodies: building and compiling the
#: queryset took 3.7 ms of a search (``docs/BENCHMARKS.md``, 2026-12-07).
_COMPILED: dict[tuple, tuple[str, tuple]] = {}
_COMPILED_MAX = 1024


def _reached_elsewhere_sql(user, bodies: set[str]) -> tuple[str, tuple]:
    """The query depends on nothing but these (``engine.access.participating``: the user's id and
    role pairs), so its SQL is kept for the next search of the same person with the same roles."""
    key = (connection.alias, connection.vendor, user.pk, access.role_pairs(user), frozenset(bodies))
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        compiled = _COMPILED[key] = _reached_elsewhere(user, bodies).query.sql_with_params()
    return compiled


def _reached_elsewhere(user, bodies: set[str]) -> QuerySet:
    """A row for each way ``user`` may see documents outside ``bodies`` (not empty), besides those
    bodies' own: ``visible_documents``' other ways in, each asked from its own small source.

    - Work done in a process of another body (started it, completed a task of it): from the bodies
      they have worked in (``engine.participation``), whether or not the process handles a
      document. A clerk has completed thousands of tasks, all in her own body: read from her
      history, it cost a search 5–10 ms; from this, a row or two.
    - Work they take part in now, in a process of another body that handles a document: a task
      assigned to them (its instance grant) or offered to one of their roles.
    - A process of ``bodies`` they take or took part in, linked to another body's document
      (``DocumentProcess.across_bodies``: rare, so read first and checked one by one).
    - A live grant on another body's document.

    The bodies they supervise are among ``bodies`` (``office_bodies``), so supervision adds nothing.
    The first way may say "maybe" where the plain rules would find nothing; the search is then
    the plain one, which is right whatever the answer."""
    elsewhere = ~Q(instance__body__in=bodies)
    granted = ProcessInstanceUserObjectPermission.objects.filter(user_id=user.pk).values("content_object_id")
    offered = Task.objects.filter(access.offered(user)).values("instance_id")
    outside = ~Q(document__body__in=bodies)
    ways = [participation.outside(user, bodies),
            DocumentProcess.objects.filter(elsewhere, instance_id__in=granted),
            DocumentProcess.objects.filter(elsewhere, instance_id__in=offered),
            DocumentProcess.objects.filter(outside, across_bodies=True,
                                           instance__in=access.participating(user).values("pk")),
            ConfidentialGrant.objects.filter(outside, user_id=user.pk, revoked_at__isnull=True)]
    first, *others = [way.annotate(way=Value(n)).values("way") for n, way in enumerate(ways)]
    return first.union(*others, all=True)


def may_grant(user, document: Document) -> bool:
    return document.confidential and is_competent(user, document)


def may_forward(document: Document) -> bool:
    """Whether the document may leave for the handbook, e-mail or an export: never when confidential."""
    return not document.confidential


def notice_label(user, document: Document) -> str:
    """How a notice to ``user`` names ``document``: nothing for someone who may not see it; else its
    number and arrival number, then its subject — or, when confidential, only its level: a notice's
    text is stored as it was sent, so it must not depend on a grant that may be revoked later."""
    if not visible_documents(user).filter(pk=document.pk).exists():
        return ""
    parts = [full_number(document.code_number, document.code_notation)]
    if document.arrival_number:
        parts.append(_("arrival no. %(number)s") % {"number": document.arrival_number})
    parts.append(str(document.get_confidentiality_display()) if document.confidential else document.subject)
    return " · ".join(part for part in parts if part)


def may_report(user, register: Register) -> bool:
    """A secret register's report puts every secret document of a body side by side, so it is
    only for the people who keep that register (its clerks) and answer for it (the competent
    person); an open register's is for its body's office and for process administrators."""
    body = register.body.code
    if register.secret:
        return any(access.holds(user, role, body) for role in {CLERK_ROLE} | granting_roles())
    bodies = office_bodies(user)
    return access.is_process_admin(user) or body in bodies or access.ANY_BODY in bodies


def reported_documents(user, register: Register) -> QuerySet:
    """The documents a report of ``register`` may list for ``user``: none unless ``may_report``;
    never a confidential one in an open register's report, even one filed there by mistake."""
    if not may_report(user, register):
        return Document.objects.none()
    documents = Document.objects.filter(register=register, body=register.body.code)
    return documents if register.secret else documents.filter(confidentiality=Confidentiality.NONE)


def note_open(user, document: Document, *, what: str) -> None:
    """Put every opening of confidential content on the document's audit stream."""
    if document.confidential:
        audit.append(f"document:{document.pk}", [audit.Entry("confidential_opened", actor=user, after={
            "what": what, "confidentiality": document.confidentiality})])


@access.guard_data
def may_see_process_data(user, instance) -> bool:
    """The process data of a confidential document's process carries its content: only for those
    who may open the document."""
    documents = Document.objects.filter(processes__instance=instance).filter(
        ~Q(confidentiality=Confidentiality.NONE) | recalled_copy())
    return all(may_read_content(user, document) for document in documents)


def refusal_message(document: Document | None = None) -> str:
    if document is not None and is_recalled_copy(document):
        return _("The sender recalled this document (THU HỒI): its content is no longer available here.")
    return _("You have no access to the content of this confidential document.")


# --- Recall (thu hồi, S08) ----------------------------------------------------------------------------


def recalled_copy() -> Q:
    """Documents that are recalled copies: incoming, their sender recalled them."""
    return Q(direction=Direction.INCOMING, status=HandlingStatus.RECALLED)


def is_recalled_copy(document: Document) -> bool:
    return document.direction == Direction.INCOMING and document.status == HandlingStatus.RECALLED


def may_recall(user, document: Document) -> bool:
    """The office of the document's body (its clerks, chief of office, leaders, competent person)
    recalls what the body issued; which documents can be recalled is ``outgoing.recall``'s to say."""
    bodies = office_bodies(user)
    return document.body in bodies or access.ANY_BODY in bodies
