# ruff: noqa: F811 - the signing fixtures are imported by name and then used as test arguments
"""A .docx draft to PDF with real LibreOffice headless (issue 14 §2): the Vietnamese text survives
(read back with pdftotext), the PDF takes a person's signature that pyHanko finds valid, and what
is not a plain .docx, too large, too slow or without LibreOffice is refused in Vietnamese terms."""

import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.utils.translation import gettext as _

from bench.conversion import docx_bytes
from documents.conversion import ConversionError, ConversionUnavailable, docx_to_pdf
from engine.exceptions import InvalidData
from signing.sign import sign_as_person
from signing.verify import verify_pdf

from ..signing.conftest import key_dir, pki, register, signing_settings, trusted  # noqa: F401 - signing's fixtures

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="needs LibreOffice (Debian: apt-get install libreoffice-writer-nogui)")

SENTENCES = [
    "Kế hoạch triển khai Quy định 339-QĐ/TW của Ban Chấp hành Trung ương Đảng về chế độ làm việc.",
    "Đảng ủy xã Vĩnh An yêu cầu các chi bộ trực thuộc nghiêm túc thực hiện, báo cáo kết quả trước ngày 25.",
    "Ủy ban nhân dân xã phối hợp tổ chức hội nghị quán triệt; ưu tiên bảo đảm ổn định, đúng tiến độ.",
]


