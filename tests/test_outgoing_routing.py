"""The outgoing documents' routing tables (processes/bpmn/outgoing_*.dmn), row by row.

Each case runs the catalog's table the way the outgoing procedure will: a businessRuleTask naming it
by ``spiffworkflow:calledDecisionId``, deployed with the catalog's DMN files by the engine's deploy,
started with ``services.start``; the outputs are read back from the instance's data. A new version
of a table deployed by an administrator routes new instances only.
"""

import pytest

from engine import inspection, services
from engine.exceptions import DeploymentError
from engine.models import ProcessDefinition, ProcessInstance, Task
from processes import catalog

from .bpmn_helpers import lane, lanes, process

# start -> prepare (a person) -> the two decisions -> the deadlines computed from their outputs -> approve.
# The decisions come after a user task so that an instance can wait there while a new version is deployed.
PROBE = process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare"/>
    <bpmn:userTask id="prepare" name="Chuẩn bị dự thảo"/>
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="route"/>
    <bpmn:businessRuleTask id="route" name="Chọn người duyệt">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>outgoing_approver</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f3" sourceRef="route" targetRef="deadlines"/>
    <bpmn:businessRuleTask id="deadlines" name="Thời hạn">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>outgoing_sla</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f4" sourceRef="deadlines" targetRef="due"/>
    <bpmn:scriptTask id="due" name="Tính hạn">
      <bpmn:script>issue_due = (working_hours(issue_hours, signed_at) if issue_hours
             else working_days(issue_days, signed_at))
review_due = (working_hours(review_hours, signed_at) if review_hours
              else working_days(review_days, signed_at))</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f5" sourceRef="due" targetRef="approve"/>
    <bpmn:userTask id="approve" name="Duyệt"/>
    <bpmn:sequenceFlow id="f6" sourceRef="approve" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "outgoing_routing_probe", lanes(lane("staff", "prepare", "approve")))

APPROVER = "outgoing_approver.dmn"
SLA = "outgoing_sla.dmn"
SIGNED_AT = "2026-12-07T09:00:00+07:00"  # a Monday, a working day


def tables() -> dict[str, bytes]:
    return {name: content for name, content in catalog.files().items() if name.endswith(".dmn")}


def deploy(**replaced: bytes):
    """The probe with the catalog's tables (or an administrator's edited ones); the probe's definition."""
    results = services.deploy({"probe.bpmn": PROBE, **tables(), **replaced})
    return next(d for d in results if d.definition.key == "outgoing_routing_probe")


def start(user, issuing_body="dang_uy_xa", document_type="cong_van", drafting_unit="van_phong_dang_uy",
          urgency="thuong") -> ProcessInstance:
    return services.start("outgoing_routing_probe", actor=user, data={
        "issuing_body": issuing_body, "document_type": document_type, "drafting_unit": drafting_unit,
        "urgency": urgency, "signed_at": SIGNED_AT})


def decide(instance, user) -> dict:
    """Complete the waiting task: the decisions run; the data the approving task sees."""
    [task] = Task.objects.filter(instance=instance, status="open")
    assert task.bpmn_id == "prepare"
    services.complete(task, data={}, actor=user)
    instance.refresh_from_db()
    return inspection.data_of(instance)


@pytest.fixture
def staff(db, make_user):
    return make_user("staff1", "staff")


def routing(data: dict) -> tuple:
    return data["approver_role"], data["approver_body"], data["signing_authority"], data["signer_title"]


