"""The search's scope (``documents.access.searchable_documents``): on PostgreSQL, for someone who
sees nothing outside their office bodies, it asks the full-text index (which holds each document's
body) for those bodies; anyone else gets the plain definition. Whatever the form, it must find exactly
what the plain rules give — the documents ``visible_documents`` lets the person see whose subject
``shows_subject`` shows them — for every kind of person and every way a document reaches them."""

import uuid

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import F
from django.utils import timezone

from directory.models import Body
from documents import access, grants, records, search
from documents.models import ConfidentialGrant, Direction, Document, DocumentProcess, HandlingStatus
from engine import grants as task_grants
from engine import participation
from engine.models import ProcessDefinition, ProcessInstance, Task

from ..directory.helpers import fresh, hold, person, post

BODIES = ["dang_uy_xa", "ubnd_xa", "chi_bo_01", "ban_xay_dung_dang", "van_phong_dang_uy", "uy_ban_kiem_tra"]
LEVELS = ["", "mat", "toi_mat", "tuyet_mat"]
SUBJECTS = ["Kế hoạch phòng, chống thiên tai", "Báo cáo kết quả kiểm tra", "Kế hoạch và báo cáo sơ kết"]
WORDS = [None, "ke hoach", "Báo cáo", "bao cao so ket", "khong co"]
PEOPLE = ["vanthu", "bithu", "phobithu", "chanhvp", "chuyenvienvp", "truongbanxdd", "chuyenvien", "chuyenvien2",
          "chunhiemubkt", "chutich", "vanthuubnd", "tuphap", "kinhte", "bithuchibo1", "motcua1", "admin"]


def document(body: str, subject: str, level: str = "", direction: str = Direction.INCOMING) -> Document:
    return records.save(Document(direction=direction, body=body, subject=subject, code_number="12",
                                 code_notation="KH/VP", organ_name="Huyện ủy Nghi Lộc", confidentiality=level))


class Work:
    """Process instances and their task rows, written as the engine leaves them (with the bodies
    each person worked in: ``engine.participation``)."""

    def __init__(self):
        self.definition = ProcessDefinition.objects.order_by("pk").first()
        self.users = {user.username: user for user in User.objects.all()}

    def instance(self, body: str, *documents: Document, started_by: str | None = None) -> ProcessInstance:
        made = ProcessInstance.objects.create(definition=self.definition, state=b"", body=body,
                                              started_by=self.users.get(started_by or ""))
        if started_by:
            participation.record({(made.started_by_id, body)})
        for handled in documents:
            records.handled_by(handled, made)
        return made

    def task(self, instance: ProcessInstance, *, group: str = "", body: str = "", completed_by: str = "",
             assignee: str = "") -> Task:
        done = bool(completed_by)
        made = Task.objects.create(
            id=uuid.uuid4(), instance=instance, bpmn_id="xu_ly", candidate_group=group, body=body or instance.body,
            status="completed" if done else "open", created_at=timezone.now(),
            completed_by=self.users.get(completed_by), completed_at=timezone.now() if done else None)
        if done:
            participation.record({(made.completed_by_id, instance.body)})
        if assignee:
            Task.objects.filter(pk=made.pk).update(assignee=self.users[assignee])
            task_grants.grant(made, self.users[assignee].pk)
        return made


