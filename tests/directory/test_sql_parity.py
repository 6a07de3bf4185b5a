"""The compiled role queries agree with the models' rules read the plain ORM way, day by day.

``directory.sql`` runs its querysets compiled once, with new values filled in; a rule that did not
survive that (a stale day, a dropped condition) shows up here as a difference with a computation
that walks grants, holdings and delegations one by one through the same managers.
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from directory import roles
from directory.models import Body, Delegation, Holding, Role, RoleGrant
from engine import rows

from .helpers import START, hold, person

DAY = date(2026, 3, 10)
EVE, MORROW = DAY - timedelta(days=1), DAY + timedelta(days=1)
GRID = [START - timedelta(days=1), START, EVE, DAY, MORROW, DAY + timedelta(days=60)]


def local(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute, second)))


def lend(giver, position, *role_codes, to, valid_from=DAY - timedelta(days=30),
         valid_to=DAY + timedelta(days=30), revoked_at=None):
    """A delegation stored as it is, without ``directory.delegations``'s checks (raw data may be odd)."""
    delegation = Delegation.objects.create(kind=Delegation.Kind.KY_THAY, position=position, delegator=giver,
                                           delegate=to, document="01-QĐ/ĐU", valid_from=valid_from,
                                           valid_to=valid_to, revoked_at=revoked_at)
    delegation.roles.set(Role.objects.filter(code__in=role_codes))
    return delegation


@pytest.fixture
def grid(commune):
    """The commune, with holdings and delegations starting, ending and revoked around DAY."""
    w = commune
    for name, valid_from, valid_to in [("clerk_until_day", START, DAY), ("clerk_until_eve", START, EVE),
                                       ("clerk_from_day", DAY, None), ("clerk_from_morrow", MORROW, None)]:
        setattr(w, name, person(name))
        hold(getattr(w, name), w.clerk_post, valid_from, valid_to)
    w.leaver = person("leaver")  # a second deputy, whose last day in office is DAY
    hold(w.leaver, w.deputy_post, START, DAY)
    w.inactive_holder = person("inactive_holder", is_active=False)
    hold(w.inactive_holder, w.secretary_post)

    secretary, lanh_dao = w.secretary_post, "lanh_dao"
    w.lent = {
        "in_force": lend(w.bithu, secretary, lanh_dao, to=person("in_force")),
        "expired": lend(w.bithu, secretary, lanh_dao, to=person("expired"), valid_to=EVE),
        "ends_on_day": lend(w.bithu, secretary, lanh_dao, to=person("ends_on_day"), valid_to=DAY),
        "starts_on_day": lend(w.bithu, secretary, lanh_dao, "bi_thu", to=person("starts_on_day"),
                              valid_from=DAY),
        "not_yet": lend(w.bithu, secretary, lanh_dao, to=person("not_yet"), valid_from=MORROW),
        "open_ended": lend(w.bithu, secretary, "bi_thu", to=person("open_ended"), valid_to=None),
        "revoked_on_eve": lend(w.bithu, secretary, lanh_dao, to=person("revoked_on_eve"),
                               revoked_at=local(EVE, 12)),
        "revoked_at_midnight": lend(w.bithu, secretary, lanh_dao, to=person("revoked_at_midnight"),
                                    revoked_at=local(DAY)),
        "revoked_late": lend(w.bithu, secretary, lanh_dao, to=person("revoked_late"),
                             revoked_at=local(DAY, 23, 59, 59)),
        "revoked_next_midnight": lend(w.bithu, secretary, lanh_dao, to=person("revoked_next_midnight"),
                                      revoked_at=local(MORROW)),
        # 06:00 in Hà Nội is still DAY in UTC: the day of a revocation is the local one
        "revoked_next_morning": lend(w.bithu, secretary, lanh_dao, to=person("revoked_next_morning"),
                                     revoked_at=local(MORROW, 6)),
        "revoked_later": lend(w.bithu, secretary, lanh_dao, to=person("revoked_later"),
                              revoked_at=local(DAY + timedelta(days=5), 9)),
        "giver_left": lend(w.leaver, w.deputy_post, "pho_bi_thu", lanh_dao, to=person("giver_left")),
        "giver_never_held": lend(w.outsider, secretary, "bi_thu", to=person("giver_never_held")),
        "role_not_granted": lend(w.bithu, secretary, "van_thu", to=person("role_not_granted")),
        "inactive_delegate": lend(w.bithu, secretary, lanh_dao,
                                  to=person("inactive_delegate", is_active=False)),
        "cell": lend(w.bithuchibo1, w.cell_post, "bi_thu_chi_bo", lanh_dao, to=w.vanthu),
    }
    w.lent["passed_on"] = lend(w.lent["in_force"].delegate, secretary, lanh_dao, to=person("passed_on"))

    van_thu, other = Group.objects.create(name="van_thu"), Group.objects.create(name="nhom_khac")
    w.robot = person("robot")
    w.robot.groups.add(van_thu)
    w.leader_robot = person("leader_robot")
    w.leader_robot.groups.add(Group.objects.create(name="lanh_dao"), other)
    w.inactive_robot = person("inactive_robot", is_active=False)
    w.inactive_robot.groups.add(van_thu)
    return w


