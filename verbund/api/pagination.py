"""Page collections as ``{"count","next","previous","results"}``."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Default page-number pagination with a bounded page size."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
