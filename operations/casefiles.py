"""Exporting a closed case file (hồ sơ công việc) as one archive for the archive (Law 33/2024/QH15):
its documents' metadata and every version of their files, the signed and verified PDFs with their
verification reports, and the audit trail of the documents and of the processes that handled them,
with the hash chains, so the archive can be checked anywhere without quytrinh's database.

Which case file is *closed*: ``closed_at`` is set (the matter has ended, Decree 30 Art. 29) **and**
no process instance handling one of its documents is still running or suspended, so the trail in
the archive is the whole trail. Anything else is refused.

Layout (the same tar and manifest as a backup, ``format`` ``quytrinh-case-file``)::

    case_file.json                               the case file, its documents' ids, its instances
    documents/<id>/document.json                 metadata, files (each version), links, processes
    documents/<id>/files/<role>/v<version>/<name> every version of every file, as stored
    signing/files.json, signing/files/<id>.pdf   PDFs of the signing app (incoming, rendered, signed)
    signing/reports/<id>.json                    verification reports of those files
    audit/<stream>.json                          each stream's events with prev_hash and hash, and its head
    manifest.json, manifest.sha256

Every export is an event on the stream ``case_file:<id>`` (who, which archive, which documents).
"""

import hashlib
import json
import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from documents import blobs
from documents.models import CaseFile, Document, DocumentFile, DocumentLink, DocumentProcess
from engine import audit
from engine.models import AuditEvent, AuditStream, InstanceStatus, ProcessInstance
from signing.models import DocumentFile as SignedFile
from signing.models import VerificationReport

from . import archive, backup
from .exceptions import BackupError

#: The fields of an event that its hash covers (``engine.audit._fields``), in the exported JSON.
HASHED = ("stream", "seq", "instance", "at", "actor", "action", "task", "element", "before", "after")
UNFINISHED = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)


class CaseFileError(BackupError):
    """A case file that cannot be exported (not closed, its trail damaged) or an export that fails its check."""

    code = "case_file_export_error"
    default_message = _lazy("The case file could not be exported.")


@dataclass(frozen=True)
class Summary:
    path: Path
    size: int
    counts: dict[str, int]
    manifest_sha256: str


def stream_of(case_file: CaseFile) -> str:
    return f"case_file:{case_file.pk}"


def label(case_file: CaseFile) -> str:
    return f"{case_file.code}/{case_file.year} ({case_file.body})"


def instances_of(case_file: CaseFile) -> list[ProcessInstance]:
    return list(ProcessInstance.objects.filter(documents__document__case_files=case_file).distinct()
                .select_related("definition").order_by("started_at", "id"))


def refuse_unless_closed(case_file: CaseFile, instances: list[ProcessInstance]) -> None:
    """The rule of the module docstring, with the reason in the administrator's language."""
    if case_file.closed_at is None:
        raise CaseFileError(_("The case file %(file)s is not closed: only a closed case file is exported for the "
                              "archive. Close it when its matter has ended, then export it.")
                            % {"file": label(case_file)})
    running = [str(instance.pk) for instance in instances if instance.status in UNFINISHED]
    if running:
        raise CaseFileError(_("The case file %(file)s is closed, but %(count)s process(es) handling its documents "
                              "have not finished (%(instances)s): its audit trail is not complete yet.")
                            % {"file": label(case_file), "count": len(running), "instances": ", ".join(running)})


