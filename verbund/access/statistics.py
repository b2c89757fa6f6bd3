"""The one record query of the public report (R-J5): counts, never rows.

The report (``verbund.selectors.statistics``) publishes aggregate figures only; this is where
it reaches the records table, so the architecture rule "record fetches go through
``verbund.access``" holds. The queryset is only ever aggregated (``values`` + ``Count`` /
``Sum``): no record, field value or id leaves it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from verbund.models import Record


def records_entered_by(file_ids: Iterable[Any], until: datetime.datetime) -> QuerySet[Record]:
    """Return the records of the files entered before ``until``, for aggregation only."""
    return Record.objects.filter(file_id__in=list(file_ids), created_at__lt=until)
