"""Retention (issue 15 §6): a closed case file leaves as one archive whose manifest and audit chains
verify anywhere, a damaged archive is named as such, an open case file is refused; and nothing in
the application deletes a document, a file or an audit event."""

import hashlib
import io
import json
import tarfile

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.translation import gettext
from django.views.generic import RedirectView

from documents import records
from documents.models import (
    Blob,
    CaseFile,
    Document,
    DocumentFile,
    DocumentLink,
    DocumentProcess,
    NumberEntry,
)
from engine import audit, services
from engine.models import AuditEvent, AuditStream, InstanceStatus, ProcessInstance, Task, TaskStatus
from operations import archive, casefiles
from operations.exceptions import BackupError
from signing import documents as signed_files
from signing.models import DocumentFile as SignedFile
from signing.models import FileKind, VerificationReport
from signing.verify import verify_and_store

BODY = "dang_uy_xa"
REGISTERED = {"urgency": "thuong", "organ_name": "Tỉnh ủy", "code_number": "132", "code_notation": "CV/TU",
              "document_type": "cong_van", "subject": "V/v triển khai Sổ tay đảng viên điện tử"}


def _step(instance, bpmn_id, data, actor):
    task = Task.objects.get(instance=instance, bpmn_id=bpmn_id, status=TaskStatus.OPEN)
    services.complete(task, data=data, actor=actor)


@pytest.fixture
def people(office):
    return {user.username: user for user in User.objects.filter(username__in=[
        "vanthu", "bithu", "truongbanxdd", "chuyenvien"])}


@pytest.fixture
def handled(people, files_dir, trusted, sealed):
    """A signed công văn verified on upload (the procedure files that PDF as the document's main file),
    run through the incoming procedure to the end, and a second version of the file attached."""
    vanthu = people["vanthu"]
    row = signed_files.store(sealed, kind=FileKind.INCOMING, file_name="132-CV-TU.pdf", created_by=vanthu)
    report = verify_and_store(sealed, file_name="132-CV-TU.pdf", file=row, created_by=vanthu)
    instance = services.start("incoming_document", actor=vanthu, body=BODY, business_key="132-CV/TU",
                              data={"verification_id": report.pk, "subject": REGISTERED["subject"],
                                    "organ_name": "Tỉnh ủy"})
    _step(instance, "receive", {"valid": True}, vanthu)
    _step(instance, "register", REGISTERED, vanthu)
    _step(instance, "present", {"presented_to": "bithu"}, vanthu)
    _step(instance, "assign", {"lead_unit": "ban_xay_dung_dang", "co_units": [], "instructions": "Chủ trì"},
          people["bithu"])
    _step(instance, "distribute", {"lead_handler": "chuyenvien"}, people["truongbanxdd"])
    _step(instance, "handle", {"outcome": "done", "result_summary": "Đã triển khai"}, people["chuyenvien"])
    _step(instance, "report", {"report": "Đã triển khai tới 34 chi bộ"}, people["chuyenvien"])
    _step(instance, "close", {"conclusion": "Hoàn thành"}, people["bithu"])
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    document = Document.objects.get(processes__instance=instance)
    records.attach(document, b"%PDF-1.7\n% ban chup lai\n", name="132-CV-TU.pdf", actor=vanthu)  # version 2
    case = CaseFile.objects.create(body=BODY, code="01.XDD", year=2026, title="Sổ tay đảng viên điện tử",
                                   opened_by=vanthu)
    case.documents.add(document)
    return {"case": case, "document": document, "instance": instance, "report": report, "signed": row,
            "sealed": sealed}


