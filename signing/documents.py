"""Storing PDF versions (``DocumentFile``) and finding them again.

A signing step never edits a file: it stores a new version pointing at the one it was built from.
Stores keyed by an idempotency key are at-most-once: the same key returns the version already
stored, so a background job or a two-step completion that runs twice keeps one result.
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction

from .models import DocumentFile, FileKind

#: The largest PDF accepted by the API and the handlers (uploads are held in memory).
MAX_BYTES = 20 * 1024 * 1024


def store(pdf: bytes, *, kind: str, file_name: str = "", parent: DocumentFile | None = None, certificate=None,
          instance_id=None, created_by=None, idempotency_key: str | None = None) -> DocumentFile:
    """Store one version; with ``idempotency_key``, the version already stored under it wins."""
    if kind not in FileKind.values:
        raise ValueError(f"unknown file kind {kind!r}")
    if idempotency_key:
        existing = DocumentFile.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    row = DocumentFile(kind=kind, file_name=(file_name or (parent.file_name if parent else ""))[:300],
                       sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), pdf=pdf, parent=parent,
                       certificate=certificate, instance_id=instance_id, created_by=created_by,
                       idempotency_key=idempotency_key or None)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        if not idempotency_key:
            raise
        return DocumentFile.objects.get(idempotency_key=idempotency_key)  # a concurrent run stored it first
    return row


def by_key(idempotency_key: str) -> DocumentFile | None:
    return DocumentFile.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None


def reference(row: DocumentFile) -> dict:
    """What process data keeps of a file: never the bytes."""
    return {"file_id": str(row.pk), "sha256": row.sha256, "kind": row.kind}
