"""Document rows rendered through ``api.serializers.rows.PageRowsSerializer`` are exactly what DRF's own
path gives: the same keys in the same order, the same values, for rows with every field filled in and
with every field that may be empty left empty, read back from the database."""

from datetime import UTC, date, datetime

import pytest
from rest_framework import serializers

from api.serializers.documents import DocumentDetailSerializer, DocumentSerializer
from api.serializers.rows import AS_STORED, _as_stored
from documents.models import Confidentiality, Direction, Document, DocumentType, Register


def through_drf(cls):
    """``cls`` as DRF alone renders it: fields worked out for each serializer, each field's own
    ``to_representation``; the view's subject kept as ``DocumentSerializer`` keeps it."""

    class ThroughDRF(cls):
        def get_fields(self):
            return serializers.ModelSerializer.get_fields(self)

        def to_representation(self, document):
            shown = serializers.ModelSerializer.to_representation(self, document)
            subjects = self.context.get("subjects", {})
            if document.pk in subjects:
                shown["subject"] = subjects[document.pk]
            return shown

    return ThroughDRF


@pytest.fixture
def stored(party_office):
    full = Document.objects.create(
        direction=Direction.INCOMING, body=party_office, register=Register.objects.filter(body__code=party_office)
        .first(), code_number="132", code_notation="CV/TU", issued_date=date(2026, 12, 1), organ_name="Tỉnh ủy Nghệ An",
        organ_id="000.00.00.H40", document_type=DocumentType.objects.first(), subject="Về công tác phòng, chống dịch",
        signer_competence="TM. BAN THƯỜNG VỤ", signer_position="Bí thư", signer_name="Nguyễn Văn A",
        recipients=["Đảng ủy xã", {"name": "Chi bộ 01"}], urgency="hoa_toc", confidentiality=Confidentiality.MAT,
        page_amount=3, description="Kèm phụ lục", arrival_number=17, arrival_date=datetime(2026, 12, 2, 1, 30,
                                                                                           tzinfo=UTC),
        due_date=date(2026, 12, 9), lead_unit="van_phong_dang_uy", co_units=["ban_xay_dung_dang"], status="assigned",
        created_at=datetime(2026, 12, 2, 1, 30, 5, 123456, tzinfo=UTC))
    empty = Document.objects.create(direction=Direction.OUTGOING, body=party_office, subject="Dự thảo",
                                    created_at=datetime(2026, 12, 3, 17, 0, tzinfo=UTC))
    return list(Document.objects.select_related("document_type").filter(pk__in=[full.pk, empty.pk]).order_by(
        "created_at"))


@pytest.mark.parametrize("cls", [DocumentSerializer, DocumentDetailSerializer])
def test_rows_are_what_drf_renders(stored, cls):
    context = {"subjects": {stored[0].pk: "***"}, "content_open": {stored[0].pk: True}, "recalled": {}, "links": {}}
    fast = cls(stored, many=True, context=context).data
    plain = through_drf(cls)(stored, many=True, context=context).data
    assert [list(row.items()) for row in fast] == [list(row.items()) for row in plain]
    assert fast[0]["subject"] == "***" and fast[0]["register"] is not None and fast[1]["issued_date"] is None
    assert fast[1]["document_type"] is None and fast[1]["arrival_date"] is None and fast[1]["page_amount"] is None


def test_fields_are_worked_out_once_and_copied_for_each_serializer(stored):
    first, second = DocumentSerializer(context={}), DocumentSerializer(context={})
    assert list(first.fields) == list(second.fields) == DocumentSerializer.Meta.fields
    assert first.fields["subject"] is not second.fields["subject"]  # each serializer binds its own
    assert first.fields["subject"].parent is first and second.fields["subject"].parent is second


def test_only_fields_that_show_the_stored_value_are_read_straight():
    serializer = DocumentSerializer(context={})
    straight = {name for name, stored, _field in serializer._plan() if stored is not None}
    assert {"subject", "urgency", "recipients", "page_amount", "arrival_number"} <= straight
    assert not straight & {"id", "register", "document_type", "issued_date", "arrival_date", "created_at", "number",
                           "content_open"}
    columns = {"subject", "page_amount"}
    choices = serializers.MultipleChoiceField(choices=["a"])  # a subclass may change the value
    choices.bind("subject", serializer)
    assert serializers.MultipleChoiceField not in AS_STORED and not _as_stored(choices, columns)
    text = serializers.CharField()  # not a column: a property might give something other than a string
    text.bind("number_label", serializer)
    assert not _as_stored(text, columns)
    text = serializers.CharField(source="page_amount")  # DRF gives "3" for a stored 3
    text.bind("pages", serializer)
    assert not _as_stored(text, columns)


def test_a_declared_field_over_a_column_goes_through_drf(stored):
    """A field declared on the serializer may convert what the column holds: it is never read straight."""

    class Declared(DocumentSerializer):
        page_amount = serializers.CharField(read_only=True)

    row = Declared(stored[0], context={}).data
    assert row["page_amount"] == "3" and row == through_drf(Declared)(stored[0], context={}).data
