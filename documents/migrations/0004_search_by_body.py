"""The document search by body (documents.access.searchable_documents): on PostgreSQL the full-text
index holds each document's body as one more word ("#" and its code, which no text's words can be),
so a search within some bodies finds only their documents in the index, instead of reading every
body's matches and testing them row by row. A document linked to a process of another body is
marked, so the search reaches it through those few links."""

from django.db import migrations, models
from django.db.models import F

from engine import rows

OLD_INDEX, INDEX = "document_search", "document_search_body"


def mark_links_across_bodies(apps, schema_editor):
    DocumentProcess = apps.get_model("documents", "DocumentProcess")
    DocumentProcess.objects.exclude(document__body=F("instance__body")).update(across_bodies=True)


def index_by_body(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        Document = apps.get_model("documents", "Document")
        schema_editor.execute(rows.full_text_index_sql(Document, "search_text", INDEX, tag="body"))
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")


def index_by_words(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(rows.full_text_index_sql(apps.get_model("documents", "Document"), "search_text",
                                                       OLD_INDEX))
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_lead_and_cooperating_units"),
        ("engine", "0004_instance_summary_and_outcome"),
    ]

    operations = [
        migrations.AddField(
            model_name="documentprocess",
            name="across_bodies",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddIndex(
            model_name="documentprocess",
            index=models.Index(condition=models.Q(("across_bodies", True)), fields=["instance"],
                               name="document_process_across"),
        ),
        migrations.RunPython(mark_links_across_bodies, migrations.RunPython.noop),
        migrations.RunPython(index_by_body, index_by_words),
    ]
