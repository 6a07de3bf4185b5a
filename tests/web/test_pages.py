"""The staff pages through Django's test client: what each page shows whom, and what each action
stores, on the demo commune with the real incoming-document process."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from engine.models import AuditEvent, Notification, Task, TaskStatus
from forms.models import FormDraft

from .conftest import open_task


def test_a_stranger_gets_the_sign_in_page(demo):
    response = Client().get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/dang-nhap/")
    page = response.content.decode()
    assert '<html lang="vi">' in page and "Đăng nhập" in page
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_sign_in_then_out(demo):
    browser = Client()
    response = browser.post("/dang-nhap/", {"username": "vanthu", "password": "quytrinh-demo"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert browser.session.get_expire_at_browser_close()  # "remember me" is off by default
    page = browser.get("/").content.decode()
    assert "Phạm Thị Lan" in page and "Đăng xuất" in page
    assert browser.post("/dang-xuat/").status_code == 302
    assert browser.get("/").status_code == 302


def test_remember_me_keeps_the_session(demo):
    browser = Client()
    browser.post("/dang-nhap/", {"username": "vanthu", "password": "quytrinh-demo", "remember": "on"})
    assert not browser.session.get_expire_at_browser_close()
    assert browser.session.get_expiry_age() == 14 * 86400


def test_wrong_passwords_lock_the_account_and_are_on_record(demo, settings):
    browser = Client()
    for _attempt in range(5):
        response = browser.post("/dang-nhap/", {"username": "vanthu", "password": "sai"})
        assert response.status_code == 400
    assert "tạm khóa" in response.content.decode()
    # The right password no longer opens it while the lock lasts.
    response = browser.post("/dang-nhap/", {"username": "vanthu", "password": "quytrinh-demo"})
    assert response.status_code == 403 and "_auth_user_id" not in browser.session
    actions = list(AuditEvent.objects.filter(stream="access").values_list("action", flat=True))
    assert actions.count("sign_in_failed") == 4 and "sign_in_locked" in actions and "access_denied" in actions
    # Another account from the same address is not locked.
    assert browser.post("/dang-nhap/", {"username": "bithu", "password": "quytrinh-demo"}).status_code == 302


def test_sign_in_attempts_are_throttled_per_address(demo, settings):
    settings.WEB = {**settings.WEB, "SIGN_IN_RATE": 3}
    browser = Client()
    codes = [browser.post("/dang-nhap/", {"username": f"nobody{n}", "password": "x"}).status_code for n in range(4)]
    assert codes == [400, 400, 400, 429]


def test_an_open_redirect_is_refused(demo):
    response = Client().post("/dang-nhap/?next=https://evil.example/", {"username": "vanthu",
                                                                       "password": "quytrinh-demo"})
    assert response["Location"] == "/"


def test_worklist_counts_filters_and_sorts(page_of, incoming):
    incoming("register", subject="Kế hoạch đại hội chi bộ")
    incoming("present", subject="Báo cáo quý III")
    clerk = page_of("vanthu")
    page = clerk.get("/?queue=group").content.decode()
    assert "Kế hoạch đại hội chi bộ" not in page or "Báo cáo quý III" in page
    assert re.search(r'data-queue="group"[^>]*>[^<]*<span class="count">2</span>', page)
    found = clerk.get("/?queue=group&q=quý").content.decode()
    assert found.count('data-task="') == 1 and "Báo cáo quý III" in found
    urgent = clerk.get("/?queue=group&urgency=1").content.decode()
    assert urgent.count('data-task="') == 1 and "Khẩn" in urgent  # the registered one is "khan"


def test_claim_and_give_back_from_the_group_queue(page_of, incoming):
    instance = incoming("receive")
    task = open_task(instance)
    clerk = page_of("vanthu")
    response = clerk.post(f"/viec/{task.pk}/nhan/", {"next": "/?queue=group"}, HTTP_HX_REQUEST="true", follow=True)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.assignee.username == "vanthu"
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="worklist"')  # htmx gets the list only
    assert re.search(r'data-queue="mine"[^>]*>[^<]*<span class="count">1</span>', page)
    clerk.post(f"/viec/{task.pk}/tra-lai/", {"next": "/"})
    task.refresh_from_db()
    assert task.assignee is None
    assert list(AuditEvent.objects.filter(instance=instance, action__in=["task_claimed", "task_unclaimed"])
                .values_list("action", flat=True)) == ["task_claimed", "task_unclaimed"]


def test_a_form_error_is_shown_beside_its_field_and_nothing_is_stored(page_of, incoming):
    instance = incoming("register")
    task = open_task(instance, "register")
    before = instance.__class__.objects.values("revision", "state").get(pk=instance.pk)
    response = page_of("vanthu").post(f"/viec/{task.pk}/", {"action": "complete", "organ_name": "Tỉnh ủy",
                                                           "subject": "  ", "page_amount": "ba"})
    assert response.status_code == 422
    page = response.content.decode()
    subject = page[page.index('data-field="subject"'):]
    assert "Trường này là bắt buộc." in subject[:3000]
    amount = page[page.index('data-field="page_amount"'):]
    assert 'aria-invalid="true"' in amount[:1500] and "số nguyên" in amount[:3000]
    assert 'value="Tỉnh ủy"' in page  # what was typed stays
    assert instance.__class__.objects.values("revision", "state").get(pk=instance.pk) == before
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_a_draft_is_found_again(page_of, incoming):
    instance = incoming("register")
    task = open_task(instance, "register")
    clerk = page_of("vanthu")
    response = clerk.post(f"/viec/{task.pk}/", {"action": "draft", "subject": "Nháp trích yếu", "urgency": "khan"})
    assert response.status_code == 302
    assert FormDraft.objects.get(task=task).data == {"subject": "Nháp trích yếu", "urgency": "khan"}
    page = clerk.get(f"/viec/{task.pk}/").content.decode()
    assert ">Nháp trích yếu</textarea>" in page and '<option value="khan" selected>' in page


def test_completing_goes_straight_to_the_next_task(page_of, incoming):
    instance = incoming("receive")
    clerk = page_of("vanthu")
    receive = open_task(instance, "receive")
    response = clerk.post(f"/viec/{receive.pk}/", {"action": "complete", "valid": "1"})
    register = open_task(instance, "register")
    assert response.status_code == 302 and response["Location"] == f"/viec/{register.pk}/"


def test_person_pickers_offer_only_the_holders_of_the_role(page_of, incoming):
    instance = incoming("present")
    page = page_of("vanthu").get(f"/viec/{open_task(instance).pk}/").content.decode()
    picker = page[page.index('id="f-presented_to"'):]
    picker = picker[:picker.index("</select>")]
    offered = set(re.findall(r'<option value="([^"]+)"', picker))
    leaders = {"bithu", "phobithu"}  # lanh_dao of the Party committee in the demo
    assert offered == leaders


def test_another_bodys_task_by_url_is_not_found_and_on_record(page_of, incoming):
    instance = incoming("receive", starter="vanthuubnd")  # the People's Committee's clerk
    task = open_task(instance)
    response = page_of("vanthu").get(f"/viec/{task.pk}/")
    assert response.status_code == 404 and "Không tìm thấy" in response.content.decode()
    denial = AuditEvent.objects.filter(stream="access", action="access_denied").latest("seq")
    assert denial.actor.username == "vanthu" and denial.after["path"] == f"/viec/{task.pk}/"
    assert page_of("vanthu").get(f"/ho-so/{instance.pk}/").status_code == 404
    assert page_of("vanthu").post(f"/viec/{task.pk}/nhan/").status_code == 404


def test_instance_page_diagram_and_timeline(page_of, incoming):
    instance = incoming("assign")
    leader = page_of("bithu")
    page = leader.get(f"/ho-so/{instance.pk}/").content.decode()
    assert "data-diagram-url" in page and "Lịch sử" in page and "Phạm Thị Lan" in page
    diagram = leader.get(f"/ho-so/{instance.pk}/so-do.json").json()
    assert "<bpmn:definitions" in diagram["bpmn"]
    assert diagram["states"]["receive"] == "completed" and diagram["states"]["assign"] == "active"


def test_notifications_list_and_mark_read(page_of, incoming):
    instance = incoming("assign")
    leader = User.objects.get(username="bithu")
    notice = Notification.objects.create(user=leader, instance=instance, kind="reminder", message="Sắp đến hạn")
    other = Notification.objects.create(user=User.objects.get(username="vanthu"), kind="x", message="Không phải")
    browser = page_of("bithu")
    page = browser.get("/thong-bao/").content.decode()
    assert "Sắp đến hạn" in page and "Không phải" not in page
    assert f"/viec/{open_task(instance).pk}/" in page  # a notice links to the task it is about
    assert '<span class="count"' in browser.get("/").content.decode()
    browser.post(f"/thong-bao/{notice.pk}/da-doc/")
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert browser.post(f"/thong-bao/{other.pk}/da-doc/").status_code == 404


@pytest.mark.parametrize("path", ["/", "/quy-trinh/", "/thong-bao/"])
def test_pages_need_a_signed_in_person(demo, path):
    response = Client().get(path)
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def test_only_process_administrators_cancel_and_with_a_reason(page_of, incoming):
    instance = incoming("assign")
    leader = page_of("bithu")
    assert "Hủy quy trình" not in leader.get(f"/ho-so/{instance.pk}/").content.decode()
    assert leader.post(f"/ho-so/{instance.pk}/huy/", {"reason": "Nhập trùng"}).status_code == 403
    assert AuditEvent.objects.filter(stream="access", action="access_denied", actor__username="bithu").exists()
    admin = page_of("admin")
    assert "Hủy quy trình" in admin.get(f"/ho-so/{instance.pk}/").content.decode()
    admin.post(f"/ho-so/{instance.pk}/huy/", {"reason": " "})
    instance.refresh_from_db()
    assert instance.status == "running"  # a reason is required
    admin.post(f"/ho-so/{instance.pk}/huy/", {"reason": "Nhập trùng"})
    instance.refresh_from_db()
    assert instance.status == "cancelled"
    assert AuditEvent.objects.get(instance=instance, action="instance_cancelled").after == {"reason": "Nhập trùng"}
