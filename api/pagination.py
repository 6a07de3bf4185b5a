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
    an index hands over in order: the window would read every row for a page of twenty."""

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
        rows = list(queryset.annotate(counted_total=Window(Count("pk")))[(number - 1) * size:number * size])
        paginator = self.django_paginator_class(queryset, size)
        paginator.count = rows[0].counted_total if rows else queryset.count()
        if not rows and number > 1:
            raise NotFound(self.invalid_page_message.format(page_number=number, message=""))
        self.page, self.request = Page(rows, number, paginator), request
        return rows