def export(case_file: CaseFile, path: Path, *, actor) -> Summary:
    """Write the archive to ``path`` (via ``<path>.partial``) and record the export on the case file's stream."""
    instances = instances_of(case_file)
    refuse_unless_closed(case_file, instances)
    documents = list(Document.objects.filter(case_files=case_file).order_by("created_at", "id"))
    streams = [instance.audit_stream for instance in instances] + [f"document:{d.pk}" for d in documents]
    streams.append(stream_of(case_file))
    problems = [str(problem) for name in streams for problem in audit.verify(name)]
    if problems:
        raise CaseFileError(_("The audit trail of the case file %(file)s is damaged (%(problems)s): run "
                              "'manage.py verify_audit' and restore the damaged records before exporting.")
                            % {"file": label(case_file), "problems": "; ".join(problems[:10])})
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # documents, maybe confidential ones
    try:
        with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w:", format=tarfile.PAX_FORMAT) as tar:
            manifest = archive.Manifest(
                database={"vendor": connection.vendor}, migrations=_migrations(), counts={},
                created_at=timezone.now().isoformat(), software=backup._software(), format=archive.CASE_FILE_FORMAT,
                subject={"case_file": case_file.pk, "body": case_file.body, "code": case_file.code,
                         "year": case_file.year, "title": case_file.title})
            writer = archive.Writer(tar, manifest)
            manifest.counts = _write(writer, case_file, documents, instances, streams)
            writer.close()
        digest = hashlib.sha256(manifest.as_json()).hexdigest()
        audit.append(stream_of(case_file), [audit.Entry("case_file_exported", actor=actor, after={
            "archive": path.name, "manifest_sha256": digest, "documents": [str(d.pk) for d in documents],
            "confidential": [str(d.pk) for d in documents if d.confidentiality], "counts": manifest.counts})])
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return Summary(path, path.stat().st_size, manifest.counts, digest)


def _write(writer: archive.Writer, case_file: CaseFile, documents: list[Document],
           instances: list[ProcessInstance], streams: list[str]) -> dict[str, int]:
    counts = {"documents": len(documents), "document_files": 0, "signed_files": 0, "verification_reports": 0,
              "audit_streams": 0, "audit_events": 0}
    _add_json(writer, "case_file.json", {
        **_serialized(case_file), "documents": [str(d.pk) for d in documents],
        "instances": [{"id": str(i.pk), "process": i.definition.key, "version": i.definition.version,
                       "status": i.status, "started_at": i.started_at, "ended_at": i.ended_at} for i in instances]})
    sha256s = set()
    for document in documents:
        rows = list(DocumentFile.objects.filter(document=document).select_related("blob"))
        members = {}
        for row in rows:
            member = f"documents/{document.pk}/files/{row.role}/v{row.version}/{_safe(row.name)}"
            if member in writer.manifest.members:
                member = f"documents/{document.pk}/files/{row.role}/v{row.version}/{row.pk}-{_safe(row.name)}"
            writer.add_bytes(member, blobs.read(row.blob))  # checked against its SHA-256 as it is read
            members[str(row.pk)] = member
            sha256s.add(row.blob_id)
        counts["document_files"] += len(rows)
        _add_json(writer, f"documents/{document.pk}/document.json", {
            **_serialized(document),
            "files": [{**_serialized(row), "sha256": row.blob_id, "size": row.blob.size,
                       "content_type": row.blob.content_type, "member": members[str(row.pk)]} for row in rows],
            "links": [_serialized(link) for link in
                      DocumentLink.objects.filter(Q(source=document) | Q(target=document))],
            "processes": [str(pk) for pk in DocumentProcess.objects.filter(document=document)
                          .values_list("instance_id", flat=True)]})
    reports = list(VerificationReport.objects.filter(Q(instance__in=instances) | Q(document_sha256__in=sha256s))
                   .order_by("created_at", "pk"))
    signed_ids = {r.file_id for r in reports if r.file_id} | set(
        SignedFile.objects.filter(Q(instance__in=instances) | Q(sha256__in=sha256s)).values_list("pk", flat=True))
    signed = _with_parents(signed_ids)
    for pdf in signed:
        if hashlib.sha256(pdf.content).hexdigest() != pdf.sha256:
            raise CaseFileError(_("The stored PDF %(id)s no longer matches its SHA-256: nothing was exported.")
                                % {"id": pdf.pk})
        writer.add_bytes(f"signing/files/{pdf.pk}.pdf", pdf.content)
    _add_json(writer, "signing/files.json", [
        {**_serialized(pdf, exclude=("pdf",)), "member": f"signing/files/{pdf.pk}.pdf"} for pdf in signed])
    for report in reports:
        _add_json(writer, f"signing/reports/{report.pk}.json", _serialized(report))
    counts["signed_files"], counts["verification_reports"] = len(signed), len(reports)
    heads = _heads(streams)
    for stream in streams:
        events = [{**audit._fields(event), "prev_hash": event.prev_hash, "hash": event.hash}
                  for event in AuditEvent.objects.filter(stream=stream).order_by("seq").iterator()]
        if not events:
            continue
        _add_json(writer, f"audit/{_safe(stream)}.json", {"stream": stream, "head": heads.get(stream),
                                                          "events": events})
        counts["audit_streams"] += 1
        counts["audit_events"] += len(events)
    return counts


