"""The approved version of a document, found again inside a signed file.

Signatures are incremental updates: a signed PDF starts with the exact bytes that were approved.
So "has the document changed since approval?" is answered by hashing the file up to each
revision end (each ``%%EOF``) and looking for the approved SHA-256. The caller passes the hash it
recorded at approval; nothing else needs to be trusted.
"""

from __future__ import annotations

import hashlib
import re

from . import exceptions

_EOF = re.compile(rb"%%EOF(\r\n|\r|\n)?")


def revision_ends(pdf: bytes) -> list[int]:
    """Offsets just after each ``%%EOF`` (with its end-of-line, if any), in file order."""
    return [m.end() for m in _EOF.finditer(pdf)]


def _candidates(pdf: bytes):
    for m in _EOF.finditer(pdf):
        yield m.start() + 5  # right after "%%EOF"
        if m.end() != m.start() + 5:
            yield m.end()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def require_unchanged(pdf: bytes, *, approved_sha256: str) -> None:
    """Refuse to sign a file that is not byte for byte the approved one."""
    if sha256(pdf) != approved_sha256.lower():
        raise exceptions.DocumentChanged()


def approved_prefix_end(pdf: bytes, *, approved_sha256: str) -> int:
    """Length of the approved version at the start of ``pdf``; ``DocumentChanged`` if absent."""
    wanted = approved_sha256.lower()
    if sha256(pdf) == wanted:
        return len(pdf)
    digest = hashlib.sha256()
    position = 0
    for end in _candidates(pdf):
        digest.update(pdf[position:end])
        position = end
        if digest.copy().hexdigest() == wanted:
            return end
    raise exceptions.DocumentChanged()
