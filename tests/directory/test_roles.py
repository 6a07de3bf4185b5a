"""Role resolution: a lane's role resolves, in a body, to the holders of positions granting it there."""

from datetime import date

from django.contrib.auth.models import AnonymousUser, Group

from directory import roles
from engine import access

from .helpers import fresh, hold, person


def test_a_position_acts_in_the_bodies_its_grants_name(commune):
    # given the office's clerk, whose position grants van_thu in the Party Committee
    clerk = commune.vanthu

    # when we ask which roles she holds where
    pairs = roles.role_pairs(clerk)

    # then she is the committee's clerk, not the office's, and nothing in the People's Committee
    assert pairs == {("van_thu", "dang_uy_xa")}
    assert roles.roles_of(fresh(clerk), "dang_uy_xa") == {"van_thu"}
    assert roles.roles_of(fresh(clerk), "van_phong") == set()
    assert roles.roles_of(fresh(clerk), "ubnd_xa") == set()


def test_lanh_dao_of_the_committee_is_the_secretary_and_the_deputy(commune):
    # when the lane lanh_dao is resolved in the Party Committee
    leaders = roles.holders("lanh_dao", "dang_uy_xa")

    # then the head of office (a leader of the office only) and the cell secretary are not in it
    assert leaders == {commune.bithu.pk, commune.phobithu.pk}
    assert roles.holders("lanh_dao", "van_phong") == {commune.chanhvp.pk}
    assert roles.holders("lanh_dao", "chi_bo_01") == {commune.bithuchibo1.pk}


def test_an_empty_body_means_any_body(commune):
    assert roles.holders("van_thu", "") == {commune.vanthu.pk, commune.vanthuubnd.pk}
    assert roles.roles_of(commune.vanthuubnd) == {"van_thu"}


def test_holders_change_over_time(commune):
    # given a clerk who left on 30 June 2026 and a successor from 1 July
    holding = commune.vanthu.holdings.get()
    holding.valid_to = date(2026, 6, 30)
    holding.save()
    successor = person("vanthu2")
    hold(successor, commune.clerk_post, valid_from=date(2026, 7, 1))

    # then each is the clerk on their own days, the last day included
    assert roles.holders("van_thu", "dang_uy_xa", at=date(2026, 6, 30)) == {commune.vanthu.pk}
    assert roles.holders("van_thu", "dang_uy_xa", at=date(2026, 7, 1)) == {successor.pk}
    assert roles.holders("van_thu", "dang_uy_xa", at=date(2025, 6, 30)) == set()  # before anyone took office
    assert roles.roles_of(fresh(commune.vanthu), "dang_uy_xa", at=date(2026, 7, 1)) == set()
    assert roles.roles_of(fresh(successor), "dang_uy_xa", at=date(2026, 7, 1)) == {"van_thu"}


def test_an_inactive_account_holds_nothing(commune):
    commune.phobithu.is_active = False
    commune.phobithu.save()

    assert roles.holders("lanh_dao", "dang_uy_xa") == {commune.bithu.pk}


def test_a_group_named_after_a_role_grants_it_in_every_body(commune):
    # given a service account in the group van_thu (not a position: no body)
    robot = person("robot")
    robot.groups.add(Group.objects.create(name="van_thu"))

    # then it is a clerk everywhere
    assert roles.role_pairs(robot) == {("van_thu", roles.ANY_BODY)}
    assert roles.roles_of(fresh(robot), "ubnd_xa") == {"van_thu"}
    assert robot.pk in roles.holders("van_thu", "dang_uy_xa")


def test_role_pairs_is_one_query_then_cached_on_the_user(commune, django_assert_num_queries):
    secretary = fresh(commune.bithu)
    with django_assert_num_queries(1):  # the cache is engine.access's, the one for every caller
        first = access.role_pairs(secretary)
        access.role_pairs(secretary)
        access.holds(secretary, "bi_thu", "dang_uy_xa")
    assert first == {("bi_thu", "dang_uy_xa"), ("lanh_dao", "dang_uy_xa")}


def test_holders_is_one_query(commune, django_assert_num_queries):
    with django_assert_num_queries(1):
        roles.holders("lanh_dao", "dang_uy_xa")


def test_known_roles_are_the_directory_roles(commune):
    assert roles.known_roles() >= {"van_thu", "lanh_dao", "bi_thu", "chanh_van_phong"}


def test_known_roles_do_not_block_deploys_while_the_directory_is_empty(db):
    assert roles.known_roles() is None


def test_nobody_holds_anything_for_an_anonymous_user(commune):
    assert roles.role_pairs(AnonymousUser()) == set()
    assert roles.role_pairs(None) == set()
