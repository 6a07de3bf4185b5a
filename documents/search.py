"""Finding documents by the words of their subject, number, notation and issuer, with or without
diacritics ("so tay" finds "Sổ tay"): the words are compared without diacritics against
``Document.search_text``, through PostgreSQL's full-text index or, on SQLite, as substrings."""

from django.db.models import QuerySet

from engine import rows

from .records import plain


def matching(queryset: QuerySet, words: str) -> QuerySet:
    return rows.words_filter(queryset, "search_text", plain(words)[:200].split())
