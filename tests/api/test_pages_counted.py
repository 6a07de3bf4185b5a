"""A document search counts its total in the page's own query, a plain list apart: both give the same
pages, links and 404s as every other list."""

import pytest

from documents import records
from documents.models import Direction, Document


@pytest.mark.parametrize("search", ["", "cong van so"], ids=["plain", "search"])
def test_pages_links_and_totals_of_the_documents_list(client_of, office, search):
    for n in range(5):
        records.save(Document(direction=Direction.INCOMING, body="dang_uy_xa", subject=f"Công văn số {n}",
                              code_number=str(n), code_notation="CV/TU", organ_name="Tỉnh ủy"))
    clerk = client_of("vanthu")
    url = f"/api/v1/documents/?page_size=2&search={search}"
    first = clerk.get(url).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and "page=2" in first["next"]
    assert first["previous"] is None
    last = clerk.get(f"{url}&page=3").json()
    assert last["count"] == 5 and len(last["results"]) == 1 and last["next"] is None
    seen = {row["id"] for page in (1, 2, 3) for row in clerk.get(f"{url}&page={page}").json()["results"]}
    assert len(seen) == 5
    for wrong in ("4", "0", "abc"):
        assert clerk.get(f"{url}&page={wrong}").status_code == 404
    nothing = clerk.get("/api/v1/documents/?search=khongcogi").json()
    assert (nothing["count"], nothing["results"], nothing["next"]) == (0, [], None)
    assert client_of("vanthuubnd").get(url).json()["count"] == 0