def pdf_text(content: bytes) -> str:
    """The PDF's text, NFC and with line breaks as spaces (pdftotext wraps where the page does)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (Debian: apt-get install -y poppler-utils)")
    done = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)
    return " ".join(unicodedata.normalize("NFC", done.stdout.decode()).split())


def with_part(name: str, data: str, base: bytes | None = None) -> bytes:
    """A copy of the draft ``base`` (or a one-line draft) with one more part in its zip."""
    source = zipfile.ZipFile(io.BytesIO(base or docx_bytes(["Thông báo."])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def documents_settings(settings):
    def set_(**values):
        settings.DOCUMENTS = {**getattr(settings, "DOCUMENTS", {}), **values}

    return set_


@needs_soffice
@pytest.mark.django_db
def test_vietnamese_draft_converts_with_its_diacritics_and_is_signed(register):
    # given a Word draft with Vietnamese sentences
    draft = docx_bytes(SENTENCES, title="KẾ HOẠCH")

    # when it is converted
    pdf = docx_to_pdf(draft)

    # then the PDF's text holds every sentence with its diacritics
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for sentence in ["KẾ HOẠCH", *SENTENCES]:
        assert sentence in text

    # and the competent person signs it (a box on page 1: a Word draft has no signature field), valid
    signed = sign_as_person(pdf=pdf, certificate=register("bi_thu"), approved_sha256=hashlib.sha256(pdf).hexdigest(),
                            page=0, box=(350, 80, 520, 160))
    result = verify_pdf(signed.pdf)
    assert result.valid, result.summary
    assert SENTENCES[0] in pdf_text(signed.pdf)


@needs_soffice
def test_parallel_conversions_do_not_share_a_profile():
    drafts = [docx_bytes([f"Công văn số {n}: {SENTENCES[n]}"]) for n in range(3)]

    with ThreadPoolExecutor(max_workers=3) as pool:
        pdfs = list(pool.map(docx_to_pdf, drafts))

    for n, pdf in enumerate(pdfs):
        assert f"Công văn số {n}: {SENTENCES[n]}" in pdf_text(pdf)


@pytest.mark.parametrize("content", [
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",  # a PDF
    b"K\xe1\xba\xbf ho\xe1\xba\xa1ch",  # plain text
    b"PK\x03\x04 not really a zip",  # a broken zip
    b"",
], ids=["pdf", "text", "broken-zip", "empty"])
def test_what_is_not_a_docx_is_refused_before_libreoffice_starts(documents_settings, content):
    # given no LibreOffice at all: a refusal that came from it would say so instead
    documents_settings(SOFFICE="/nonexistent/soffice")

    with pytest.raises(InvalidData) as refused:
        docx_to_pdf(content)
    assert refused.value.errors == {"file": [refused.value.message]}
    assert ".docx" in refused.value.message


def test_a_zip_without_a_word_document_is_refused(documents_settings):
    documents_settings(SOFFICE="/nonexistent/soffice")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")  # a spreadsheet

    with pytest.raises(InvalidData, match=r"\.docx"):
        docx_to_pdf(buffer.getvalue())


def test_a_draft_with_macros_or_linked_pictures_is_refused(documents_settings):
    documents_settings(SOFFICE="/nonexistent/soffice")
    with pytest.raises(InvalidData) as refused:
        docx_to_pdf(with_part("word/vbaProject.bin", "VBA"))
    assert refused.value.message == _("The Word file contains macros (.docm); save it as a plain .docx document.")

    linked = with_part("word/_rels/document.xml.rels", (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId9" TargetMode="External" Target="http://example.invalid/a.png" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"/></Relationships>'))
    with pytest.raises(InvalidData) as refused:
        docx_to_pdf(linked)
    assert refused.value.message == _(
        "The Word file links pictures or objects from outside; insert them into the document instead.")


@needs_soffice
def test_hyperlinks_are_not_linked_content():
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId9" TargetMode="External" Target="https://dangcongsan.vn/" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"/></Relationships>')
    assert docx_to_pdf(with_part("word/_rels/document.xml.rels", rels)).startswith(b"%PDF-")


def test_too_large_a_file_is_refused(documents_settings):
    documents_settings(CONVERSION_MAX_BYTES=1000, SOFFICE="/nonexistent/soffice")
    draft = docx_bytes([f"Đoạn {n}: các chi bộ báo cáo kết quả thực hiện nghị quyết." for n in range(200)])
    assert len(draft) > 1000

    with pytest.raises(InvalidData) as refused:
        docx_to_pdf(draft)
    assert refused.value.errors["file"] == [_("Too large.")]
    assert refused.value.message == _("The Word file is larger than %(size)s MB.") % {"size": f"{1000 / 2**20:g}"}


def test_a_zip_bomb_is_refused(documents_settings):
    documents_settings(CONVERSION_MAX_BYTES=100_000, SOFFICE="/nonexistent/soffice")
    bomb = with_part("word/media/padding.xml", " " * 3_000_000)  # 3 MB unpacked, a few kB packed
    assert len(bomb) < 100_000

    with pytest.raises(InvalidData, match=r"\.docx"):
        docx_to_pdf(bomb)


def test_without_libreoffice_the_administrator_is_told_what_to_install(documents_settings):
    documents_settings(SOFFICE="/nonexistent/soffice")

    with pytest.raises(ConversionUnavailable) as refused:
        docx_to_pdf(docx_bytes(["Thông báo."]))
    assert refused.value.status == 503
    assert refused.value.code == "conversion_unavailable"
    assert "apt-get install libreoffice-writer-nogui" in refused.value.message


@needs_soffice
def test_a_conversion_out_of_time_is_stopped_with_its_whole_process_group(monkeypatch, tmp_path):
    # given scratch directories under tmp_path, so LibreOffice's command lines name it
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    with pytest.raises(ConversionError) as refused:
        docx_to_pdf(docx_bytes(SENTENCES), timeout=0.2)
    assert refused.value.code == "conversion_failed"
    assert "0.2" in refused.value.message

    # then no LibreOffice process of that conversion is left, and its scratch directory is gone
    assert not [pid for pid in os.listdir("/proc") if pid.isdigit() and str(tmp_path) in _cmdline(pid)]
    assert list(tmp_path.iterdir()) == []


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


@needs_soffice
def test_a_draft_libreoffice_cannot_read_is_a_conversion_failure():
    broken = docx_bytes(["Thông báo."])
    source = zipfile.ZipFile(io.BytesIO(broken))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            data = b"\x00\xff garbage" if info.filename == "word/document.xml" else source.read(info)
            archive.writestr(info, data)

    try:
        pdf = docx_to_pdf(buffer.getvalue())
    except ConversionError as failed:
        assert failed.status == 422
    else:  # LibreOffice may make an empty page of it rather than fail: then nothing of it is text
        assert pdf_text(pdf) == ""