def _members(path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {info.name: tar.extractfile(info).read() for info in tar}  # type: ignore[union-attr]


def _rewrite(source, target, name, change):
    """A copy of the archive with one member's bytes changed, as a careless copy or an attacker would."""
    with tarfile.open(source) as tar_in, tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar_out:
        for info in tar_in:
            content = tar_in.extractfile(info).read()  # type: ignore[union-attr]
            if info.name == name:
                content = change(content)
                info.size = len(content)
            tar_out.addfile(info, io.BytesIO(content))


def test_a_closed_case_file_is_exported_whole_and_its_manifest_verifies(handled, tmp_path, people):
    case, document, instance = handled["case"], handled["document"], handled["instance"]
    case.closed_at = timezone.now()
    case.save()
    path = tmp_path / "ho-so.tar"
    out = io.StringIO()
    call_command("export_case_file", str(case.pk), str(path), "--by", "vanthu", stdout=out)
    assert path.exists() and not path.with_name("ho-so.tar.partial").exists()
    assert path.stat().st_mode & 0o077 == 0

    members = _members(path)
    manifest = json.loads(members["manifest.json"])
    assert manifest["format"] == "quytrinh-case-file" and manifest["subject"]["code"] == "01.XDD"
    assert hashlib.sha256(members["manifest.json"]).hexdigest() == members["manifest.sha256"].decode().strip()
    # the document's metadata, and every version of its file byte for byte
    meta = json.loads(members[f"documents/{document.pk}/document.json"])
    assert meta["code_notation"] == "CV/TU" and meta["arrival_number"] == 1
    assert [(f["version"], f["name"]) for f in meta["files"]] == [(1, "132-CV-TU.pdf"), (2, "132-CV-TU.pdf")]
    assert members[f"documents/{document.pk}/files/main/v1/132-CV-TU.pdf"] == handled["sealed"]
    assert members[f"documents/{document.pk}/files/main/v2/132-CV-TU.pdf"] == b"%PDF-1.7\n% ban chup lai\n"
    assert meta["processes"] == [str(instance.pk)]
    # the signed PDF as verified, and its verification report
    assert members[f"signing/files/{handled['signed'].pk}.pdf"] == handled["sealed"]
    report = json.loads(members[f"signing/reports/{handled['report'].pk}.json"])
    assert report["verdict"] == "valid" and report["instance"] == str(instance.pk)
    # the instance's whole audit trail with its hash chain, the same as in the database
    trail = json.loads(members[f"audit/instance_{instance.pk}.json"])
    stored = list(AuditEvent.objects.filter(instance=instance).order_by("seq").values_list("hash", flat=True))
    assert [event["hash"] for event in trail["events"]] == stored
    assert trail["head"] == {"seq": len(stored), "hash": stored[-1]}
    assert {"document_received", "document_registered", "instance_completed"} <= {
        event["action"] for event in trail["events"]}

    # the export is on record, with the manifest's SHA-256, and the audit log is still whole
    exported = AuditEvent.objects.get(stream=f"case_file:{case.pk}", action="case_file_exported")
    assert exported.actor == people["vanthu"] and isinstance(exported.after, dict)
    assert exported.after["manifest_sha256"] == hashlib.sha256(members["manifest.json"]).hexdigest()
    assert audit.verify() == []

    checked = io.StringIO()
    call_command("export_case_file", str(path), "--verify", stdout=checked)
    assert "01.XDD/2026" in checked.getvalue()

    # a second export carries the first one's event in the case file's own trail
    again = tmp_path / "lan-2.tar"
    call_command("export_case_file", str(case.pk), str(again), stdout=io.StringIO())
    second = json.loads(_members(again)[f"audit/case_file_{case.pk}.json"])
    assert [e["action"] for e in second["events"]] == ["case_file_exported"]
    assert AuditEvent.objects.filter(stream=f"case_file:{case.pk}").count() == 2


def test_a_tampered_archive_fails_its_check_naming_the_member(handled, tmp_path):
    case, document = handled["case"], handled["document"]
    CaseFile.objects.filter(pk=case.pk).update(closed_at=timezone.now())
    path = tmp_path / "ho-so.tar"
    call_command("export_case_file", str(case.pk), str(path), stdout=io.StringIO())
    member = f"documents/{document.pk}/files/main/v1/132-CV-TU.pdf"

    tampered = tmp_path / "sua-tep.tar"
    _rewrite(path, tampered, member, lambda content: content.replace(b"595.2756", b"595.2757", 1))
    with pytest.raises(CommandError, match=member):
        call_command("export_case_file", str(tampered), "--verify")

    # an edited audit event, its member's hash recomputed into a forged manifest: the chain names it
    stream = f"audit/instance_{handled['instance'].pk}.json"
    forged = tmp_path / "sua-nhat-ky.tar"

    def edit(content):
        data = json.loads(content)
        data["events"][1]["actor"] = "nguoi_khac"
        return json.dumps(data).encode()

    _rewrite(path, forged, stream, edit)
    members = _members(forged)
    manifest = json.loads(members["manifest.json"])
    manifest["members"][stream] = {"sha256": hashlib.sha256(members[stream]).hexdigest(), "size": len(members[stream])}
    raw = json.dumps(manifest).encode()
    _rewrite(forged, tmp_path / "gia-mao.tar", "manifest.json", lambda _content: raw)
    _rewrite(tmp_path / "gia-mao.tar", forged, "manifest.sha256",
             lambda _content: hashlib.sha256(raw).hexdigest().encode())
    with pytest.raises(casefiles.CaseFileError) as refused:
        casefiles.verify(forged)
    assert gettext("%(name)s: event %(seq)s does not continue the hash chain") % {"name": stream, "seq": 2} in str(
        refused.value.message)

    # and a backup's restore refuses an export outright, before touching anything
    with pytest.raises(BackupError):
        archive.verify(path)


def test_an_open_case_file_is_refused(handled, tmp_path):
    case = handled["case"]
    with pytest.raises(CommandError) as refused:
        call_command("export_case_file", str(case.pk), str(tmp_path / "a.tar"))
    assert "01.XDD/2026" in str(refused.value) and not (tmp_path / "a.tar").exists()
    # closed, but a document's process still runs: the trail is not complete, refused too
    case.closed_at = timezone.now()
    case.save()
    running = services.start("incoming_document", actor=handled["instance"].started_by, body=BODY,
                             data={"subject": "Công văn khác", "organ_name": "UBND xã"})
    DocumentProcess.objects.create(document=handled["document"], instance=running)
    with pytest.raises(casefiles.CaseFileError, match=str(running.pk)):
        casefiles.export(case, tmp_path / "b.tar", actor="admin")
    assert not AuditEvent.objects.filter(stream=f"case_file:{case.pk}").exists()
    assert not list(tmp_path.glob("b.tar*"))


# --- nothing deletes them --------------------------------------------------------------------

#: What the archive law asks to keep, and what proves it: never deleted by the application.
RETAINED = (Document, DocumentFile, Blob, DocumentLink, DocumentProcess, NumberEntry, CaseFile, AuditEvent, AuditStream,
            SignedFile, VerificationReport, ProcessInstance)
#: The only routes that answer DELETE, and why: signing out deletes the caller's own API token.
DELETE_ALLOWED = {"api/v1/auth/token/"}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_admin_page_deletes_what_is_retained(db):
    request = RequestFactory().get("/admin/")
    request.user = User(username="root", is_superuser=True, is_staff=True, is_active=True)
    for model, model_admin in admin.site._registry.items():
        if model in RETAINED:
            assert not model_admin.has_delete_permission(request), model._meta.label
            assert "delete_selected" not in model_admin.get_actions(request), model._meta.label
        for inline in model_admin.get_inline_instances(request):
            if inline.model in RETAINED:
                assert not inline.has_delete_permission(request), (model._meta.label, inline.model._meta.label)


def test_deleting_what_the_admin_may_delete_never_cascades_into_what_is_retained(db):
    """A user, a body, a trust list… may be deleted in the admin: none of their deletions may take a
    retained row with it (those relations PROTECT or SET_NULL)."""
    request = RequestFactory().get("/admin/")
    request.user = User(username="root", is_superuser=True, is_staff=True, is_active=True)
    deletable = [model for model, model_admin in admin.site._registry.items()
                 if model_admin.has_delete_permission(request)]
    cascading: list[str] = []
    for start in deletable:
        seen, todo = {start}, [start]
        while todo:
            model = todo.pop()
            for relation in model._meta.related_objects:
                if relation.many_to_many or relation.on_delete is not models.CASCADE:
                    continue
                child = relation.related_model
                if child in RETAINED:
                    cascading.append(f"{start._meta.label} → {child._meta.label}")
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
    assert cascading == []


def test_the_api_has_no_delete_on_documents_files_or_audit_events():
    answering = set()
    for route, callback in _routes(get_resolver().url_patterns):
        actions = getattr(callback, "actions", None)  # a DRF viewset's method → action map
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if actions is not None:
            if "delete" in actions:
                answering.add(route)
        elif view is not None and hasattr(view, "delete") and not issubclass(view, RedirectView):
            answering.add(route)
    assert answering == DELETE_ALLOWED