def _with_parents(ids: set) -> list[SignedFile]:
    """The signing app's PDFs and every version they were built from (approved → signed → sealed)."""
    found: dict = {}
    wanted = set(ids)
    while wanted:
        rows = list(SignedFile.objects.filter(pk__in=wanted).select_related("certificate"))
        found.update({row.pk: row for row in rows})
        wanted = {row.parent_id for row in rows if row.parent_id and row.parent_id not in found}
    return sorted(found.values(), key=lambda row: (row.created_at, str(row.pk)))


def _heads(streams: list[str]) -> dict[str, dict]:
    heads = {f"instance:{pk}": {"seq": seq, "hash": head} for pk, seq, head in ProcessInstance.objects.filter(
        id__in=[name.split(":", 1)[1] for name in streams if name.startswith("instance:")])
        .values_list("id", "audit_seq", "audit_head")}
    heads.update({name: {"seq": seq, "hash": head} for name, seq, head in AuditStream.objects.filter(
        name__in=streams).values_list("name", "seq", "head")})
    return heads


def _serialized(row, *, exclude: tuple[str, ...] = ()) -> dict:
    data = serializers.serialize("python", [row])[0]
    fields = {key: value for key, value in data["fields"].items() if key not in exclude}
    return {"model": data["model"], "id": data["pk"], **fields}


def _add_json(writer: archive.Writer, name: str, data) -> None:
    writer.add_bytes(name, json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1,
                                      sort_keys=True).encode())


def _safe(name: str) -> str:
    """A member name from a stored file name or a stream name: no folders, nothing hidden."""
    return re.sub(r"[^\w.\-]+", "_", name).lstrip(".") or "tep"


def _migrations() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        found: dict[str, list[str]] = {}
        for app, name in cursor.fetchall():
            found.setdefault(app, []).append(name)
    return found


def verify(path: Path) -> archive.Manifest:
    """Check an export anywhere, without the database: every member against the manifest, and every
    exported audit stream's hash chain up to its recorded head. Raises naming what does not match."""
    try:
        manifest, problems = archive.check(path, expected_format=archive.CASE_FILE_FORMAT)
    except BackupError as err:
        raise CaseFileError(str(err)) from err
    if not problems:
        problems = _chain_problems(path, manifest)
    if problems:
        raise CaseFileError(_("The case file archive failed its check: %(problems)s.") % {
            "problems": "; ".join(problems[:20]) + (" …" if len(problems) > 20 else "")})
    return manifest


def _chain_problems(path: Path, manifest: archive.Manifest) -> list[str]:
    problems = []
    with tarfile.open(path, "r:*") as tar:
        for name in sorted(member for member in manifest.members if member.startswith("audit/")):
            handle = tar.extractfile(name)
            data = json.loads(handle.read()) if handle is not None else {}
            prev, seq = "", 0
            for seq, event in enumerate(data.get("events", []), start=1):
                canonical = json.dumps({key: event[key] for key in HASHED}, sort_keys=True, ensure_ascii=False,
                                       separators=(",", ":"))
                if (event["seq"] != seq or event["prev_hash"] != prev
                        or hashlib.sha256((prev + canonical).encode()).hexdigest() != event["hash"]):
                    problems.append(_("%(name)s: event %(seq)s does not continue the hash chain")
                                    % {"name": name, "seq": event["seq"]})
                    break
                prev = event["hash"]
            else:
                head = data.get("head") or {}
                if head.get("seq") != seq or head.get("hash") != prev:
                    problems.append(_("%(name)s: the last event is not the recorded chain head") % {"name": name})
    return problems
