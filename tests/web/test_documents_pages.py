"""The register and document pages through Django's test client, on the demo commune: the filters and
pages of a register, and a confidential document as its clerk, a granted reader, the competent person
and another body see it (exactly what ``documents.access`` allows, refusals on record)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from documents import access, grants, records
from documents.models import ConfidentialGrant, Direction, Document, DocumentProcess, DocumentType, Register
from engine.models import AuditEvent

from .conftest import open_task

PDF = b"%PDF-1.7\n% noi dung van ban\n"
SECRET_SUBJECT = "Phương án bảo vệ mục tiêu trọng yếu năm 2027"


def listed(page: str) -> list[str]:
    return re.findall(r'data-document="([0-9a-f-]+)"', page)


def make(subject: str, *, level: str = "", number: str = "01", urgency: str = "thuong", due_days: int | None = None,
         type_code: str | None = None, body: str = "dang_uy_xa") -> Document:
    document = records.save(Document(
        direction=Direction.INCOMING, body=body, subject=subject, code_number=number, code_notation="CV/TU",
        organ_name="Tỉnh ủy", confidentiality=level, urgency=urgency,
        document_type=DocumentType.objects.filter(code=type_code).first() if type_code else None,
        due_date=timezone.localdate() + timedelta(days=due_days) if due_days is not None else None))
    return records.register_incoming(document)


@pytest.fixture
def papers(demo, files_dir):
    """An ordinary, a Mật (with its PDF, granted to chuyenvien2) and a Tuyệt mật document of the
    Party committee, and one of the People's Committee."""
    bithu = User.objects.get(username="bithu")
    ordinary = make("Kế hoạch triển khai Sổ tay đảng viên", number="11", urgency="khan", due_days=-3,
                    type_code=DocumentType.objects.order_by("code").values_list("code", flat=True).first())
    records.attach(ordinary, PDF, name="so-tay.pdf")
    secret = make("Báo cáo tình hình an ninh quý IV", level="mat", number="12")
    records.attach(secret, PDF, name="bao-cao.pdf")
    grants.grant(secret, username="chuyenvien2", subject=True, actor=bithu)
    top = make(SECRET_SUBJECT, level="tuyet_mat", number="13", due_days=5)
    grants.grant(top, username="chuyenvien2", subject=True, actor=bithu)
    other = make("Kế hoạch của Ủy ban nhân dân xã", number="14", body="ubnd_xa")
    return {"ordinary": ordinary, "secret": secret, "top": top, "other": other}


def denied(path: str, username: str) -> bool:
    return AuditEvent.objects.filter(stream="access", action="access_denied", actor__username=username,
                                     after__path=path).exists()


def test_the_register_filters_and_searches(page_of, papers):
    clerk = page_of("vanthu")
    everything = listed(clerk.get("/van-ban/").content.decode())
    mine = {str(papers[name].pk) for name in ("ordinary", "secret", "top")}
    assert set(everything) == mine  # the People's Committee's document is not the Party clerk's
    open_register = Register.objects.get(body__code="dang_uy_xa", direction="incoming", secret=False)
    page = clerk.get(f"/van-ban/?register={open_register.pk}").content.decode()
    assert listed(page) == [str(papers["ordinary"].pk)]
    assert f'id="documents-list-heading">{open_register.name}</h2>' in page
    partial = clerk.get(f"/van-ban/?register={open_register.pk}", HTTP_HX_REQUEST="true")
    assert partial.content.decode().startswith('<section aria-labelledby="documents-list-heading" id="documents">')
    assert listed(partial.content.decode()) == [str(papers["ordinary"].pk)] and "HX-Request" in partial["Vary"]
    assert listed(clerk.get("/van-ban/?urgency=khan").content.decode()) == [str(papers["ordinary"].pk)]
    assert listed(clerk.get("/van-ban/?overdue=1").content.decode()) == [str(papers["ordinary"].pk)]
    type_code = papers["ordinary"].document_type.code
    assert listed(clerk.get(f"/van-ban/?type={type_code}").content.decode()) == [str(papers["ordinary"].pk)]
    assert set(listed(clerk.get("/van-ban/?status=registered").content.decode())) == mine
    assert listed(clerk.get("/van-ban/?status=done").content.decode()) == []
    today = timezone.localdate()
    assert set(listed(clerk.get(f"/van-ban/?since={today}&until={today}").content.decode())) == mine
    assert listed(clerk.get(f"/van-ban/?since={today + timedelta(days=1)}").content.decode()) == []
    # words without diacritics find the subject; nonsense values are ignored, not errors
    assert listed(clerk.get("/van-ban/?q=so tay dang vien").content.decode()) == [str(papers["ordinary"].pk)]
    assert set(listed(clerk.get("/van-ban/?register=x&since=hôm-qua&urgency=rat").content.decode())) == mine


