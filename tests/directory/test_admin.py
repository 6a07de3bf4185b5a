"""The directory's admin pages open, filter, and enforce the delegation rules."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from directory.delegations import delegate
from directory.models import Body, Delegation, Holding, Member, Position, Role


@pytest.fixture
def admin_client_demo(demo, client):
    client.force_login(User.objects.get(username="admin"))
    return client


@pytest.mark.parametrize("model", [Body, Role, Position, Holding, Delegation, Member])
def test_every_page_opens(admin_client_demo, model, django_assert_max_num_queries):
    name = model._meta.model_name
    with django_assert_max_num_queries(20):  # list_select_related: no query per row
        assert admin_client_demo.get(reverse(f"admin:directory_{name}_changelist")).status_code == 200
    assert admin_client_demo.get(reverse(f"admin:directory_{name}_add")).status_code == 200
    first = model.objects.first()
    if first is not None:
        assert admin_client_demo.get(reverse(f"admin:directory_{name}_change", args=[first.pk])).status_code == 200


def test_pages_are_in_vietnamese(admin_client_demo):
    page = admin_client_demo.get(reverse("admin:directory_delegation_changelist")).content.decode()
    assert "giao quyền ký" in page and "đang có hiệu lực" in page


def test_the_in_force_filter(admin_client_demo, time_machine):
    time_machine.move_to("2026-06-01 09:00 +07:00")
    Holding.objects.filter(user__username="vanthu").update(valid_to=date(2025, 12, 31))
    url = reverse("admin:directory_holding_changelist")
    current = admin_client_demo.get(url, {"in_force": "yes"}).context["cl"].result_count
    ended = admin_client_demo.get(url, {"in_force": "no"}).context["cl"].result_count
    assert (current, ended) == (22, 1)


def test_the_admin_refuses_a_sub_delegation(admin_client_demo):
    # given the secretary's T/UQ to the head of office
    secretary = Position.objects.get(title="Bí thư Đảng ủy")
    users = {u.username: u for u in User.objects.filter(username__in=["bithu", "chanhvp", "vanthu"])}
    delegate(kind=Delegation.Kind.THUA_UY_QUYEN, position=secretary, delegator=users["bithu"],
             delegate_to=users["chanhvp"], document="02-GUQ/ĐU", valid_from=date(2026, 12, 1),
             valid_to=date(2026, 12, 31))

    # when someone records, in the admin, the head of office authorising the clerk
    response = admin_client_demo.post(reverse("admin:directory_delegation_add"), {
        "kind": "tuq", "position": secretary.pk, "roles": [Role.objects.get(code="lanh_dao").pk],
        "delegator": users["chanhvp"].pk, "delegate": users["vanthu"].pk, "document": "03-GUQ/ĐU",
        "valid_from": "2026-12-02", "valid_to": "2026-12-10", "scope": ""})

    # then the form shows the rule and nothing is stored
    assert response.status_code == 200
    assert "không được ủy quyền lại" in response.content.decode()
    assert Delegation.objects.count() == 1


def test_the_revoke_action(admin_client_demo):
    secretary = Position.objects.get(title="Bí thư Đảng ủy")
    given = delegate(kind=Delegation.Kind.KY_THAY, position=secretary, delegator=User.objects.get(username="bithu"),
                     delegate_to=User.objects.get(username="phobithu"), document="01-QĐ/ĐU",
                     valid_from=date(2026, 1, 1))
    admin_client_demo.post(reverse("admin:directory_delegation_changelist"),
                           {"action": "revoke_now", "_selected_action": [given.pk]})
    given.refresh_from_db()
    assert given.revoked_at is not None
