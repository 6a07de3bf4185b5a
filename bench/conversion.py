"""Word drafts to PDF (issue 14 §2): ``python -m bench.conversion`` prints the figures, ``figures()``
returns them.

``docx_to_pdf_s``: a 3-page Vietnamese draft through ``documents.conversion.docx_to_pdf``, which
starts LibreOffice headless in a fresh profile each time, as the outgoing procedure will: the
median of a few runs; the first run of the process is reported apart (``docx_to_pdf_cold_s``: the
program's files may not be in the page cache yet). Target ≤ 5 s. No database, no Django project.

``docx_bytes`` builds the draft by hand (the OOXML parts Word needs, nothing more); the tests use
it too.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import time
import zipfile
from xml.sax.saxutils import escape

from documents.conversion import docx_to_pdf, soffice_path

RUNS = 5
TARGET_S = 5.0

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
# A4, Decree 30 margins (top 20 mm, bottom 20 mm, left 30 mm, right 15 mm), in twentieths of a point.
_SECTION = ('<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="851" w:bottom="1134" '
            'w:left="1701" w:header="0" w:footer="0" w:gutter="0"/></w:sectPr>')


def _paragraph(text: str, *, bold: bool = False, center: bool = False) -> str:
    justify = '<w:jc w:val="center"/>' if center else '<w:jc w:val="both"/>'
    run = ('<w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/>'
           f'{"<w:b/>" if bold else ""}<w:sz w:val="28"/></w:rPr>')
    return (f'<w:p><w:pPr>{justify}<w:spacing w:after="120"/></w:pPr>'
            f'<w:r>{run}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>')


def docx_bytes(paragraphs: list[str], *, title: str = "") -> bytes:
    """A minimal .docx (A4, Times New Roman 14 pt): an optional bold centred title, then the paragraphs."""
    body = (_paragraph(title, bold=True, center=True) if title else "") + "".join(_paragraph(p) for p in paragraphs)
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W}">'
                f"<w:body>{body}{_SECTION}</w:body></w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


TITLE = "KẾ HOẠCH triển khai Quy định 339-QĐ/TW của Ban Chấp hành Trung ương Đảng"
SECTIONS = [
    "quán triệt, tuyên truyền nội dung Quy định đến cán bộ, đảng viên",
    "rà soát, sửa đổi, bổ sung quy chế làm việc của Đảng ủy và các chi bộ trực thuộc",
    "kiểm tra, giám sát việc thực hiện Quy định ở các chi bộ",
    "sơ kết, đánh giá, rút kinh nghiệm và báo cáo Ban Thường vụ Huyện ủy",
]


def three_page_draft() -> bytes:
    """A plan of the kind a commune's Party Committee sends out, three A4 pages long."""
    paragraphs = []
    for number, section in enumerate(SECTIONS * 4, start=1):
        paragraphs.append(f"{number}. Về việc {section}.")
        paragraphs.append(
            f"Các chi bộ trực thuộc Đảng ủy xã Vĩnh An tổ chức thực hiện việc {section}, bảo đảm đúng tiến độ, "
            "thiết thực, hiệu quả; phân công đồng chí cấp ủy viên phụ trách, báo cáo kết quả về Văn phòng Đảng ủy "
            "trước ngày 25 hằng tháng để tổng hợp, báo cáo Ban Thường vụ Đảng ủy theo quy định.")
    return docx_bytes(paragraphs, title=TITLE)


def _pages(pdf: bytes) -> int | None:
    try:
        done = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in done.stdout.decode(errors="replace").splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def figures(runs: int = RUNS) -> dict:
    """Convert the 3-page draft ``runs`` + 1 times; ``docx_to_pdf_s`` is the median after the first."""
    if soffice_path() is None:
        return {"docx_to_pdf_s": None, "docx_to_pdf_detail": {"skipped": "LibreOffice (soffice) is not installed"}}
    draft = three_page_draft()
    samples = []
    pdf = b""
    for _ in range(runs + 1):
        start = time.perf_counter()
        pdf = docx_to_pdf(draft)
        samples.append(time.perf_counter() - start)
    cold, warm = samples[0], samples[1:]
    return {
        "docx_to_pdf_s": round(statistics.median(warm), 3),
        "docx_to_pdf_cold_s": round(cold, 3),
        "docx_to_pdf_detail": {"runs_s": [round(s, 3) for s in warm], "pages": _pages(pdf),
                               "docx_bytes": len(draft), "pdf_bytes": len(pdf), "target_s": TARGET_S},
    }


if __name__ == "__main__":
    result = figures()
    value = result["docx_to_pdf_s"]
    shown = "skipped" if value is None else f"{value:.2f} s (first run {result['docx_to_pdf_cold_s']:.2f} s)"
    print(f"a 3-page Word draft to PDF (LibreOffice headless), median: {shown}; target ≤ {TARGET_S:g} s",
          file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))
