"""Page collections as ``{"count","next","previous","results"}`` (api.md conventions).

DRF's ``PageNumberPagination``: drf-spectacular documents it (the ``Paginated…List``
components, the ``page`` and ``page_size`` parameters), and clients follow ``next``. Two
changes: a ``page`` or ``page_size`` that is not a positive whole number, or a ``page_size``
over 200, is 400 ``invalid`` naming the parameter (DRF would answer 404 for the one and
silently use the default or cap the other: the caller would read fewer items than it asked
for as all there are); a page past the last one stays 404 ``not_found``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from verbund.errors import Invalid

MAX_PAGE = 999_999_999


def _positive_int(request: Request, name: str, maximum: int = MAX_PAGE) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 9 and 0 < int(raw) <= maximum):
        detail = f"„{name}“ muss eine ganze Zahl von 1 bis {maximum} sein."
        raise Invalid(detail, code="invalid", fields={name: [detail]})
    return int(raw)


class Pagination(PageNumberPagination):
    """Page-number pagination: 50 a page by default, ``page_size`` up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        """Check ``page`` (a positive whole number) before DRF pages the queryset."""
        _positive_int(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        """Return ``page_size`` or the default; 400 unless it is a number from 1 to 200."""
        size = _positive_int(request, self.page_size_query_param, self.max_page_size)
        return self.page_size if size is None else size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """Document ``page`` and ``page_size`` with their bounds."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": MAX_PAGE})
                parameter["description"] = "Page number (1 = first). Past the last page: 404."
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(
                    {"minimum": 1, "maximum": self.max_page_size, "default": self.page_size}
                )
                parameter["description"] = (
                    f"Items per page (default {self.page_size}, at most {self.max_page_size})."
                )
        return parameters
