"""Case files are closed in the admin, on record; a closed one no longer changes and none is deleted."""

from django.contrib.auth.models import User

from documents.models import CaseFile
from engine.models import AuditEvent


def test_an_administrator_closes_a_case_file_on_record_and_it_changes_no_more(office, client):
    admin = User.objects.get(username="admin")
    client.force_login(admin)
    case = CaseFile.objects.create(body="dang_uy_xa", code="01", year=2026, title="Hồ sơ đại hội chi bộ")
    page = "/admin/documents/casefile/"

    closed = client.post(page, {"action": "close", "_selected_action": [case.pk]})
    assert closed.status_code == 302
    case.refresh_from_db()
    assert case.closed_at is not None
    [event] = AuditEvent.objects.filter(stream=f"case_file:{case.pk}", action="case_file_closed")
    assert event.actor == admin and event.after["code"] == "01"

    again = client.post(page, {"action": "close", "_selected_action": [case.pk]}, follow=True)
    assert AuditEvent.objects.filter(stream=f"case_file:{case.pk}").count() == 1  # closed once
    assert "01/2026" in again.content.decode()
    edit = client.post(f"{page}{case.pk}/change/", {"body": "x", "code": "02", "year": 2026, "title": "Đổi"})
    assert edit.status_code == 403 and CaseFile.objects.get(pk=case.pk).code == "01"
    assert client.post(f"{page}{case.pk}/delete/", {"post": "yes"}).status_code == 403
