"""Finding documents by the words of their subject, number, notation and issuer, with or without
diacritics ("so tay" finds "Sổ tay"): the words are compared without diacritics against
``Document.search_text``, through PostgreSQL's full-text index or, on SQLite, as substrings.

The PostgreSQL index (migration 0004) holds each document's body as one more word, so that a search
within some bodies (``documents.access.searchable_documents``, with ``within``) reads only their
documents' matches."""

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from engine import rows

from .models import Document
from .records import plain

INDEX = "document_search_body"


def matching(queryset: QuerySet, words: str) -> QuerySet:
    return rows.words_filter(queryset, "search_text", plain(words)[:200].split(), tag="body")


def within(bodies: set[str]) -> RawSQL:
    """PostgreSQL: the documents of ``bodies`` (not empty), as the search index answers it."""
    return rows.tagged(Document, "search_text", "body", bodies)


def index_sql(model=Document) -> str:
    """The index ``matching`` and ``within`` use (for the migration and the benchmark's bulk load)."""
    return rows.full_text_index_sql(model, "search_text", INDEX, tag="body")
