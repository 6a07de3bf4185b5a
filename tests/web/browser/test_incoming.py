"""The incoming document through the pages, in headless Chromium, by the people whose work it is;
with a form error, a draft, a claim from the group queue, another body's task, a phone's width and
axe-core on every kind of page."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from engine import access, services
from engine.models import AuditEvent, InstanceStatus, ProcessInstance, Task, TaskStatus
from forms.models import FormDraft

from .conftest import PHONE
from .helpers import FUTURE, complete, fill_form

pytestmark = [pytest.mark.slow]

SUBJECT = "V/v triển khai Sổ tay đảng viên điện tử"


def start_incoming(page, site):
    page.goto(site + "/quy-trinh/")
    page.get_by_role("button", name="Xử lý văn bản đến").click()
    page.wait_for_url(re.compile(r"/viec/[0-9a-f-]+/$"))
    return Task.objects.get(pk=page.url.rstrip("/").rsplit("/", 1)[-1])


def test_incoming_document_end_to_end(pages, site, axe, screenshot):
    clerk = pages.open("vanthu")
    axe(clerk, name="worklist (empty)")
    receive = start_incoming(clerk, site)
    assert receive.bpmn_id == "receive"
    instance = receive.instance
    axe(clerk, name="task page")
    fill_form(clerk, {"valid": True})
    complete(clerk)
    # Straight on to the next task the step opened for the clerk: registering it.
    clerk.wait_for_selector("[data-field=subject]")
    assert Task.objects.get(instance=instance, status=TaskStatus.OPEN).bpmn_id == "register"
    fill_form(clerk, {"organ_name": "Tỉnh ủy Vĩnh Long", "subject": SUBJECT, "urgency": "khan"})
    complete(clerk)
    clerk.wait_for_selector("[data-field=presented_to]")
    offered = clerk.locator("#f-presented_to option").evaluate_all("os => os.map(o => o.value).filter(Boolean)")
    assert set(offered) == {"bithu", "phobithu"}  # only the leaders may be chosen
    fill_form(clerk, {"presented_to": "bithu"})
    complete(clerk)
    clerk.wait_for_url(site + "/")
    assert "Đã hoàn thành" in clerk.locator(".messages").first.inner_text()

    # The secretary assigns it from a phone.
    leader = pages.open("bithu", viewport=PHONE)
    row = leader.locator(f"li.task:has-text('{SUBJECT}')")
    row.locator("a.task-name").click()
    leader.wait_for_selector("[data-field=lead_handler]")
    fill_form(leader, {"lead_handler": "chuyenvien", "co_handlers": ["chuyenvien2"], "deadline": FUTURE,
                       "instructions": "Ban Xây dựng Đảng chủ trì, báo cáo trước hạn."})
    assert leader.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(leader, "task-phone")
    complete(leader)
    leader.wait_for_url(site + "/")

    # The specialist handles it, then reports (the next task opens straight away).
    specialist = pages.open("chuyenvien")
    specialist.locator(f"li.task:has-text('{SUBJECT}') a.task-name").click()
    specialist.wait_for_selector("[data-field=outcome]")
    assert "Ban Xây dựng Đảng chủ trì" in specialist.locator(".timeline").inner_text()  # the leader's instructions
    fill_form(specialist, {"outcome": ["done"], "result_summary": "Đã triển khai tới 34 chi bộ."})
    screenshot(specialist, "task")
    complete(specialist)
    people = {"chuyenvien": specialist, "bithu": leader, "chuyenvien2": None}
    for _step in range(5):  # whatever the procedure asks of the specialist next, then of the leader
        open_rows = list(Task.objects.filter(instance=instance, status=TaskStatus.OPEN))
        if not open_rows:
            break
        row = open_rows[0]
        doers = [name for name in people if access.acts_on(User.objects.get(username=name), row)]
        assert doers, f"nobody here may do {row.bpmn_id} ({row.candidate_group}@{row.body}, {row.assignee})"
        actor = people[doers[0]] or pages.open(doers[0])
        people[doers[0]] = actor
        actor.goto(f"{site}/viec/{row.pk}/")
        fill_form(actor)
        complete(actor)
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    done_by = dict(Task.objects.filter(instance=instance, status=TaskStatus.COMPLETED)
                   .values_list("bpmn_id", "completed_by__username"))
    assert done_by["receive"] == done_by["register"] == done_by["present"] == "vanthu"
    assert done_by["assign"] == "bithu" and done_by["handle"] == "chuyenvien"

    # The instance page: the diagram with its steps marked, the timeline.
    leader.goto(f"{site}/ho-so/{instance.pk}/")
    leader.wait_for_selector("[data-testid=diagram][data-ready=true]")
    assert leader.locator(".djs-element.step-completed").count() >= 5
    assert "Ban Xây dựng Đảng chủ trì" in leader.locator(".timeline").inner_text()
    axe(leader, name="instance page")
    desk = pages.open("bithu")
    desk.goto(f"{site}/ho-so/{instance.pk}/")
    desk.wait_for_selector("[data-testid=diagram][data-ready=true]")
    screenshot(desk, "instance")


def test_a_form_error_is_shown_inline_and_nothing_is_stored(pages, site):
    clerk = pages.open("vanthu")
    receive = start_incoming(clerk, site)
    fill_form(clerk, {"valid": True})
    complete(clerk)
    clerk.wait_for_selector("[data-field=subject]")
    register = Task.objects.get(instance=receive.instance, status=TaskStatus.OPEN)
    before = ProcessInstance.objects.values("revision", "state").get(pk=register.instance_id)
    fill_form(clerk, {"organ_name": "Tỉnh ủy", "subject": " ", "page_amount": "ba trang"})
    complete(clerk)
    subject = clerk.locator("[data-field=subject]")
    assert "Trường này là bắt buộc." in subject.locator(".errors").inner_text()
    assert subject.locator("textarea").get_attribute("aria-invalid") == "true"
    assert "số nguyên" in clerk.locator("[data-field=page_amount] .errors").inner_text()
    assert clerk.locator("#f-organ_name").input_value() == "Tỉnh ủy"  # what was typed stays
    assert clerk.evaluate("document.activeElement.matches('[data-error-summary]')")  # the keyboard goes there
    assert ProcessInstance.objects.values("revision", "state").get(pk=register.instance_id) == before
    assert Task.objects.get(pk=register.pk).status == TaskStatus.OPEN


def test_a_draft_is_saved_and_found_again(pages, site):
    clerk = pages.open("vanthu")
    receive = start_incoming(clerk, site)
    fill_form(clerk, {"valid": True})
    complete(clerk)
    clerk.wait_for_selector("[data-field=subject]")
    task_url = clerk.url
    clerk.fill("#f-subject", "Bản nháp: kế hoạch tổng kết năm")
    clerk.select_option("#f-urgency", "thuong_khan")
    clerk.click("button[name=action][value=draft]")
    clerk.wait_for_load_state()
    assert "Đã lưu nháp" in clerk.locator(".messages").first.inner_text()
    clerk.goto(site + "/")
    clerk.goto(task_url)
    assert clerk.locator("#f-subject").input_value() == "Bản nháp: kế hoạch tổng kết năm"
    assert clerk.locator("#f-urgency").input_value() == "thuong_khan"
    task = Task.objects.get(instance=receive.instance, status=TaskStatus.OPEN)
    assert FormDraft.objects.get(task=task).data["urgency"] == "thuong_khan"


def test_claim_from_the_group_queue(pages, site, axe, screenshot):
    clerk = User.objects.get(username="vanthu")
    for subject in ("Giấy mời họp Ban Chấp hành", "Kế hoạch kiểm tra, giám sát năm"):
        services.start("incoming_document", actor=clerk, subject=subject)
    page = pages.open("vanthu")
    page.click("[data-queue=group]")
    page.wait_for_url(re.compile(r"queue=group"))
    assert page.locator("li.task").count() == 2
    axe(page, name="worklist")
    screenshot(page, "worklist-unit")
    mine = page.locator("[data-queue=mine] .count")
    assert mine.inner_text() == "0"
    page.locator("li.task").first.get_by_role("button", name=re.compile("Nhận việc")).click()
    expect(mine).to_have_text("1")
    expect(page.locator("li.task")).to_have_count(1)  # it left the unit's queue for the clerk's own
    assert "Bạn đã nhận việc" in page.locator("#worklist .messages").inner_text()
    assert Task.objects.filter(assignee=clerk, status=TaskStatus.OPEN).count() == 1
    assert "/viec/" not in page.url  # no full navigation: the list was swapped in place


def test_another_bodys_task_by_url_is_not_found(pages, site):
    state_clerk = User.objects.get(username="vanthuubnd")
    instance = services.start("incoming_document", actor=state_clerk)
    task = Task.objects.get(instance=instance)
    page = pages.open("vanthu")
    response = page.goto(f"{site}/viec/{task.pk}/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Không tìm thấy").is_visible()
    denial = AuditEvent.objects.filter(stream="access", action="access_denied").order_by("-seq").first()
    assert denial.actor.username == "vanthu" and denial.after["path"] == f"/viec/{task.pk}/"


def test_at_a_phones_width_the_worklist_and_a_task_work(pages, site, axe):
    page = pages.open(None, viewport=PHONE)
    page.goto(site + "/")
    axe(page, name="sign-in page")
    assert page.get_by_role("heading", name="Đăng nhập").is_visible()
    assert not page.locator("#id_remember").is_checked()
    # Only the keyboard: type, tab, press Enter.
    page.keyboard.press("Tab")  # the skip link
    page.focus("#id_username")
    page.keyboard.type("vanthu")
    page.keyboard.press("Tab")
    page.keyboard.type("quytrinh-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(site + "/")
    receive = start_incoming(page, site)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.focus("#f-valid")
    page.keyboard.press("Space")
    page.focus("button[name=action][value=complete]")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-field=subject]")
    assert Task.objects.get(pk=receive.pk).status == TaskStatus.COMPLETED
    page.goto(site + "/?queue=group")  # registering is offered to the clerks
    assert page.locator("li.task").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_worklist_shows_deadlines_in_working_days_and_urgency(pages, site, screenshot):
    clerk = User.objects.get(username="vanthu")
    now = timezone.now()
    local_end_of_today = timezone.localtime(now).replace(hour=23, minute=59, second=0, microsecond=0)
    rows = {}
    for subject, due_at, priority in [
            ("Báo cáo tổng kết công tác xây dựng Đảng", now - timedelta(days=3), 3),
            ("Giấy mời dự hội nghị sơ kết", local_end_of_today, 1),
            ("Kế hoạch học tập nghị quyết", now + timedelta(days=21), 0)]:
        instance = services.start("incoming_document", actor=clerk, subject=subject)
        task = services.claim(Task.objects.get(instance=instance), actor=clerk)
        # A display test: the deadlines and urgencies are set on the task rows as a step would project them.
        Task.objects.filter(pk=task.pk).update(due_at=due_at, priority=priority, subject=subject)
        rows[subject] = task.pk
    page = pages.open("vanthu")
    overdue = page.locator(f"li.task[data-task='{rows['Báo cáo tổng kết công tác xây dựng Đảng']}']")
    assert "due-overdue" in overdue.get_attribute("class")
    assert re.search(r"quá hạn \d+ ngày làm việc", overdue.locator(".deadline").inner_text())
    assert overdue.locator(".badge").inner_text() == "Hỏa tốc"
    today = page.locator(f"li.task[data-task='{rows['Giấy mời dự hội nghị sơ kết']}']")
    assert "due-today" in today.get_attribute("class") and "hạn hôm nay" in today.inner_text()
    later = page.locator(f"li.task[data-task='{rows['Kế hoạch học tập nghị quyết']}']")
    assert re.search(r"còn \d+ ngày làm việc", later.inner_text())
    # Nearest deadline first; the filter for overdue work keeps only the late one, without a reload.
    assert page.locator("li.task").first.get_attribute("data-task") == str(overdue.get_attribute("data-task"))
    page.click(".filters summary")
    page.check("#f-overdue")
    expect(page.locator("li.task")).to_have_count(1)
    assert "overdue=1" in page.url
    page.uncheck("#f-overdue")
    expect(page.locator("li.task")).to_have_count(3)
    screenshot(page, "worklist", full_page=False)
    phone = pages.open("vanthu", viewport=PHONE)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "worklist-phone")
