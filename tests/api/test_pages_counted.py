"""The documents list counts its total in the page's own query: the same pages, links and 404s as
every other list."""

from documents import records
from documents.models import Direction, Document


def test_pages_links_and_totals_of_the_documents_list(client_of, office):
    for n in range(5):
        records.save(Document(direction=Direction.INCOMING, body="dang_uy_xa", subject=f"Công văn số {n}",
                              code_number=str(n), code_notation="CV/TU", organ_name="Tỉnh ủy"))
    clerk = client_of("vanthu")
    first = clerk.get("/api/v1/documents/?page_size=2").json()
    assert first["count"] == 5 and len(first["results"]) == 2 and "page=2" in first["next"]
    assert first["previous"] is None
    last = clerk.get("/api/v1/documents/?page_size=2&page=3").json()
    assert last["count"] == 5 and len(last["results"]) == 1 and last["next"] is None
    seen = {row["id"] for page in (1, 2, 3)
            for row in clerk.get(f"/api/v1/documents/?page_size=2&page={page}").json()["results"]}
    assert len(seen) == 5
    for wrong in ("4", "0", "abc"):
        assert clerk.get(f"/api/v1/documents/?page_size=2&page={wrong}").status_code == 404
    nothing = clerk.get("/api/v1/documents/?search=khongcogi").json()
    assert (nothing["count"], nothing["results"], nothing["next"]) == (0, [], None)
    assert client_of("vanthuubnd").get("/api/v1/documents/?page_size=2").json()["count"] == 0
