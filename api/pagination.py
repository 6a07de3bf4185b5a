from django.core.paginator import Page
from django.db.models import Count, Window
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """?page=N&page_size=M, at most 200 per page."""

    page_size_query_param = "page_size"
    max_page_size = 200


class CountedInPagePagination(Pagination):
    """The same pages, with the total counted in the page's own query (``COUNT(*) OVER ()``): a
    filtered list whose matches must all be found anyway (a document search sorts them) then costs
    one pass instead of two; the count is read apart only for a page past the end. Not for a list
    an index hands over in order: the window would read every row for a page of twenty.

    That pass carries only the ids; the page's rows are then read by id, through the view's
    ``page_rows(pks)`` when it has one (else through the queryset again, whose filters PostgreSQL may
    then re-run over every match). Counted and sorted as whole rows, the 5,049 matches of a clerk's
    search took 22 ms; as ids, 5 ms (``docs/BENCHMARKS.md``, 2026-12-07)."""

    def paginate_queryset(self, queryset, request, view=None):
        size = self.get_page_size(request)
        if not size:
            return None
        try:
            number = int(request.query_params.get(self.page_query_param, 1))
        except (TypeError, ValueError):
            number = 0
        if number < 1:
            raise NotFound(self.invalid_page_message.format(page_number=number, message=""))
        keys = list(queryset.annotate(counted_total=Window(Count("pk")))
                    .values_list("pk", "counted_total")[(number - 1) * size:number * size])
        paginator = self.django_paginator_class(queryset, size)
        paginator.count = keys[0][1] if keys else queryset.count()
        if not keys and number > 1:
            raise NotFound(self.invalid_page_message.format(page_number=number, message=""))
        pks = [pk for pk, _total in keys]
        read = getattr(view, "page_rows", None)
        found = {row.pk: row for row in (read(pks) if read else queryset.filter(pk__in=pks))}
        rows = [found[pk] for pk, _total in keys if pk in found]
        self.page, self.request = Page(rows, number, paginator), request
        return rows
