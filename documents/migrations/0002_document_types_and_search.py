"""The national lists of document types (Party: QĐ 399-QĐ/TW; State: Decree 30/2020 Appendix III),
and, on PostgreSQL, the full-text index the document search uses."""

from django.db import migrations

from engine import rows

# code, name, abbreviation, system; Quy định is "QĐ" for the Party and "QyĐ" for the State.
TYPES = [
    ("nghi_quyet", "Nghị quyết", "NQ", "both"),
    ("quyet_dinh", "Quyết định", "QĐ", "both"),
    ("quy_dinh", "Quy định", "QyĐ", "state"),
    ("quy_dinh_dang", "Quy định", "QĐ", "party"),
    ("chi_thi", "Chỉ thị", "CT", "both"),
    ("ket_luan", "Kết luận", "KL", "party"),
    ("quy_che", "Quy chế", "QC", "both"),
    ("thong_tri", "Thông tri", "TT", "party"),
    ("huong_dan", "Hướng dẫn", "HD", "both"),
    ("thong_bao", "Thông báo", "TB", "both"),
    ("thong_cao", "Thông cáo", "TC", "both"),
    ("bao_cao", "Báo cáo", "BC", "both"),
    ("ke_hoach", "Kế hoạch", "KH", "both"),
    ("chuong_trinh", "Chương trình", "CTr", "both"),
    ("de_an", "Đề án", "ĐA", "both"),
    ("phuong_an", "Phương án", "PA", "both"),
    ("du_an", "Dự án", "DA", "both"),
    ("to_trinh", "Tờ trình", "TTr", "both"),
    ("cong_van", "Công văn", "CV", "both"),
    ("bien_ban", "Biên bản", "BB", "both"),
    ("cong_dien", "Công điện", "CĐ", "state"),
    ("giay_moi", "Giấy mời", "GM", "both"),
    ("giay_gioi_thieu", "Giấy giới thiệu", "GGT", "both"),
    ("giay_uy_quyen", "Giấy ủy quyền", "GUQ", "state"),
    ("hop_dong", "Hợp đồng", "HĐ", "state"),
]

def add_types(apps, schema_editor):
    DocumentType = apps.get_model("documents", "DocumentType")
    DocumentType.objects.bulk_create([DocumentType(code=code, name=name, abbreviation=abbreviation, system=system)
                                      for code, name, abbreviation, system in TYPES], ignore_conflicts=True)


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(rows.full_text_index_sql(apps.get_model("documents", "Document"), "search_text",
                                                       "document_search"))


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS document_search")


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [
        migrations.RunPython(add_types, migrations.RunPython.noop),
        migrations.RunPython(add_search_index, drop_search_index),
    ]
