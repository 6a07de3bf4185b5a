"""Exchange of documents between bodies: the national edXML packet (QCVN 102:2016/BTTTT, amended 2022).

Pure: standard library, lxml, Django's translation and ``engine.exceptions`` only, so the documents'
services, the transport and the tests use it without a database.
"""

from .edxml import (
    NAMESPACE,
    Attachment,
    Business,
    BusinessType,
    DocumentKind,
    DocumentPacket,
    Organ,
    PacketDocument,
    PacketError,
    Priority,
    Receiver,
    ReceiverType,
    Replacement,
    ResponseFor,
    StaffInfo,
    StatusCode,
    StatusPacket,
    TraceHop,
    build_document_packet,
    build_status_packet,
    make_document_id,
    parse,
)

__all__ = [
    "NAMESPACE",
    "Attachment",
    "Business",
    "BusinessType",
    "DocumentKind",
    "DocumentPacket",
    "Organ",
    "PacketDocument",
    "PacketError",
    "Priority",
    "Receiver",
    "ReceiverType",
    "Replacement",
    "ResponseFor",
    "StaffInfo",
    "StatusCode",
    "StatusPacket",
    "TraceHop",
    "build_document_packet",
    "build_status_packet",
    "make_document_id",
    "parse",
]