def test_a_top_secret_subject_stays_hidden_from_the_clerk_in_the_list_and_the_search(page_of, papers):
    clerk, top = page_of("vanthu"), str(papers["top"].pk)
    page = clerk.get("/van-ban/").content.decode()
    row = page[page.index(f'data-document="{top}"'):][:1500]
    assert access.HIDDEN_SUBJECT in row and SECRET_SUBJECT not in page
    assert listed(clerk.get("/van-ban/?q=bao ve muc tieu").content.decode()) == []
    granted = page_of("chuyenvien2")
    assert listed(granted.get("/van-ban/?q=bao ve muc tieu").content.decode()) == [top]
    assert SECRET_SUBJECT in granted.get(f"/van-ban/{top}/").content.decode()


def test_pages_follow_one_another_without_repeating(page_of, demo):
    for n in range(30):
        make(f"Công văn số {n}", number=str(100 + n))
    clerk = page_of("vanthu")
    first = clerk.get("/van-ban/?q=cong van").content.decode()
    assert len(listed(first)) == 25
    following = re.search(r'href="\?([^"]+)"[^>]*rel="next"', first).group(1).replace("&amp;", "&")
    second = clerk.get(f"/van-ban/?{following}").content.decode()
    assert len(listed(second)) == 5 and not set(listed(first)) & set(listed(second))
    assert 'rel="next"' not in second


def test_a_confidential_document_as_its_clerk(page_of, papers):
    clerk, secret = page_of("vanthu"), papers["secret"]
    page = clerk.get(f"/van-ban/{secret.pk}/").content.decode()
    assert "Báo cáo tình hình an ninh quý IV" in page and "12-CV/TU" in page  # the metadata, as for any document
    assert 'data-testid="content-closed"' in page and "data-pdf-url" not in page and "/tep/" not in page
    assert 'data-testid="grants"' not in page
    file = secret.files.get()
    path = f"/van-ban/{secret.pk}/tep/{file.pk}/"
    assert clerk.get(path).status_code == 403 and denied(path, "vanthu")
    top = clerk.get(f"/van-ban/{papers['top'].pk}/").content.decode()
    assert SECRET_SUBJECT not in top and f"<h1>{access.HIDDEN_SUBJECT}</h1>" in top


def test_a_confidential_document_as_a_granted_reader(page_of, papers):
    reader, secret = page_of("chuyenvien2"), papers["secret"]
    stream = f"document:{secret.pk}"
    page = reader.get(f"/van-ban/{secret.pk}/").content.decode()
    file = secret.files.get()
    url = f"/van-ban/{secret.pk}/tep/{file.pk}/"
    assert f'data-pdf-url="{url}"' in page and 'data-testid="content-closed"' not in page
    response = reader.get(url)
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Type"] == "application/pdf" and "bao-cao.pdf" in response["Content-Disposition"]
    opened = list(AuditEvent.objects.filter(stream=stream, action="confidential_opened")
                  .values_list("actor__username", "after__what"))
    assert opened[-2:] == [("chuyenvien2", "files"), ("chuyenvien2", "content")]
    # a file of another document through this one is not found
    other = papers["ordinary"].files.get()
    assert reader.get(f"/van-ban/{secret.pk}/tep/{other.pk}/").status_code == 404


def test_another_body_gets_not_found_and_it_is_on_record(page_of, papers):
    stranger, secret = page_of("vanthuubnd"), papers["secret"]
    for path in (f"/van-ban/{secret.pk}/", f"/van-ban/{secret.pk}/tep/{secret.files.get().pk}/"):
        response = stranger.get(path)
        assert response.status_code == 404 and denied(path, "vanthuubnd"), path
    assert listed(stranger.get("/van-ban/").content.decode()) == [str(papers["other"].pk)]


