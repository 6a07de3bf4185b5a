"""The recipients an outgoing draft may name, through the API: the same list as the page's picker
(``exchange.recipients``), searchable without diacritics, paginated, for signed-in people only."""

from directory.models import Body
from engine.models import AuditEvent
from exchange.models import Peer
from web import organs as page

ORGANS = "/api/v1/organs/"
PROVINCE, MINISTRY = "000.00.00.A41", "000.00.00.G22"


def listed(client, query: str = "", **params) -> list[dict]:
    response = client.get(ORGANS, {"page_size": 200, **({"q": query} if query else {}), **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_bodies_here_then_the_codes_the_peers_serve(client_of):
    Peer.objects.create(name="Trục tỉnh", url="http://127.0.0.1:9/", organ_ids=[PROVINCE, "000.25.41.A41", MINISTRY])
    Peer.objects.create(name="Hệ thống cũ", url="http://127.0.0.1:9/", organ_ids=["999.99.99.Z99"], active=False)

    rows = listed(client_of("chuyenvien"))

    here = [row for row in rows if row["goes_to"] == "here"]
    assert {"code": "000.25.41.A41", "name": "Đảng ủy xã Vĩnh An", "goes_to": "here"} in here
    assert {"code": "000.25.41.H41", "name": "Ủy ban nhân dân xã Vĩnh An", "goes_to": "here"} in here
    assert len(here) == Body.objects.exclude(organ_id="").count()
    # after them, what the active peer serves, a code served here listed once (as here), the inactive peer's not
    assert rows[len(here):] == [{"code": PROVINCE, "name": "", "goes_to": "Trục tỉnh"},
                                {"code": MINISTRY, "name": "", "goes_to": "Trục tỉnh"}]
    # the page's picker offers the same codes in the same order
    assert [choice.value for choice in page.candidates()] == [row["code"] for row in rows]


def test_units_sharing_their_body_s_code_are_listed_as_the_body(client_of):
    # the Party Office carries the Committee's code: a document for it goes to the Committee
    Body.objects.filter(code="van_phong_dang_uy").update(organ_id="000.25.41.A41")

    rows = [row for row in listed(client_of("vanthu")) if row["code"] == "000.25.41.A41"]

    assert rows == [{"code": "000.25.41.A41", "name": "Đảng ủy xã Vĩnh An", "goes_to": "here"}]


def test_searched_by_words_of_the_code_or_the_name_without_diacritics(client_of):
    Peer.objects.create(name="Trục tỉnh", url="http://127.0.0.1:9/", organ_ids=[MINISTRY])
    client = client_of("vanthu")

    assert [row["name"] for row in listed(client, "UY BAN nhan dan")] == ["Ủy ban nhân dân xã Vĩnh An"]
    assert {row["code"] for row in listed(client, "đảng ủy xã")} >= {"000.25.41.A41", "001.25.41.A41"}
    assert all("Chi bộ" not in row["name"] for row in listed(client, "dang uy xa vinh an"))
    assert listed(client, "g22") == [{"code": MINISTRY, "name": "", "goes_to": "Trục tỉnh"}]
    assert [row["code"] for row in listed(client, "101.25")] == ["101.25.41.A41"]
    assert listed(client, "tinh") == []  # the peer's name is where it goes, not what it is called
    assert listed(client, "không có đâu") == []


def test_paginated_like_the_rest(client_of):
    client = client_of("vanthu")
    total = Body.objects.exclude(organ_id="").count()

    first = client.get(ORGANS, {"page_size": 10}).json()
    second = client.get(ORGANS, {"page_size": 10, "page": 2}).json()

    assert first["count"] == second["count"] == total
    assert len(first["results"]) == 10 and first["next"] and second["previous"]
    assert not {row["code"] for row in first["results"]} & {row["code"] for row in second["results"]}
    assert client.get(ORGANS, {"page": 99}).status_code == 404


def test_only_for_signed_in_people_and_read_only(client_of, anonymous):
    denials = AuditEvent.objects.filter(stream="access", action="access_denied", after__status=401).count()

    refused = anonymous.get(ORGANS)

    assert refused.status_code == 401 and refused["Content-Type"] == "application/problem+json"
    assert AuditEvent.objects.filter(stream="access", action="access_denied", after__status=401).count() == denials + 1
    client = client_of("vanthu")
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(ORGANS, {"code": "x"}, format="json").status_code == 405, method
