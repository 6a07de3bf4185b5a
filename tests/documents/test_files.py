"""A document's files: versions of content stored once by SHA-256 through Django's storage, read
back only if they still match their hash; Tối mật and Tuyệt mật files stay off the system (S04)."""

import hashlib

import pytest

from documents import blobs, records
from documents.models import Blob, Direction, Document, DocumentFile, FileRole
from engine.exceptions import EngineInvariantError, InvalidData

PDF = b"%PDF-1.7\n% a document\n"


def document(confidentiality=""):
    return records.save(Document(direction=Direction.INCOMING, body="dang_uy_xa", subject="Công văn",
                                 confidentiality=confidentiality))


def test_the_same_content_is_stored_once_and_versions_keep_their_bytes(db, files_dir):
    first = records.attach(document(), PDF, name="132-CV-TU.pdf")
    again = records.attach(document(), PDF, name="khac.pdf")
    assert first.blob_id == again.blob_id == hashlib.sha256(PDF).hexdigest()
    assert Blob.objects.count() == 1 and len(list(files_dir.rglob("*"))) > 0

    second = records.attach(first.document, PDF + b"% edited\n", name="132-CV-TU.pdf")
    assert (first.version, second.version) == (1, 2)
    assert blobs.read(first.blob) == PDF and blobs.read(second.blob).endswith(b"% edited\n")
    attachment = records.attach(first.document, PDF, name="phu-luc.pdf", role=FileRole.APPENDIX)
    assert attachment.version == 1
    assert DocumentFile.objects.filter(document=first.document).count() == 3


def test_a_file_altered_on_disk_is_not_read_back(db, files_dir):
    row = records.attach(document(), PDF, name="a.pdf")
    path = files_dir / row.blob.storage_name
    path.write_bytes(PDF.replace(b"document", b"forgery!"))
    with pytest.raises(EngineInvariantError):
        blobs.read(row.blob)


@pytest.mark.parametrize("level", ["toi_mat", "tuyet_mat"])
def test_top_levels_of_secrecy_are_never_uploaded(db, files_dir, level):
    with pytest.raises(InvalidData) as refused:
        records.attach(document(level), PDF, name="mat.pdf")
    assert "file" in refused.value.errors
    assert not Blob.objects.exists() and not DocumentFile.objects.exists()


def test_a_mat_document_may_carry_its_file(db, files_dir):
    assert records.attach(document("mat"), PDF, name="mat.pdf").version == 1