def test_the_competent_person_grants_and_revokes(page_of, papers):
    secret = papers["secret"]
    competent = page_of("bithu")
    page = competent.get(f"/van-ban/{secret.pk}/").content.decode()
    assert 'data-testid="grants"' in page and "chuyenvien2" in page
    assert page_of("chuyenvien").get(f"/van-ban/{secret.pk}/").status_code == 404
    response = competent.post(f"/van-ban/{secret.pk}/cho-phep/", {"username": "chuyenvien", "subject": "on"})
    assert response.status_code == 302
    row = ConfidentialGrant.objects.get(document=secret, user__username="chuyenvien", revoked_at__isnull=True)
    reader = page_of("chuyenvien")
    assert "data-pdf-url" in reader.get(f"/van-ban/{secret.pk}/").content.decode()
    # an unknown name is refused in the page, nothing stored
    page = competent.post(f"/van-ban/{secret.pk}/cho-phep/", {"username": "khongco"}, follow=True).content.decode()
    assert 'class="message error"' in page and ConfidentialGrant.objects.filter(document=secret).count() == 2
    # a leader who is not the competent person cannot grant or revoke, and the refusal is on record
    leader = page_of("phobithu")
    leader.post(f"/van-ban/{secret.pk}/cho-phep/", {"username": "chuyenvien3"})
    leader.post(f"/van-ban/{secret.pk}/cho-phep/{row.pk}/thu-hoi/")
    assert ConfidentialGrant.objects.filter(document=secret, revoked_at__isnull=True).count() == 2
    assert denied(f"/van-ban/{secret.pk}/cho-phep/", "phobithu")
    competent.post(f"/van-ban/{secret.pk}/cho-phep/{row.pk}/thu-hoi/")
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by.username == "bithu"
    assert reader.get(f"/van-ban/{secret.pk}/").status_code == 404
    actions = list(AuditEvent.objects.filter(stream=f"document:{secret.pk}").values_list("action", flat=True))
    assert actions.count("access_granted") == 2 and actions.count("access_revoked") == 1


def test_links_and_processes_on_the_document_page(page_of, papers, incoming):
    instance = incoming("present", subject="Đề nghị báo cáo kết quả")
    asked = DocumentProcess.objects.get(instance=instance).document
    reply = make("Báo cáo kết quả theo đề nghị", number="21")
    records.link(reply, asked, kind="replies_to")
    clerk = page_of("vanthu")
    page = clerk.get(f"/van-ban/{asked.pk}/").content.decode()
    links = page[page.index('data-testid="links"'):][:1000]
    assert f"/van-ban/{reply.pk}/" in links and "Báo cáo kết quả theo đề nghị" in links
    processes = page[page.index('data-testid="processes"'):][:1000]
    assert f"/ho-so/{instance.pk}/" in processes
    assert f"/van-ban/{asked.pk}/" in clerk.get(f"/van-ban/{reply.pk}/").content.decode()


def test_the_task_page_links_its_document_and_shows_its_pdf(page_of, incoming, files_dir):
    instance = incoming("present")
    document = DocumentProcess.objects.get(instance=instance).document
    file = records.attach(document, PDF, name="cong-van.pdf")
    task = open_task(instance, "present")
    page = page_of("vanthu").get(f"/viec/{task.pk}/").content.decode()
    block = page[page.index('id="documents-heading"'):]
    assert f'href="/van-ban/{document.pk}/"' in block
    assert f'data-pdf-url="/van-ban/{document.pk}/tep/{file.pk}/"' in block
    assert 'type="module" src="/static/web/vendor/pdfview.js"' in block and "pdf.worker.min.js" in block


@pytest.mark.parametrize("path", ["/van-ban/", "/van-ban/00000000-0000-0000-0000-000000000000/"])
def test_document_pages_need_a_signed_in_person(demo, client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def test_the_register_book_and_follow_up_report_for_its_people_only(page_of, papers):
    open_register = Register.objects.get(body__code="dang_uy_xa", direction="incoming", secret=False)
    secret_register = Register.objects.get(body__code="dang_uy_xa", direction="incoming", secret=True)
    clerk = page_of("vanthu")
    page = clerk.get(f"/van-ban/?register={open_register.pk}").content.decode()
    links = re.findall(r'href="(/van-ban/so/\d+/bao-cao/\?[^"]+)"', page[page.index('data-testid="reports"'):])
    assert len(links) == 4  # the book and the follow-up report, as XLSX and PDF
    book = clerk.get(links[0].replace("&amp;", "&"))
    assert book.status_code == 200 and book["Content-Type"].startswith("application/vnd.openxmlformats")
    pdf = clerk.get(f"/van-ban/so/{secret_register.pk}/bao-cao/?kind=follow_up&output=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # a leader sees the secret register's documents one by one, but not its report; the refusal is on record
    leader = page_of("phobithu")
    assert 'data-testid="reports"' not in leader.get(f"/van-ban/?register={secret_register.pk}").content.decode()
    path = f"/van-ban/so/{secret_register.pk}/bao-cao/"
    assert leader.get(path).status_code == 403 and denied(path, "phobithu")
    # another body's register is not found
    assert page_of("vanthuubnd").get(path).status_code == 404 and denied(path, "vanthuubnd")
