"""A server in use, made on purpose: the data the backup tests, the upgrade fixtures and the backup
benchmark restore and check. It needs the directory and registers (``seed_demo``,
``seed_documents``); it adds running instances at different points, registered incoming documents
with their files, and (given one) a signed PDF with its verification report."""

import hashlib
import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from documents import blobs, numbering, records
from documents.models import Blob, Direction, Document, DocumentFile
from engine import services
from engine.models import Task
from signing import verify

#: Two human steps: an instance stopped between them is "running" with work left to do. It travels
#: with the data (the definition's files are stored), so later code can still run it.
REVIEW_APPROVE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
    targetNamespace="https://quytrinh.vn/operations">
  <bpmn:process id="review_approve" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="van_thu" name="van_thu">
      <bpmn:flowNodeRef>review</bpmn:flowNodeRef><bpmn:flowNodeRef>approve</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review" name="Review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="approve"/>
    <bpmn:userTask id="approve" name="Approve"/>
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
BODY = "dang_uy_xa"


def populate(*, user, signed_pdf: bytes | None) -> dict:
    """Three instances (one halfway), three registered incoming documents with files (the first one
    the signed PDF, verified, when given); returns them and the register."""
    services.deploy({"review_approve.bpmn": REVIEW_APPROVE})
    started = [services.start("review_approve", actor=user, body=BODY) for _ in range(3)]
    services.complete(Task.objects.get(instance=started[0], status="open"), actor=user)  # now at "approve"
    contents = [signed_pdf or b"%PDF-1.7\n% scan 1\n", b"%PDF-1.7\n% scan 2\n", b"%PDF-1.7\n% scan 3\n"]
    documents = []
    for index, content in enumerate(contents, start=1):
        document = records.save(Document(direction=Direction.INCOMING, body=BODY, subject=f"Công văn {index}",
                                          code_number=str(index), code_notation="CV-UBND", organ_name="UBND xã"))
        stored = records.attach(document, content, name=f"cong-van-{index}.pdf")
        with transaction.atomic():  # numbers are issued inside the step that uses them
            records.register_incoming(document, actor=user)
        documents.append(document)
        if index == 1 and signed_pdf is not None:
            verify.verify_and_store(content, file_name=stored.name, created_by=user)
    return {"instances": started, "documents": documents,
            "register": numbering.register_for(BODY, Direction.INCOMING, secret=False)}


def documents_of_a_year(count: int, *, file_bytes: int, body: str = BODY) -> int:
    """``count`` incoming documents with a file each of ``file_bytes`` random bytes, written in bulk
    (for the backup benchmark: the files dominate an archive); returns the bytes stored."""
    stored = 0
    for start in range(0, count, 500):
        batch = range(start, min(start + 500, count))
        made = Document.objects.bulk_create(
            Document(direction=Direction.INCOMING, body=body, subject=f"Công văn số {n} về việc triển khai công tác",
                     code_number=str(n), code_notation="CV-UBND", organ_name="UBND huyện", search_text=f"cong van {n}")
            for n in batch)
        blob_rows, file_rows = [], []
        for document in made:
            content = os.urandom(file_bytes)
            sha256 = hashlib.sha256(content).hexdigest()
            name = default_storage.save(blobs.storage_name(sha256), ContentFile(content))
            blob_rows.append(Blob(sha256=sha256, size=len(content), content_type="application/pdf",
                                  storage_name=name))
            file_rows.append(DocumentFile(document=document, name=f"{document.code_number}.pdf", blob_id=sha256))
            stored += len(content)
        Blob.objects.bulk_create(blob_rows)
        DocumentFile.objects.bulk_create(file_rows)
    return stored
