"""Query filters of the list endpoints (django-filter ``FilterSet``s).

django-filter declares each parameter once: it validates the value, filters the queryset and
documents the parameter in the schema (drf-spectacular's django-filter extension). This
module adds what the contract needs on top:

- an invalid value is 400 with the api.md error shape, ``code`` taken from the form field's
  error (``invalid_choice`` for a value outside the choices, ``invalid`` otherwise) and
  ``fields`` naming the parameter;
- a query parameter the endpoint does not know (a filter that does not exist, a typo such as
  ``?stroage=covert``) is 400 ``unknown_parameter`` rather than silently ignored: a caller
  must never read an unfiltered list as a filtered one; a parameter given twice is 400 too,
  except a list (``ordering``), whose repeated values are read as one comma-separated list;
- choices of codes (files, agencies) are offered as choices, compared in Python: a NUL byte
  or any other unknown value is refused before a query runs; an empty value (``?storage=``)
  is 400 too, never read as "no filter".

The filters narrow only what the access layer (``verbund.access``) already let through.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import django_filters
import django_filters.fields
from django import forms as django_forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request

from agencies.models import Agency
from audit.models import AuditEvent
from verbund.errors import Invalid
from verbund.models import File, InboxItem, Record
from verbund.models.inbox import InboxKind
from verbund.models.records import RecordKind, RecordStatus, Storage

# Parameters every list understands beside its filters (DRF pagination, format override).
COMMON_PARAMETERS = frozenset({"page", "page_size"})
YES_NO = [("1", "1"), ("true", "true"), ("0", "0"), ("false", "false")]


def file_codes() -> list[tuple[str, str]]:
    """Return the file codes as filter choices (a code outside them: 400 invalid_choice)."""
    return [(code, code) for code in File.objects.order_by("code").values_list("code", flat=True)]


def _agency_codes() -> list[tuple[str, str]]:
    codes = Agency.objects.order_by("code").values_list("code", flat=True)
    return [(code, code) for code in codes]


def purpose_codes() -> list[tuple[str, str]]:
    """Return every purpose code of every order version of every file (filter choices)."""
    from verbund.models import EstablishmentOrder

    codes: set[str] = set()
    for purposes in EstablishmentOrder.objects.values_list("purposes", flat=True):
        for item in purposes if isinstance(purposes, list) else []:
            if isinstance(item, dict) and isinstance(item.get("code"), str):
                codes.add(item["code"])
    return [(code, code) for code in sorted(codes)]


class PeriodForm(django_forms.Form):
    """A filter form whose ``until`` must lie after its ``since`` (400 ``invalid_range``)."""

    def clean(self) -> dict[str, Any]:
        """Refuse an empty or reversed time window instead of answering nothing."""
        data: dict[str, Any] = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and until <= since:
            raise django_forms.ValidationError(
                {
                    "until": django_forms.ValidationError(
                        "„until“ muss nach „since“ liegen.", code="invalid_range"
                    )
                }
            )
        return data


class StrictFilterBackend(DjangoFilterBackend):
    """``DjangoFilterBackend`` that answers 400 for invalid values and unknown parameters."""

    def get_filterset_kwargs(
        self, request: Request, queryset: QuerySet[Any], view: Any
    ) -> dict[str, Any]:
        """Read a repeated list parameter (``?ordering=a&ordering=b``) as ``a,b``.

        The schema documents list filters as one comma-separated value (``explode: false``);
        some generated clients repeat the parameter instead. Any other repeated parameter is
        400: which of two values was meant cannot be guessed.
        """
        kwargs: dict[str, Any] = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        lists = {
            name
            for name, field in (filterset_class.base_filters if filterset_class else {}).items()
            if isinstance(field, django_filters.filters.BaseCSVFilter)
        }
        data = request.query_params.copy()
        for name in request.query_params:
            values = request.query_params.getlist(name)
            if len(values) < 2:
                continue
            if name not in lists:
                detail = "Parameter nur einmal angeben."
                raise Invalid(detail, code="invalid", fields={name: [detail]})
            data.setlist(name, [",".join(values)])
        kwargs["data"] = data
        return kwargs

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        """Validate every query parameter, then filter."""
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        known = COMMON_PARAMETERS | set(filterset.form.fields)
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            detail = "Unbekannter Parameter; zulässig: " + ", ".join(sorted(known)) + "."
            raise Invalid(
                detail, code="unknown_parameter", fields={name: [detail] for name in unknown}
            )
        for name, value in request.query_params.items():
            if value == "":
                # ``?storage=`` is a mistake, not "no filter": say so (the schema allows no
                # empty value either).
                detail = "Wert angeben oder den Parameter weglassen."
                raise Invalid(detail, code="invalid", fields={name: [detail]})
            if "\x00" in value:
                # PostgreSQL refuses NUL bytes in a query: 400, never 500 (api.md).
                detail = "Unzulässige Zeichen."
                raise Invalid(detail, code="invalid_characters", fields={name: [detail]})
        if not filterset.is_valid():
            errors = filterset.form.errors.as_data()
            fields = {
                name: [str(m) for e in errs for m in e.messages] for name, errs in errors.items()
            }
            first = next(iter(errors.values()))[0]
            code = first.code or "invalid"
            detail = f"Unzulässiger Wert für „{next(iter(errors))}“."
            raise Invalid(detail, code=code, fields=fields)
        return filterset.qs


class RecordFilter(django_filters.FilterSet):
    """Filters of ``GET /records/`` (the caller's agency's records)."""

    file = django_filters.ChoiceFilter(
        field_name="file__code", choices=file_codes, help_text="File code, e.g. ATD or GWS."
    )
    storage = django_filters.ChoiceFilter(choices=Storage.choices, help_text="Storage mode.")
    kind = django_filters.ChoiceFilter(choices=RecordKind.choices, help_text="Person or object.")
    status = django_filters.ChoiceFilter(
        choices=RecordStatus.choices, help_text="`active` or `blocked` (R-L3)."
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
            ("file_number", "file_number"),
            ("review_date", "review_date"),
            ("deletion_date", "deletion_date"),
        ),
        help_text="Sort key; a leading `-` sorts descending. Default: `-created_at`.",
    )

    class Meta:
        model = Record
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Filter, then sort; the record id breaks ties so that pages never overlap."""
        qs = super().filter_queryset(queryset)
        ordering = self.form.cleaned_data.get("ordering") or ["-created_at"]
        return qs.order_by(*ordering, "pk")