@pytest.fixture
def world(office):
    """Documents of six bodies at every level, both directions, some recalled copies; processes of
    several bodies handling documents of their own and of other bodies (both ways across), reached by
    starting, completing, being offered or assigned a task, and by supervising; live, revoked and
    subject-showing grants."""
    made: dict[tuple, Document] = {}
    for b, body in enumerate(BODIES):
        for n, level in enumerate(LEVELS):
            for direction in (Direction.INCOMING, Direction.OUTGOING):
                made[(body, level, direction)] = document(body, SUBJECTS[(b + n) % 3], level, direction)
    for body in ("dang_uy_xa", "ubnd_xa", "chi_bo_01"):  # a copy its sender recalled
        recalled = document(body, SUBJECTS[0])
        Document.objects.filter(pk=recalled.pk).update(status=HandlingStatus.RECALLED)
        made[(body, "recalled")] = recalled

    work = Work()
    # a clerk registers her body's documents (thousands of such in a real office)
    work.task(work.instance("dang_uy_xa", made[("dang_uy_xa", "", "incoming")], started_by="vanthu"),
              completed_by="vanthu")
    # ... and one of her body's processes handles another body's document
    work.instance("dang_uy_xa", made[("ubnd_xa", "mat", "incoming")], started_by="vanthu")
    # a specialist completed a task of the People's Committee's process
    work.task(work.instance("ubnd_xa", made[("ubnd_xa", "", "outgoing")]), completed_by="chuyenvien")
    # the People's Committee's process handles a Party committee document: offered to its specialists
    work.task(work.instance("ubnd_xa", made[("dang_uy_xa", "toi_mat", "incoming")]), group="chuyen_vien")
    # a cell's process, assigned to the head of a Party board, handling the cell's document and a recalled copy
    work.task(work.instance("chi_bo_01", made[("chi_bo_01", "", "incoming")], made[("chi_bo_01", "recalled")]),
              assignee="truongbanxdd")
    # a process without a body, started by a specialist of the People's Committee
    work.instance("", made[("ban_xay_dung_dang", "", "outgoing")], started_by="kinhte")
    # the Party committee's process (its leaders supervise it) handling the inspection committee's document
    work.instance("dang_uy_xa", made[("uy_ban_kiem_tra", "", "incoming")], made[("uy_ban_kiem_tra", "tuyet_mat",
                                                                                 "incoming")])
    # the Party board's process (its head supervises it) handling the Party committee's Tuyệt mật document
    work.instance("ban_xay_dung_dang", made[("dang_uy_xa", "tuyet_mat", "incoming")])
    # the chief of office (two office bodies) completed a task of another body's process
    work.task(work.instance("van_phong_dang_uy", made[("chi_bo_01", "mat", "outgoing")]), completed_by="chanhvp",
              body="chi_bo_01")
    # a task of one body offered in another (a co-operating unit), done by nobody yet
    work.task(work.instance("ubnd_xa", made[("ubnd_xa", "toi_mat", "outgoing")]), group="lanh_dao",
              body="uy_ban_kiem_tra")

    bithu, chutich = User.objects.get(username="bithu"), User.objects.get(username="chutich")
    grants.grant(made[("dang_uy_xa", "tuyet_mat", "outgoing")], username="tuphap", subject=True, actor=bithu)
    grants.grant(made[("dang_uy_xa", "mat", "outgoing")], username="chuyenvien", subject=False, actor=bithu)
    grants.grant(made[("dang_uy_xa", "toi_mat", "outgoing")], username="vanthu", subject=True, actor=bithu)
    grants.grant(made[("ubnd_xa", "tuyet_mat", "incoming")], username="chuyenvien2", subject=False, actor=chutich)
    grants.grant(made[("ubnd_xa", "mat", "outgoing")], username="vanthuubnd", subject=True, actor=chutich)
    revoked = grants.grant(made[("ubnd_xa", "toi_mat", "incoming")], username="vanthu", subject=True, actor=chutich)
    ConfidentialGrant.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    return made


def by_the_rules(user, words: str | None) -> set:
    """What the rules, read one document at a time, let ``user`` find with ``words``."""
    allowed = [d.pk for d in access.visible_documents(fresh(user)) if access.shows_subject(fresh(user), d)]
    found = Document.objects.filter(pk__in=allowed)
    return set((search.matching(found, words) if words else found).values_list("pk", flat=True))


@pytest.mark.parametrize("username", PEOPLE)
def test_a_search_finds_what_the_rules_allow_for_every_person(world, username):
    user = User.objects.get(username=username)
    for words in WORDS:
        scope = access.searchable_documents(fresh(user))
        found = set((search.matching(scope, words) if words else scope).values_list("pk", flat=True))
        assert found == by_the_rules(user, words), (username, words)


def test_the_world_reaches_people_every_way(world):
    """The data set is varied enough: each way in brings someone a document outside their office,
    a recalled copy and a revoked grant bring nothing, and the links across bodies are marked."""
    reaches = {
        "vanthu": [("ubnd_xa", "mat", "incoming")],  # her body's process handles another body's document
        "chuyenvien": [("ubnd_xa", "", "outgoing"), ("dang_uy_xa", "mat", "outgoing")],  # a task done, a grant
        "tuphap": [("dang_uy_xa", "toi_mat", "incoming"), ("dang_uy_xa", "tuyet_mat", "outgoing")],  # offered, grant
        "kinhte": [("ban_xay_dung_dang", "", "outgoing")],  # started a process without a body
        "truongbanxdd": [("chi_bo_01", "", "incoming")],  # assigned
        "bithu": [("uy_ban_kiem_tra", "", "incoming")],  # supervises her body's process handling it
        "chanhvp": [("chi_bo_01", "mat", "outgoing")],  # two office bodies, and a task done elsewhere
    }
    for username, keys in reaches.items():
        found = by_the_rules(User.objects.get(username=username), None)
        assert all(world[key].pk in found for key in keys), username
    assert world[("chi_bo_01", "recalled")].pk not in by_the_rules(User.objects.get(username="truongbanxdd"), None)
    assert world[("ubnd_xa", "toi_mat", "incoming")].pk not in by_the_rules(User.objects.get(username="vanthu"), None)
    assert by_the_rules(User.objects.get(username="motcua1"), None) == set()
    across = DocumentProcess.objects.filter(across_bodies=True)
    assert across.count() == DocumentProcess.objects.exclude(document__body=F("instance__body")).count() == 7


