"""The register reports through the API: the clerk downloads the book of her register as XLSX and
PDF; someone who may not have it gets 403, another body 404; bad parameters 400."""

import io
from datetime import date

import openpyxl

from documents import numbering, records
from documents.models import Direction, Document


def test_a_register_book_downloads_as_xlsx_and_pdf(client_of, office, files_dir):
    document = records.save(Document(direction=Direction.INCOMING, body="dang_uy_xa",
                                     subject="Về việc sổ tay đảng viên", code_number="132", code_notation="CV/TU",
                                     organ_name="Tỉnh ủy"))
    records.register_incoming(document)
    register = numbering.register_for("dang_uy_xa", Direction.INCOMING, secret=False)
    vanthu = client_of("vanthu")
    today = date.today().isoformat()
    url = f"/api/v1/registers/{register.pk}/report/?since=2026-01-01&until={today}"

    book = vanthu.get(url + "&output=xlsx")
    assert book.status_code == 200, book.content[:300]
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert any("Về việc sổ tay đảng viên" in str(cell.value) for row in sheet.iter_rows() for cell in row)
    pdf = vanthu.get(url + "&output=pdf&kind=follow_up")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    assert client_of("chuyenvien").get(url).status_code == 404  # not the register of someone's office
    secret = numbering.register_for("dang_uy_xa", Direction.INCOMING, secret=True)
    assert client_of("phobithu").get(f"/api/v1/registers/{secret.pk}/report/?since=2026-01-01&until={today}"
                                     ).status_code == 403  # a leader does not get the secret book
    assert vanthu.get(url + "&output=doc").status_code == 400
    assert vanthu.get(f"/api/v1/registers/{register.pk}/report/?since=bad&until={today}").status_code == 400