# (issuing body, document type, drafting unit) -> (role, body of the role, signing authority, title):
# every row of outgoing_approver.dmn, in order, then cases showing that the first matching row decides.
APPROVER_CASES = [
    pytest.param("dang_uy_xa", "nghi_quyet", "van_phong_dang_uy", ("bi_thu", "dang_uy_xa", "T/M ĐẢNG ỦY", "BÍ THƯ"),
                 id="party_normative-nghi_quyet"),
    pytest.param("dang_uy_xa", "quyet_dinh", "ban_xay_dung_dang", ("bi_thu", "dang_uy_xa", "T/M ĐẢNG ỦY", "BÍ THƯ"),
                 id="party_normative-quyet_dinh"),
    pytest.param("dang_uy_xa", "quy_dinh_dang", "van_phong_dang_uy",
                 ("bi_thu", "dang_uy_xa", "T/M ĐẢNG ỦY", "BÍ THƯ"), id="party_normative-quy_dinh"),
    pytest.param("dang_uy_xa", "chi_thi", "van_phong_dang_uy", ("bi_thu", "dang_uy_xa", "T/M ĐẢNG ỦY", "BÍ THƯ"),
                 id="party_normative-chi_thi"),
    pytest.param("dang_uy_xa", "quy_che", "van_phong_dang_uy", ("bi_thu", "dang_uy_xa", "T/M ĐẢNG ỦY", "BÍ THƯ"),
                 id="party_normative-quy_che"),
    pytest.param("dang_uy_xa", "giay_moi", "van_phong_dang_uy",
                 ("chanh_van_phong", "dang_uy_xa", "T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG"),
                 id="party_by_order-giay_moi"),
    pytest.param("dang_uy_xa", "giay_gioi_thieu", "ban_xay_dung_dang",
                 ("chanh_van_phong", "dang_uy_xa", "T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG"),
                 id="party_by_order-giay_gioi_thieu"),
    pytest.param("dang_uy_xa", "cong_van", "van_phong_dang_uy",
                 ("pho_bi_thu", "dang_uy_xa", "T/M ĐẢNG ỦY", "PHÓ BÍ THƯ"), id="party_other-cong_van"),
    pytest.param("dang_uy_xa", "bao_cao", "ban_xay_dung_dang",
                 ("pho_bi_thu", "dang_uy_xa", "T/M ĐẢNG ỦY", "PHÓ BÍ THƯ"), id="party_other-bao_cao"),
    pytest.param("dang_uy_xa", "ke_hoach", "uy_ban_kiem_tra",
                 ("pho_bi_thu", "dang_uy_xa", "T/M ĐẢNG ỦY", "PHÓ BÍ THƯ"), id="party_other-ke_hoach"),
    pytest.param("uy_ban_kiem_tra", "quyet_dinh", "uy_ban_kiem_tra",
                 ("lanh_dao", "uy_ban_kiem_tra", "T/M ỦY BAN KIỂM TRA", "CHỦ NHIỆM"), id="inspection"),
    pytest.param("van_phong_dang_uy", "cong_van", "van_phong_dang_uy",
                 ("chanh_van_phong", "dang_uy_xa", "", "CHÁNH VĂN PHÒNG"), id="party_office"),
    pytest.param("ban_xay_dung_dang", "huong_dan", "ban_xay_dung_dang",
                 ("lanh_dao", "ban_xay_dung_dang", "", "TRƯỞNG BAN"), id="party_board"),
    pytest.param("chi_bo_07", "nghi_quyet", "chi_bo_07", ("bi_thu_chi_bo", "chi_bo_07", "T/M CHI BỘ", "BÍ THƯ"),
                 id="cell"),
    pytest.param("ubnd_xa", "quyet_dinh", "van_phong_hdnd_ubnd",
                 ("chu_tich", "ubnd_xa", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), id="state_decisions-quyet_dinh"),
    pytest.param("ubnd_xa", "to_trinh", "phong_kinh_te", ("chu_tich", "ubnd_xa", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
                 id="state_decisions-to_trinh-before-state_fields"),
    pytest.param("ubnd_xa", "cong_dien", "phong_van_hoa_xa_hoi",
                 ("chu_tich", "ubnd_xa", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), id="state_decisions-cong_dien"),
    pytest.param("ubnd_xa", "giay_moi", "phong_kinh_te",
                 ("chanh_van_phong", "ubnd_xa", "TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"), id="state_by_order-giay_moi"),
    pytest.param("ubnd_xa", "giay_gioi_thieu", "van_phong_hdnd_ubnd",
                 ("chanh_van_phong", "ubnd_xa", "TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"),
                 id="state_by_order-giay_gioi_thieu"),
    pytest.param("ubnd_xa", "cong_van", "phong_kinh_te", ("pho_chu_tich", "ubnd_xa", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
                 id="state_fields-kinh_te"),
    pytest.param("ubnd_xa", "ke_hoach", "phong_van_hoa_xa_hoi",
                 ("pho_chu_tich", "ubnd_xa", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), id="state_fields-van_hoa_xa_hoi"),
    pytest.param("ubnd_xa", "cong_van", "van_phong_hdnd_ubnd",
                 ("chu_tich", "ubnd_xa", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), id="state_other-van_phong"),
    pytest.param("ubnd_xa", "bao_cao", "trung_tam_phvhcc",
                 ("chu_tich", "ubnd_xa", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), id="state_other-trung_tam"),
    pytest.param("mttq_xa", "thong_bao", "mttq_xa", ("lanh_dao", "mttq_xa", "", ""), id="fallback-mttq"),
    pytest.param("phong_kinh_te", "cong_van", "phong_kinh_te", ("lanh_dao", "phong_kinh_te", "", ""),
                 id="fallback-own-name"),
]


@pytest.mark.parametrize(("issuing_body", "document_type", "drafting_unit", "expected"), APPROVER_CASES)
def test_outgoing_approver_row_by_row(staff, issuing_body, document_type, drafting_unit, expected):
    deploy()
    instance = start(staff, issuing_body, document_type, drafting_unit)

    data = decide(instance, staff)

    assert routing(data) == expected
    [task] = Task.objects.filter(instance=instance, status="open")
    assert task.bpmn_id == "approve"


# urgency -> (issue_days, issue_hours, issue_immediately, review_days, review_hours, issue_due, review_due)
# with the document signed on Monday 7 December 2026 at 09:00 (office hours 07:30-11:30, 13:30-17:00).
SLA_CASES = [
    pytest.param("hoa_toc", (0, 1, True, 0, 2, "2026-12-07T10:00:00+07:00", "2026-12-07T11:00:00+07:00"),
                 id="hoa_toc"),
    pytest.param("thuong_khan", (0, 2, True, 0, 4, "2026-12-07T11:00:00+07:00", "2026-12-07T15:00:00+07:00"),
                 id="thuong_khan"),
    pytest.param("khan", (0, 4, True, 1, None, "2026-12-07T15:00:00+07:00", "2026-12-08T17:00:00+07:00"),
                 id="khan"),
    pytest.param("thuong", (1, None, False, 2, None, "2026-12-08T17:00:00+07:00", "2026-12-09T17:00:00+07:00"),
                 id="thuong"),
    pytest.param("", (1, None, False, 2, None, "2026-12-08T17:00:00+07:00", "2026-12-09T17:00:00+07:00"),
                 id="fallback-unknown"),
]


@pytest.mark.parametrize(("urgency", "expected"), SLA_CASES)
def test_outgoing_sla_row_by_row(staff, urgency, expected):
    deploy()
    instance = start(staff, urgency=urgency)

    data = decide(instance, staff)

    keys = ("issue_days", "issue_hours", "issue_immediately", "review_days", "review_hours", "issue_due",
            "review_due")
    assert tuple(data[key] for key in keys) == expected


def test_the_tables_deploy_with_the_catalog_and_pass_its_checks(db):
    files = catalog.files()
    assert {APPROVER, SLA} <= set(files)

    deployments = services.deploy({**files, "probe.bpmn": PROBE})

    assert {d.definition.key for d in deployments} >= {"incoming_document", "outgoing_routing_probe"}
    assert all(not d.warnings for d in deployments)
    probe = next(d.definition for d in deployments if d.definition.key == "outgoing_routing_probe")
    assert {APPROVER, SLA} <= set(probe.files)


def test_a_new_version_of_a_table_routes_new_instances_only(staff):
    first = deploy()
    waiting = start(staff, "dang_uy_xa", "cong_van", "van_phong_dang_uy")

    # The Đảng ủy's working rules change: its công văn are now signed by the Bí thư. The administrator
    # edits the table and deploys it; the process gets a new version.
    edited = tables()[APPROVER].decode()
    old_row = ('<outputEntry id="party_other_role"><text>"pho_bi_thu"</text></outputEntry>',
               '<outputEntry id="party_other_title"><text>"PHÓ BÍ THƯ"</text></outputEntry>')
    assert all(part in edited for part in old_row)
    edited = (edited.replace(old_row[0], old_row[0].replace("pho_bi_thu", "bi_thu"))
              .replace(old_row[1], old_row[1].replace("PHÓ BÍ THƯ", "BÍ THƯ")))
    second = deploy(**{APPROVER: edited.encode()})
    assert (first.definition.version, second.definition.version, second.created) == (1, 2, True)

    new = start(staff, "dang_uy_xa", "cong_van", "van_phong_dang_uy")
    assert new.definition_id == second.definition.pk

    # The instance that waited reaches the decision after the new version was deployed: it keeps its own.
    assert routing(decide(waiting, staff)) == ("pho_bi_thu", "dang_uy_xa", "T/M ĐẢNG ỦY", "PHÓ BÍ THƯ")
    assert waiting.definition_id == first.definition.pk
    assert routing(decide(new, staff)) == ("bi_thu", "dang_uy_xa", "T/M ĐẢNG ỦY", "BÍ THƯ")
    # Rows the administrator did not touch route as before.
    assert routing(decide(start(staff, "ubnd_xa", "quyet_dinh", "phong_kinh_te"), staff)) == (
        "chu_tich", "ubnd_xa", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")


def test_an_edited_table_is_checked_at_deploy_like_any_expression(db):
    edited = tables()[APPROVER].decode().replace('<text>"chu_tich"</text>', '<text>__import__("os")</text>', 1)

    with pytest.raises(DeploymentError) as refused:
        deploy(**{APPROVER: edited.encode()})

    [problem] = refused.value.problems
    assert (problem.file, problem.element) == (APPROVER, "state_decisions_role")
    assert not ProcessDefinition.objects.filter(key="outgoing_routing_probe").exists()