@pytest.mark.postgres
def test_a_search_within_ones_own_bodies_is_answered_by_the_index(world):
    """A clerk of two bodies, reached by nothing outside them: her bodies and the words go to the
    index together, in one scan, and no row's words are computed again (the tables here are tiny:
    with sequential scans off for this transaction, the plan shows what the query allows)."""
    clerk = person("vanthuhai")
    for code in ("ubnd_xa", "chi_bo_01"):
        body = Body.objects.get(code=code)
        hold(clerk, post(body, "Văn thư", ("van_thu", body)))
    scope = search.matching(access.searchable_documents(clerk), "ke hoach")
    assert "documentprocess" not in str(scope.query)
    assert set(scope.values_list("pk", flat=True)) == by_the_rules(clerk, "ke hoach") != set()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = scope.explain()
    assert "Bitmap Index Scan on document_search_body" in plan, plan
    [condition] = [line for line in plan.splitlines() if "Index Cond" in line and "#" in line]
    assert "''#chi_bo_01'' | ''#ubnd_xa''" in condition and "''ke'' & ''hoach''" in condition, plan
    assert not any("Filter" in line and "to_tsvector" in line for line in plan.splitlines()), plan


@pytest.mark.postgres
def test_a_link_across_bodies_keeps_its_document_in_reach(world):
    """The clerk's own body's process handles the People's Committee's document: the link is marked,
    the look-up finds it and her search takes the plain way; without the link, her bodies' way."""
    user = User.objects.get(username="vanthu")
    reached = world[("ubnd_xa", "mat", "incoming")]
    link = DocumentProcess.objects.get(document=reached)
    assert link.across_bodies
    scope = access.searchable_documents(fresh(user))
    assert "documentprocess" in str(scope.query) and reached.pk in set(scope.values_list("pk", flat=True))
    link.delete()
    scope = access.searchable_documents(fresh(user))
    assert "documentprocess" not in str(scope.query)
    assert set(scope.values_list("pk", flat=True)) == by_the_rules(user, None)


@pytest.mark.postgres
def test_the_look_up_keeps_its_sql_not_its_answer(world):
    """The look-up's SQL is kept per person, roles and bodies (``_reached_elsewhere_sql``); what it
    finds is asked again at every search: a task she completes in another body's process brings its
    document into her next search at once, and a role in one more body makes a new look-up."""
    clerk = person("vanthuhai")
    body = Body.objects.get(code="chi_bo_01")
    hold(clerk, post(body, "Văn thư", ("van_thu", body)))
    elsewhere = document("ubnd_xa", "Kế hoạch bảo vệ môi trường")
    work = Work()
    instance = work.instance("ubnd_xa", elsewhere)
    assert elsewhere.pk not in set(search.matching(access.searchable_documents(fresh(clerk)), "moi truong")
                                   .values_list("pk", flat=True))
    compiled = len(access._COMPILED)
    work.users["vanthuhai"] = clerk
    work.task(instance, completed_by="vanthuhai")
    found = search.matching(access.searchable_documents(fresh(clerk)), "moi truong")
    assert elsewhere.pk in set(found.values_list("pk", flat=True)) and len(access._COMPILED) == compiled
    assert set(found.values_list("pk", flat=True)) == by_the_rules(clerk, "moi truong")
    other = Body.objects.get(code="uy_ban_kiem_tra")
    hold(clerk, post(other, "Văn thư", ("van_thu", other)))
    access.searchable_documents(fresh(clerk))
    assert len(access._COMPILED) == compiled + 1


@pytest.mark.postgres
def test_work_in_another_bodys_process_without_a_document_takes_the_plain_way(world):
    """The bodies a person worked in say "maybe": work done in another body's process that handles
    no document still sends the search the plain way, which finds what the rules allow."""
    clerk = person("vanthuhai")
    body = Body.objects.get(code="chi_bo_01")
    hold(clerk, post(body, "Văn thư", ("van_thu", body)))
    assert "documentprocess" not in str(access.searchable_documents(fresh(clerk)).query)
    work = Work()
    work.users["vanthuhai"] = clerk
    work.task(work.instance("ubnd_xa"), completed_by="vanthuhai")
    scope = access.searchable_documents(fresh(clerk))
    assert "documentprocess" in str(scope.query)
    assert set(scope.values_list("pk", flat=True)) == by_the_rules(clerk, None) != set()
