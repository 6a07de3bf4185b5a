"""Written delegations (K/T, T/L, T/UQ): who may give them, what they carry, and for how long."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from directory import roles
from directory.delegations import delegate, revoke
from directory.models import Body, Delegation, Holding, Role

from .helpers import fresh, hold, person, post

KT, TL, TUQ = Delegation.Kind.KY_THAY, Delegation.Kind.THUA_LENH, Delegation.Kind.THUA_UY_QUYEN
DEC_1, DEC_15 = date(2026, 12, 1), date(2026, 12, 15)


def give(commune, kind=KT, delegator=None, to=None, position=None, **fields):
    fields.setdefault("valid_from", DEC_1)
    fields.setdefault("valid_to", DEC_15)
    return delegate(kind=kind, position=position or commune.secretary_post, delegator=delegator or commune.bithu,
                    delegate_to=to or commune.phobithu, document=fields.pop("document", "01-QĐ/ĐU"), **fields)


def test_a_delegation_carries_the_positions_roles_for_its_validity(commune):
    # given the secretary's K/T to the deputy for 1–15 December
    give(commune)

    # then the deputy holds bi_thu in the committee on those days only, both ends included
    def deputy_roles(day):
        return roles.roles_of(fresh(commune.phobithu), "dang_uy_xa", at=day)

    assert "bi_thu" not in deputy_roles(date(2026, 11, 30))
    assert "bi_thu" in deputy_roles(DEC_1) and "bi_thu" in deputy_roles(DEC_15)
    assert "bi_thu" not in deputy_roles(date(2026, 12, 16))
    assert commune.phobithu.pk in roles.holders("bi_thu", "dang_uy_xa", at=date(2026, 12, 10))
    assert commune.phobithu.pk not in roles.holders("bi_thu", "dang_uy_xa", at=date(2026, 12, 16))


def test_a_delegation_carries_only_the_roles_it_names(commune):
    # given a T/L from the secretary to the head of office, for assigning work (lanh_dao) only
    give(commune, kind=TL, to=commune.chanhvp, roles=[Role.objects.get(code="lanh_dao")])

    day = date(2026, 12, 10)
    assert roles.roles_of(fresh(commune.chanhvp), "dang_uy_xa", at=day) == {"lanh_dao", "chanh_van_phong"}
    assert commune.chanhvp.pk not in roles.holders("bi_thu", "dang_uy_xa", at=day)
    assert commune.chanhvp.pk in roles.holders("lanh_dao", "dang_uy_xa", at=day)


def test_a_revoked_delegation_stops_counting_from_the_day_of_revocation(commune):
    delegation = give(commune)
    revoke(delegation, at=datetime(2026, 12, 10, 3, 0, tzinfo=UTC))  # 10:00 in Hà Nội

    assert commune.phobithu.pk in roles.holders("bi_thu", "dang_uy_xa", at=date(2026, 12, 9))
    assert commune.phobithu.pk not in roles.holders("bi_thu", "dang_uy_xa", at=date(2026, 12, 10))


def test_a_delegation_lapses_when_its_giver_leaves_office(commune):
    give(commune)
    Holding.objects.filter(user=commune.bithu).update(valid_to=date(2026, 12, 5))

    assert commune.phobithu.pk in roles.holders("bi_thu", "dang_uy_xa", at=date(2026, 12, 5))
    assert commune.phobithu.pk not in roles.holders("bi_thu", "dang_uy_xa", at=date(2026, 12, 6))


def test_authority_received_by_tuq_is_not_passed_on(commune):
    # given the secretary's T/UQ to the head of office
    give(commune, kind=TUQ, to=commune.chanhvp, document="02-GUQ/ĐU", valid_to=date(2026, 12, 31))

    # when the head of office tries to authorise the clerk in turn
    with pytest.raises(ValidationError) as refused:
        give(commune, kind=TUQ, delegator=commune.chanhvp, to=commune.vanthu, valid_from=date(2026, 12, 2))

    # then it is refused, in Vietnamese, and nothing is recorded
    assert refused.value.message_dict["delegator"] == [
        "Người được thừa ủy quyền không được ủy quyền lại cho người khác."]
    assert Delegation.objects.count() == 1


def test_authority_received_by_kt_is_not_passed_on_either(commune):
    give(commune)
    with pytest.raises(ValidationError) as refused:
        give(commune, kind=TL, delegator=commune.phobithu, to=commune.chanhvp, valid_from=date(2026, 12, 2))
    assert refused.value.message_dict["delegator"] == ["Thẩm quyền được giao không được giao lại cho người khác."]


def test_even_a_sub_delegation_stored_behind_the_rules_carries_nothing(commune):
    # given a T/UQ and a second one from its delegate written straight into the table
    give(commune, kind=TUQ, to=commune.chanhvp, valid_to=date(2026, 12, 31))
    raw = Delegation.objects.create(kind=TUQ, position=commune.secretary_post, delegator=commune.chanhvp,
                                    delegate=commune.vanthu, document="x", valid_from=DEC_1, valid_to=DEC_15)
    raw.roles.set(Role.objects.filter(code__in=["bi_thu", "lanh_dao"]))

    # then the clerk gets nothing from it: the giver does not hold the position
    assert roles.roles_of(commune.vanthu, "dang_uy_xa", at=date(2026, 12, 10)) == {"van_thu"}


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"kind": TUQ, "valid_to": None}, "valid_to", "Thừa ủy quyền phải có thời hạn: hãy nhập ngày kết thúc."),
    ({"document": "  "}, "document", "Trường này không được để trắng."),  # the written decision is required
    ({"to": "bithu"}, "delegate", "Không thể giao quyền cho chính mình."),
    ({"delegator": "chanhvp"}, "delegator", "Chỉ người giữ chức vụ mới được giao quyền của chức vụ."),
    ({"to": "chanhvp"}, "delegate", "Ký thay (K/T) chỉ giao cho cấp phó của cùng cơ quan."),
    ({"kind": TL, "to": "vanthuubnd"}, "delegate",
     "Người được giao quyền phải giữ một chức vụ trong cơ quan hoặc đơn vị trực thuộc."),
    ({"valid_to": date(2026, 11, 1)}, "valid_to", "Ngày kết thúc trước ngày bắt đầu."),
])
def test_delegations_the_rules_refuse(commune, change, field, message):
    change = dict(change)
    for who in ("to", "delegator"):
        if who in change:
            change[who] = getattr(commune, change[who])
    with pytest.raises(ValidationError) as refused:
        give(commune, **change)
    assert refused.value.message_dict[field] == [message]
    assert not Delegation.objects.exists()


def test_tl_and_tuq_may_go_to_a_unit_of_the_body(commune):
    # the head of the Party Committee's office signs T/L for the committee
    delegation = give(commune, kind=TL, to=commune.chanhvp)
    assert set(delegation.roles.values_list("code", flat=True)) == {"bi_thu", "lanh_dao"}


def test_a_delegation_carries_only_roles_the_position_has(commune):
    with pytest.raises(ValidationError) as refused:
        give(commune, roles=[Role.objects.get(code="van_thu")])
    assert refused.value.message_dict["roles"] == ["Chức vụ không có các vai trò: van_thu."]


def test_the_admin_form_path_enforces_the_same_rules(commune):
    # Delegation.clean (what ModelForm/admin calls) refuses a sub-delegation too
    give(commune, kind=TUQ, to=commune.chanhvp, valid_to=date(2026, 12, 31))
    row = Delegation(kind=TUQ, position=commune.secretary_post, delegator=commune.chanhvp, delegate=commune.vanthu,
                     document="03/GUQ", valid_from=DEC_1, valid_to=DEC_15)
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert "delegator" in refused.value.message_dict


def test_a_cell_secretary_can_give_kt_to_the_cells_deputy(commune):
    deputy = person("phobithuchibo1")
    hold(deputy, post(commune.cell, "Phó Bí thư Chi bộ", ("dang_vien", commune.cell)))
    give(commune, position=commune.cell_post, delegator=commune.bithuchibo1, to=deputy)
    assert roles.roles_of(deputy, "chi_bo_01", at=DEC_1) == {"bi_thu_chi_bo", "lanh_dao", "dang_vien"}
    assert Body.objects.get(code="chi_bo_01").kind == Body.Kind.CELL
