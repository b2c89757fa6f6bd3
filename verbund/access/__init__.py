"""The permission choke point: every visibility and permission decision about records."""

from verbund.access.records import (
    access_record,
    authorised_files,
    covert_filter,
    covert_matches_for,
    file_for_actor,
    may_enter,
    records_for,
    searchable_filter,
    searchable_for,
)

__all__ = [
    "access_record",
    "authorised_files",
    "covert_filter",
    "covert_matches_for",
    "file_for_actor",
    "may_enter",
    "records_for",
    "searchable_filter",
    "searchable_for",
]
