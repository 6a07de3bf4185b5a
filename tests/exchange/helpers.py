"""Building blocks for the exchange's tests: an outgoing document, a peer, a peer's HTTP endpoint
(a real server on a free port), and the structure check of QCVN 102 packets (the shared EDXML.md)."""

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.utils import timezone
from lxml import etree

from documents import records
from documents.models import Direction, Document
from exchange import peers
from exchange.edxml import NAMESPACE, StatusCode
from exchange.models import Peer

PARTY, STATE = "000.25.41.A41", "000.25.41.H41"   # the demo's Đảng ủy xã and UBND xã
PROVINCE = "000.00.00.A41"                        # the provincial Party committee, outside this system
NS = {"e": NAMESPACE}
DOCUMENT_ID = re.compile(r"[^,]{1,35},\d{4}/\d{2}/\d{2},[^/,]+/[^,]+")
TIMESTAMP = re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}")


def outgoing(pdf: bytes, *, number: str = "15", recipients=((STATE, "Ủy ban nhân dân xã Vĩnh An"),),
             body: str = "dang_uy_xa", **fields) -> Document:
    document = records.save(Document(
        direction=Direction.OUTGOING, body=body, code_number=number, code_notation="CV/ĐU",
        issued_date=timezone.localdate(), subject="V/v phối hợp tổ chức hội nghị sơ kết",
        organ_name="Đảng ủy xã Vĩnh An", signer_competence="T/M ĐẢNG ỦY", signer_position="BÍ THƯ",
        signer_name="Nguyễn Văn Bình", urgency="khan",
        recipients=[{"organ_id": code, "organ_name": name} for code, name in recipients], **fields))
    records.attach(document, pdf, name=f"{number}-CV-DU.pdf")
    return document


def make_peer(name: str = "Tỉnh ủy", *, url: str = "http://127.0.0.1:9/api/v1/exchange/packets/",
              organ_ids=(PROVINCE,), credential: str = "khoa-gui-di-cua-chung-toi-0001", **fields) -> tuple[Peer, str]:
    """A peer, and the key it presents to us."""
    peer = Peer.objects.create(name=name, url=url, organ_ids=list(organ_ids), outbound_credential=credential,
                               **fields)
    return peer, peers.set_inbound_key(peer)


# --- A peer's endpoint ------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class PeerServer:
    """Answers each POST with the next (status, JSON body) of ``answers`` (the last one repeats)."""

    answers: list
    received: list[Received] = field(default_factory=list)

    def start(self) -> "PeerServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # http.server calls it by this name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.received.append(Received(self.path, dict(self.headers), body))
                status, answer = server.answers.pop(0) if len(server.answers) > 1 else server.answers[0]
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v1/exchange/packets/"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- The structure of QCVN 102 packets (EDXML.md §2–3) -----------------------------------------------


def xpath(tree, path: str) -> list:
    return tree.xpath(path, namespaces=NS)


def one(tree, path: str):
    found = xpath(tree, path)
    assert len(found) == 1, (path, found)
    return found[0]


def local_names(element) -> list[str]:
    return [etree.QName(child).localname for child in element if isinstance(child.tag, str)]


def _envelope(raw: bytes):
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(raw)
    assert root.tag == f"{{{NAMESPACE}}}edXML" and root.nsmap == {None: NAMESPACE}
    envelope = one(root, "/e:edXML/e:edXMLEnvelope")
    assert all(element.prefix == "edXML" for element in envelope.iter() if isinstance(element.tag, str))
    return root


def check_document_packet(raw: bytes) -> dict:
    """A document packet as EDXML.md §2 draws it; returns what the tests compare."""
    root = _envelope(raw)
    assert local_names(root) == ["edXMLEnvelope", "AttachmentEncoded"]
    header = one(root, "/e:edXML/e:edXMLEnvelope/e:edXMLHeader")
    assert local_names(header)[:2] == ["MessageHeader", "TraceHeaderList"]
    message = one(header, "e:MessageHeader")
    names = local_names(message)
    assert names[0] == "From" and names[-1] == "DocumentId" and "To" in names
    for required in ("Code", "PromulgationInfo", "Subject", "SignerInfo", "OtherInfo"):
        assert required in names, required
    document_id = one(message, "e:DocumentId/text()")
    assert DOCUMENT_ID.fullmatch(document_id), document_id
    sender = one(message, "e:From/e:OrganId/text()")
    date = one(message, "e:PromulgationInfo/e:PromulgationDate/text()")
    number, notation = one(message, "e:Code/e:CodeNumber/text()"), one(message, "e:Code/e:CodeNotation/text()")
    assert document_id == f"{sender},{date},{number}/{notation}"
    trace = one(header, "e:TraceHeaderList")
    assert all(TIMESTAMP.fullmatch(stamp) for stamp in xpath(trace, "e:TraceHeader/e:Timestamp/text()"))
    assert one(trace, "e:Bussiness/e:BussinessDocType/text()") == "0"
    manifest = one(root, "/e:edXML/e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest")
    assert manifest.get("version") == "1.0"
    references = xpath(manifest, "e:Reference/e:ContentId/text()")
    files = xpath(root, "/e:edXML/e:AttachmentEncoded/e:Attachment/e:ContentId/text()")
    assert references and [reference.removeprefix("cid:") for reference in references] == files
    for attachment in xpath(root, "/e:edXML/e:AttachmentEncoded/e:Attachment"):
        assert local_names(attachment) == ["ContentId", "AttachmentName", "Description", "ContentType",
                                           "ContentTransferEncoded"]
    return {"document_id": document_id, "from": sender, "to": xpath(message, "e:To/e:OrganId/text()"),
            "files": xpath(manifest, "e:Reference/e:AttachmentName/text()")}


def check_status_packet(raw: bytes) -> dict:
    """A status packet as EDXML.md §3 draws it; returns what the tests compare."""
    root = _envelope(raw)
    assert local_names(root) == ["edXMLEnvelope"]
    assert xpath(root, "//e:edXMLBody | //e:AttachmentEncoded") == []
    status = one(root, "/e:edXML/e:edXMLEnvelope/e:edXMLHeader/e:Status")
    names = local_names(status)
    assert names[:2] == ["From", "ResponseFor"] and names[-3:] == ["StatusCode", "Description", "Timestamp"]
    code = one(status, "e:StatusCode/text()")
    assert code in {member.value for member in StatusCode}
    assert TIMESTAMP.fullmatch(one(status, "e:Timestamp/text()"))
    document_id = one(status, "e:ResponseFor/e:DocumentId/text()")
    assert DOCUMENT_ID.fullmatch(document_id), document_id
    return {"code": code, "from": one(status, "e:From/e:OrganId/text()"), "document_id": document_id,
            "description": (xpath(status, "e:Description/text()") or [""])[0],
            "timestamp": one(status, "e:Timestamp/text()")}
