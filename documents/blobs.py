"""Content stored once by its SHA-256 through Django's storage API: the same bytes uploaded twice
(a PDF attached to two documents, a packet delivered again) are kept once, and what is read back
is checked against its hash."""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from engine.exceptions import EngineInvariantError

from .models import Blob


def storage_name(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def put(content: bytes, *, content_type: str = "application/octet-stream") -> Blob:
    """The blob holding ``content``, stored now if it is new."""
    sha256 = hashlib.sha256(content).hexdigest()
    existing = Blob.objects.filter(pk=sha256).first()
    if existing is not None:
        return existing
    name = storage_name(sha256)
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(content))  # a concurrent writer may make it rename
    try:
        with transaction.atomic():
            return Blob.objects.create(sha256=sha256, size=len(content), content_type=content_type[:100],
                                       storage_name=name)
    except IntegrityError:  # stored at the same moment by another request: one row wins, same bytes
        return Blob.objects.get(pk=sha256)


def read(blob: Blob) -> bytes:
    """The stored bytes, refused if they no longer match their hash (a damaged or altered file)."""
    with default_storage.open(blob.storage_name, "rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != blob.sha256:
        raise EngineInvariantError(_("A stored file is damaged: its content no longer matches its fingerprint "
                                     "(SHA-256 %(sha)s).") % {"sha": blob.sha256})
    return content
