"""A task says what it is about: the process names its subject, business key and sender from its
data, the instance and every task row carry them, and the worklist searches them (issue 11.3)."""

from engine.models import ProcessInstance, Task

from .test_flow import REGISTER, complete, open_task

START = "/api/v1/process-definitions/incoming_document/start/"


def test_the_register_form_names_what_every_following_task_is_about(client_of):
    vanthu, bithu = client_of("vanthu"), client_of("bithu")
    instance = vanthu.post(START, {"data": {}}, format="json").json()
    assert instance["subject"] == "" and instance["business_key"] == ""
    complete(vanthu, open_task(vanthu, instance["id"]), {"valid": True})

    # when the clerk registers the document
    answer = complete(vanthu, open_task(vanthu, instance["id"]), REGISTER).json()

    # then the next task, in the answer and in the worklist, says what it is about and who sent it
    [present] = answer["next_tasks"]
    assert (present["subject"], present["sender"], present["business_key"]) == (
        REGISTER["subject"], "Tỉnh ủy", "132-CV/TU")
    assert open_task(vanthu, instance["id"])["subject"] == REGISTER["subject"]
    detail = vanthu.get(f"/api/v1/process-instances/{instance['id']}/").json()
    assert (detail["subject"], detail["sender"], detail["business_key"]) == (REGISTER["subject"], "Tỉnh ủy",
                                                                             "132-CV/TU")
    # the tasks done before the register form know it too (history lists show it)
    assert set(Task.objects.filter(instance_id=instance["id"]).values_list("subject", flat=True)) == {
        REGISTER["subject"]}
    complete(vanthu, open_task(vanthu, instance["id"]), {"presented_to": "bithu"})
    assert open_task(bithu, instance["id"])["sender"] == "Tỉnh ủy"


def test_the_worklist_searches_subject_sender_and_number(client_of):
    vanthu = client_of("vanthu")
    documents = (("V/v triển khai Sổ tay đảng viên điện tử", "Tỉnh ủy", "132", "CV/TU"),
                 ("V/v báo cáo kết quả thu đảng phí", "Ban Tổ chức Tỉnh ủy", "45", "CV/BTCTU"))
    for subject, organ, number, notation in documents:
        instance = vanthu.post(START, {"data": {}}, format="json").json()
        complete(vanthu, open_task(vanthu, instance["id"]), {"valid": True})
        complete(vanthu, open_task(vanthu, instance["id"]), {**REGISTER, "subject": subject, "organ_name": organ,
                                                            "code_number": number, "code_notation": notation})

    def found(words):
        return [t["subject"] for t in vanthu.get("/api/v1/tasks/", {"search": words}).json()["results"]]

    assert found("sổ tay") == ["V/v triển khai Sổ tay đảng viên điện tử"]
    assert found("Ban Tổ chức") == ["V/v báo cáo kết quả thu đảng phí"]
    assert found("45-CV") == ["V/v báo cáo kết quả thu đảng phí"]
    assert len(found("V/v")) == 2
    assert found("không có") == []
    assert ProcessInstance.objects.filter(sender="Tỉnh ủy").count() == 1