def orm_role_pairs(user: User, day: date) -> set[tuple[str, str]]:
    """``roles.role_pairs`` told the long way: position by position, delegation by delegation."""
    pairs = set()
    for holding in Holding.objects.in_force(day).filter(user=user):
        pairs |= {(grant.role.code, grant.body.code) for grant in _grants(position=holding.position_id)}
    for delegation in Delegation.objects.effective(day).filter(delegate=user):
        lent = set(delegation.roles.values_list("pk", flat=True))
        pairs |= {(grant.role.code, grant.body.code) for grant in _grants(position=delegation.position_id)
                  if grant.role_id in lent}
    pairs |= {(name, roles.ANY_BODY) for name in user.groups.values_list("name", flat=True)}
    return pairs


def orm_holders(role: str, body: str, day: date) -> set[int]:
    """``roles.holders`` told the long way: grant by grant."""
    found = set()
    for grant in _grants(role__code=role):
        if body and grant.body.code != body:
            continue
        in_office = Holding.objects.in_force(day).filter(position=grant.position_id)
        found |= {holding.user_id for holding in in_office}
        found |= {delegation.delegate_id for delegation in Delegation.objects.effective(day)
                  if delegation.position_id == grant.position_id
                  and delegation.roles.filter(pk=grant.role_id).exists()}
    found |= set(User.objects.filter(groups__name=role).values_list("pk", flat=True))
    return {user.pk for user in User.objects.filter(pk__in=found) if user.is_active}


def _grants(**where) -> list[RoleGrant]:
    return list(RoleGrant.objects.filter(**where).select_related("role", "body"))


def assert_parity():
    role_codes = {*Role.objects.values_list("code", flat=True), *Group.objects.values_list("name", flat=True),
                  "khong_co"}
    body_codes = ["", *Body.objects.values_list("code", flat=True), "khong_co"]
    users = list(User.objects.all())
    for day in GRID:
        for user in users:
            assert roles.role_pairs(user, at=day) == orm_role_pairs(user, day), (user.username, day)
        for role in role_codes:
            for body in body_codes:
                assert roles.holders(role, body, at=day) == orm_holders(role, body, day), (role, body, day)


def test_role_pairs_and_holders_agree_with_the_orm_on_every_day_of_the_grid(grid):
    assert_parity()


def test_they_agree_in_another_time_zone_too(grid):
    # the SQL of a day's revocations depends on the zone: compiled once per zone, not once for all
    with timezone.override("UTC"):
        assert_parity()


def test_the_grid_is_not_vacuous(grid):
    """The boundaries the parity test walks over, told outright."""
    w = grid

    def leaders(day):
        return roles.holders("lanh_dao", "dang_uy_xa", at=day)

    def delegates(names):
        return {w.lent[name].delegate_id for name in names}

    counting_on_day = delegates(["in_force", "ends_on_day", "starts_on_day", "revoked_next_midnight",
                                 "revoked_next_morning", "revoked_later", "giver_left"])
    assert leaders(DAY) == {w.bithu.pk, w.phobithu.pk, w.leaver.pk, w.leader_robot.pk} | counting_on_day
    counting_on_morrow = delegates(["in_force", "not_yet", "starts_on_day", "revoked_later"])
    assert leaders(MORROW) == {w.bithu.pk, w.phobithu.pk, w.leader_robot.pk} | counting_on_morrow
    assert delegates(["revoked_late", "revoked_at_midnight"]) <= leaders(EVE)
    assert roles.holders("van_thu", "dang_uy_xa", at=DAY) == {w.vanthu.pk, w.clerk_until_day.pk,
                                                              w.clerk_from_day.pk, w.robot.pk}
    assert roles.role_pairs(w.vanthu, at=DAY) == {("van_thu", "dang_uy_xa"), ("bi_thu_chi_bo", "chi_bo_01"),
                                                  ("lanh_dao", "chi_bo_01")}
    everywhere = roles.ANY_BODY
    assert roles.role_pairs(w.leader_robot, at=DAY) == {("lanh_dao", everywhere), ("nhom_khac", everywhere)}
    assert roles.role_pairs(w.lent["giver_left"].delegate, at=DAY) == {("pho_bi_thu", "dang_uy_xa"),
                                                                       ("lanh_dao", "dang_uy_xa")}
    assert roles.role_pairs(w.lent["giver_left"].delegate, at=MORROW) == set()
    for name in ["giver_never_held", "role_not_granted", "passed_on", "expired", "revoked_on_eve"]:
        assert roles.role_pairs(w.lent[name].delegate, at=DAY) == set(), name


def _in_force_the_day_after(day: date):
    return Holding.objects.in_force(day + timedelta(days=1)).values_list("user")


def _holders_of_a_hard_coded_role(day: date, role: str):
    return Holding.objects.in_force(day).filter(position__grants__role__code="van_thu").values_list("user")


def test_a_rule_deriving_a_value_from_the_day_is_refused_not_run_stale(db):
    # a parameter computed from the day could not be filled in from a later day
    with pytest.raises(ValueError, match="derived"):
        rows.run_compiled(_in_force_the_day_after, day=DAY)


def test_a_value_the_query_does_not_use_is_refused(db):
    with pytest.raises(ValueError, match="does not use role"):
        rows.run_compiled(_holders_of_a_hard_coded_role, day=DAY, role="lanh_dao")



def _subject_of(pk):
    from documents.models import Document

    return Document.objects.filter(pk=pk).values_list("subject")


def test_a_uuid_is_filled_in_as_the_orm_would_on_either_database(db):
    from documents.models import Document

    one, two = (Document.objects.create(direction="incoming", body="b", subject=subject) for subject in ("Một", "Hai"))
    assert rows.run_compiled(_subject_of, pk=one.pk) == [("Một",)]
    assert rows.run_compiled(_subject_of, pk=two.pk) == [("Hai",)]  # the same compiled SQL, another value