class InboxFilter(django_filters.FilterSet):
    """Filters of ``GET /inbox/``."""

    kind = django_filters.ChoiceFilter(choices=InboxKind.choices, help_text="Item kind.")
    open = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_open",
        help_text="`1`/`true`: only items not done; `0`/`false`: every item (the default).",
    )

    class Meta:
        model = InboxItem
        fields: list[str] = []

    def filter_open(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Keep open items only when asked to."""
        if value in ("1", "true"):
            return queryset.filter(done_at__isnull=True)
        return queryset


# The calendar-date forms of ISO 8601 the API takes (api.md "Conventions": week and ordinal
# dates, and the basic format without hyphens, are 400 invalid_date).
ISO_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?"
)


class CalendarDateTimeField(django_filters.fields.IsoDateTimeField):
    """``IsoDateTimeField`` limited to calendar dates (``YYYY-MM-DD[THH:MM[:SS][offset]]``)."""

    def to_python(self, value: Any) -> Any:
        """Refuse week dates (``2026-W49``), ordinal dates and the basic format."""
        if value not in self.empty_values and not ISO_DATE_TIME.fullmatch(str(value)):
            raise ValidationError(
                "Zeitpunkt als JJJJ-MM-TT oder JJJJ-MM-TTThh:mm[:ss][Zone] angeben.",
                code="invalid_date",
            )
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages, code="invalid_date") from None


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time (calendar date, optionally with time and zone), compared in UTC.

    ISO 8601 and Python allow UTC offsets up to 23:59, PostgreSQL's ``timestamptz`` only up
    to 15:59: ``2026-01-01T00:00:00+16:00`` must be the same instant in UTC, not a 500.
    """

    field_class = CalendarDateTimeField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        """Filter with the value converted to UTC."""
        if value is not None and getattr(value, "tzinfo", None) is not None:
            try:
                value = value.astimezone(datetime.UTC)
            except OverflowError:
                # Before 0001-01-01 or after 9999-12-31 in UTC: the ends of the calendar.
                end = datetime.datetime.min if value.year == 1 else datetime.datetime.max
                value = end.replace(tzinfo=datetime.UTC)
        return super().filter(qs, value)


class AuditEventFilter(django_filters.FilterSet):
    """Filters of ``GET /audit/events/`` (within the supervisor's jurisdiction)."""

    agency = django_filters.ChoiceFilter(
        field_name="agency",
        choices=_agency_codes,
        method="filter_agency",
        help_text="Acting agency code.",
    )
    since = UTCDateTimeFilter(
        field_name="time", lookup_expr="gte", help_text="From this time (ISO 8601, inclusive)."
    )
    until = UTCDateTimeFilter(
        field_name="time", lookup_expr="lt", help_text="Before this time (ISO 8601, exclusive)."
    )
    # Console branch (issue 17, R-I4): officer, file, action, purpose and the drill-down from
    # a reference to every access of it.
    officer = django_filters.CharFilter(
        field_name="officer_username",
        max_length=150,
        method="filter_officer",
        help_text="Username of the acting officer, e.g. `lka-bw.analyst`.",
    )
    file = django_filters.ChoiceFilter(
        field_name="file", choices=file_codes, help_text="File code, e.g. ATD or GWS."
    )
    action = django_filters.CharFilter(
        field_name="action", max_length=40, help_text="Action, e.g. `search.create`."
    )
    purpose = django_filters.ChoiceFilter(
        field_name="purpose",
        choices=purpose_codes,
        help_text="Purpose code given for the access (a purpose of a file's order, e.g. "
        "`ct_task`, `event_danger`).",
    )
    record = django_filters.UUIDFilter(
        method="filter_record",
        help_text="Every event about this record (open references, object id, and covert "
        "references where you are competent).",
    )
    file_number = django_filters.CharFilter(
        method="filter_file_number",
        max_length=80,
        help_text="Every event about records with this file number.",
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = PeriodForm

    def _codes(self) -> set[str]:
        from audit.selectors import supervised_codes

        return supervised_codes(getattr(self.request, "user", None))

    def filter_agency(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """The acting agency by its id, not through a join (the index plan, bench-audit)."""
        from audit.selectors import acting_agency_id

        pk = acting_agency_id(value)
        return queryset.filter(agency_id=pk) if pk is not None else queryset.none()

    def filter_officer(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Usernames are lower case."""
        return queryset.filter(officer_username=value.strip().lower())

    def filter_record(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        """Events about one record (GIN containment on the reference columns)."""
        from audit.selectors import reference_filter

        return queryset.filter(reference_filter(str(value), self._codes(), key="record"))

    def filter_file_number(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Events about records with one file number."""
        from audit.selectors import reference_filter

        return queryset.filter(reference_filter(value, self._codes(), key="file_number"))
