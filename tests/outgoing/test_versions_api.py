"""``/api/v1/documents/{id}/versions/``: who reads a draft's versions, who makes them, and what a
bad request gets."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engine.models import AuditEvent
from outgoing.models import DraftVersion

from .flow import PLAN, complete, document_of, start

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def drafted(client_of):
    """A Party plan drafted by chuyenvien, waiting for the unit head's content approval."""
    instance = start(client_of("chuyenvien"))["id"]
    complete(client_of("chuyenvien"), instance, "draft", {**PLAN, "number_text": "Số …-KH/ĐU"})
    return document_of(instance)


def test_the_drafter_and_the_reviewers_read_the_versions_with_their_reviews(client_of, drafted):
    for username in ("chuyenvien", "truongbanxdd"):
        listed = client_of(username).get(f"/api/v1/documents/{drafted.pk}/versions/")
        assert listed.status_code == 200, (username, listed.content)
        assert [v["number"] for v in listed.json()] == [1] and listed.json()[0]["fields"]["subject"] == PLAN["subject"]


@pytest.mark.parametrize("username", ["vanthuubnd", "tuphap", "bithuchibo1"])
def test_people_of_other_bodies_reach_nothing_and_it_is_on_record(client_of, drafted, username):
    client = client_of(username)
    denials = AuditEvent.objects.filter(stream="access").count()
    assert client.get(f"/api/v1/documents/{drafted.pk}/versions/").status_code == 404
    assert client.post(f"/api/v1/documents/{drafted.pk}/versions/", {"fields": {"subject": "x"}},
                       format="json").status_code == 404
    assert AuditEvent.objects.filter(stream="access").count() == denials + 2
    assert DraftVersion.objects.filter(document=drafted).count() == 1


def test_only_the_drafter_makes_a_version(client_of, drafted):
    refused = client_of("truongbanxdd").post(f"/api/v1/documents/{drafted.pk}/versions/",
                                             {"fields": {"subject": "Sửa hộ"}}, format="json")
    assert refused.status_code == 403 and "soạn thảo" in refused.json()["detail"]
    assert DraftVersion.objects.filter(document=drafted).count() == 1


def test_anonymous_gets_401(anonymous, drafted):
    assert anonymous.get(f"/api/v1/documents/{drafted.pk}/versions/").status_code == 401


def test_bad_requests_get_problem_details_and_change_nothing(client_of, drafted):
    drafter = client_of("chuyenvien")
    url = f"/api/v1/documents/{drafted.pk}/versions/"
    empty = drafter.post(url, {}, format="json")
    assert empty.status_code == 400 and "fields" in empty.json()["errors"]
    not_word = drafter.post(url, {"docx": SimpleUploadedFile("a.docx", b"not a zip")}, format="multipart")
    assert not_word.status_code == 400 and ".docx" in not_word.json()["detail"]
    wrong_type = drafter.post(url, {"fields": {"document_type": "khong_co"}}, format="json")
    assert wrong_type.status_code == 400
    unchanged = drafter.post(url, {"fields": {"subject": PLAN["subject"]}}, format="json")
    assert unchanged.status_code == 200 and unchanged.json()["number"] == 1  # nothing changed: no new version
    assert DraftVersion.objects.filter(document=drafted).count() == 1


def test_a_recipient_nothing_serves_is_refused_at_the_draft_by_its_code(client_of, drafted):
    """Before the signatures, not at issue: a code no body here and no exchange peer serves is named in
    the answer and no version is made; a Mật draft goes on paper, so its codes need no route."""
    url = f"/api/v1/documents/{drafted.pk}/versions/"
    drafter = client_of("chuyenvien")
    refused = drafter.post(url, {"fields": {"recipients": ["101.25.41.A41", "999.99.99.Z99"]}}, format="json")
    assert refused.status_code == 400, refused.content
    named = str(refused.json()["errors"]["recipients"])
    assert refused.json()["type"].endswith("/no_route") and "999.99.99.Z99" in named and "101.25.41.A41" not in named
    assert DraftVersion.objects.filter(document=drafted).count() == 1
    on_paper = drafter.post(url, {"fields": {"recipients": ["999.99.99.Z99"], "confidentiality": "mat"}}, format="json")
    assert on_paper.status_code == 201, on_paper.content
