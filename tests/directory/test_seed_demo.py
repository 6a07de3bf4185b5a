"""seed_demo: the Vĩnh An commune, complete, the same on every run, and fit for the incoming document."""

import io
import time

from django.contrib.auth.models import User
from django.core.management import call_command

from directory import roles
from directory.demo import members as generated_members
from directory.models import Body, Delegation, Holding, Member, Position, Role, RoleGrant

USERS = ["admin", "vanthu", "bithu", "phobithu", "chanhvp", "chuyenvien", "bithuchibo1"]


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def ids(*usernames) -> set[int]:
    return set(User.objects.filter(username__in=usernames).values_list("pk", flat=True))


def snapshot() -> dict:
    return {model.__name__: sorted(model.objects.values_list(*fields))
            for model, fields in [(Body, ("code", "name", "kind", "parent__code")), (Role, ("code", "name")),
                                  (Position, ("body__code", "title")),
                                  (RoleGrant, ("position__title", "role__code", "body__code")),
                                  (Holding, ("user__username", "position__title", "valid_from", "valid_to")),
                                  (Member, ("full_name", "birth_date", "cell__code", "status", "admitted_on")),
                                  (User, ("username", "password", "is_superuser"))]}


def test_the_commune_has_its_bodies_staff_cells_and_members(db):
    # when the demo is seeded
    started = time.monotonic()
    seed()
    elapsed = time.monotonic() - started

    # then: 24 staff accounts (23 people in office and the process administrator), 34 cells, 900 members
    in_office = User.objects.filter(holdings__isnull=False).distinct().count()
    assert in_office + User.objects.filter(username="admin").count() == 24
    assert set(User.objects.values_list("username", flat=True)) >= set(USERS) | {"integration"}
    cells = Body.objects.filter(kind=Body.Kind.CELL)
    assert cells.count() == 34 and set(cells.values_list("parent__code", flat=True)) == {"dang_uy_xa"}
    assert Member.objects.count() == 900
    assert set(Member.objects.values_list("cell__code", flat=True)) == {f"chi_bo_{n:02d}" for n in range(1, 35)}
    assert {Member.Status.PROBATIONARY, Member.Status.FULL} == set(Member.objects.values_list("status", flat=True))
    assert set(Body.objects.values_list("code", flat=True)) >= {
        "dang_uy_xa", "van_phong_dang_uy", "ban_xay_dung_dang", "uy_ban_kiem_tra", "ubnd_xa", "trung_tam_phvhcc",
        "mttq_xa"}
    assert elapsed < 10


def test_running_it_again_changes_nothing(db):
    seed()
    before = snapshot()

    output = seed()

    assert output.strip() == "demo data: already there"
    assert snapshot() == before


def test_it_puts_the_demo_grants_back_and_keeps_what_people_changed(db):
    # given a demo where someone removed the clerk's grant, added a stray one, and changed a password
    seed()
    RoleGrant.objects.filter(position__title="Văn thư Văn phòng Đảng ủy").delete()
    stray = Position.objects.get(title="Giám đốc Trung tâm PVHCC")
    RoleGrant.objects.create(position=stray, role=Role.objects.get(code="lanh_dao"),
                             body=Body.objects.get(code="ubnd_xa"))
    bithu = User.objects.get(username="bithu")
    bithu.set_password("changed")
    bithu.save()

    seed()

    assert roles.holders("van_thu", "dang_uy_xa") == ids("vanthu")
    assert roles.holders("lanh_dao", "ubnd_xa") == ids("chutich", "phochutich")
    assert User.objects.get(username="bithu").check_password("changed")


def test_the_password_comes_from_demo_password(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "mat-khau-thu")
    seed()
    assert all(User.objects.get(username=name).check_password("mat-khau-thu") for name in USERS)


def test_the_default_password_is_for_the_local_demo(db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    seed()
    assert User.objects.get(username="vanthu").check_password("quytrinh-demo")


def test_admin_is_the_process_administrator(demo):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.groups.filter(name="process_admin").exists()
    assert admin.has_perm("engine.add_processdefinition")
    assert not User.objects.get(username="vanthu").has_perm("engine.add_processdefinition")


def test_the_roles_fit_the_incoming_document_in_the_party_committee(demo):
    assert roles.holders("van_thu", "dang_uy_xa") == ids("vanthu")
    assert roles.holders("lanh_dao", "dang_uy_xa") == ids("bithu", "phobithu")
    assert roles.holders("chuyen_vien", "dang_uy_xa") >= ids("chuyenvien", "chuyenvien2")
    assert roles.holders("chanh_van_phong", "dang_uy_xa") == ids("chanhvp")
    assert roles.holders("van_thu", "ubnd_xa") == ids("vanthuubnd")
    assert roles.roles_of(User.objects.get(username="bithuchibo1"), "chi_bo_01") >= {"bi_thu_chi_bo", "lanh_dao"}
    assert roles.roles_of(User.objects.get(username="bithuchibo1"), "dang_uy_xa") == set()
    assert not Delegation.objects.exists()


def test_members_are_generated_the_same_way_every_time(demo):
    names = [member.full_name for _cell, member in generated_members()]
    assert names == [member.full_name for _cell, member in generated_members()]
    assert len(set(names)) > 300  # varied enough to look like a real list
    secretary = Member.objects.get(user__username="bithuchibo1")
    assert (secretary.full_name, secretary.cell.code) == ("Đỗ Thị Hạnh", "chi_bo_01")
    assert Member.objects.filter(user__isnull=False).count() == 1  # members are not staff accounts
