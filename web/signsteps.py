"""Which task is a signing step, and what its page shows (``web/views/signing.py`` acts on it).

A BPMN user task is a signing step when it carries the task property ``signature`` = ``person`` or
``organisation`` (``spiffworkflow:property``); the process data names the file (``file_id``, the
version to sign) and the approved hash (``approved_sha256``), as the service tasks
``signing.sign_person`` / ``signing.sign_organisation`` take them. Which files and certificates the
person may use is ``signing.access``'s answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.utils import timezone

from engine import access as engine_access
from engine import definitions, inspection
from engine.models import Task, TaskStatus
from signing import access
from signing.models import DocumentFile, HolderKind, KeyStorage, SignaturePurpose, SigningCertificate

#: The BPMN task property that makes a user task a signing step, and the purposes it may name.
PROPERTY = "signature"
KIND_FOR: dict[str, str] = {SignaturePurpose.PERSON: HolderKind.PERSON,
                            SignaturePurpose.ORGANISATION: HolderKind.ORGANISATION}


@dataclass(frozen=True)
class SignStep:
    """What the page of a signing step shows: the purpose, the file (None when the signer may not
    see it), and the certificates ``signing.access`` lets them use for this purpose."""

    purpose: str
    file: DocumentFile | None
    approved_sha256: str
    certificates: list[SigningCertificate] = field(default_factory=list)

    @property
    def has_server_keys(self) -> bool:
        return any(c.key_storage != KeyStorage.EXTERNAL for c in self.certificates)


def purpose_of(task: Task) -> str | None:
    """``person`` or ``organisation`` when the task's BPMN element is a signing step (read from
    the parsed definition, cached per process: no workflow is loaded)."""
    info = definitions.load_by_id(task.instance.definition_id)
    specs = [info.spec, *info.subprocess_specs.values()]
    for spec in specs:
        task_spec = spec.task_specs.get(task.bpmn_id)
        if task_spec is not None:
            value = ((getattr(task_spec, "extensions", None) or {}).get("properties") or {}).get(PROPERTY)
            return value if value in KIND_FOR else None
    return None


def step_for(user, task: Task) -> SignStep | None:
    """The signing step of an open task ``user`` acts on, or None for any other task."""
    if task.status != TaskStatus.OPEN or not engine_access.acts_on(user, task):
        return None
    purpose = purpose_of(task)
    if purpose is None:
        return None
    data = inspection.task_data(task, ("file_id", "approved_sha256"))
    try:
        file_id = uuid.UUID(str(data.get("file_id")))
    except ValueError:
        file_id = None
    file = access.files(user).defer("pdf").filter(pk=file_id).first() if file_id else None
    approved = str(data.get("approved_sha256") or "")
    if file is not None and not approved:
        approved = file.root().sha256
    certificates = list(access.usable_certificates(user).filter(kind=KIND_FOR[purpose])
                        .defer("certificate_der", "stamp_image").order_by("-not_after", "pk"))
    return SignStep(purpose=purpose, file=file, approved_sha256=approved, certificates=certificates)


def context_for(user, task: Task) -> dict:
    """What the task page adds for a signing step (``signing`` is None for other tasks)."""
    step = step_for(user, task)
    return {"signing": step, "signing_now": timezone.now() if step else None}
