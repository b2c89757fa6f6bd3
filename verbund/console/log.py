"""The log in the console: read-only, within jurisdiction, filtered, paged without COUNT(*).

R-I4: the supervisor filters by agency, officer, file, action, purpose and time, and drills
down from a reference (record id or file number) to every access of it. R-I5/R-J3: the
covert column is shown only where the supervisor is competent (``audit.selectors.
event_view``). Every page shown is logged (``audit.read``). The log may hold ten million
rows: no page view counts them (``show_full_result_count = False`` and a paginator that
counts at most ``COUNT_CAP`` rows), and the time filter is a range, not a date hierarchy
(which would aggregate the whole table).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.selectors import audit_events_for, event_view, supervised_agencies, supervised_codes
from audit.services import log_event
from verbund.console.labels import action_label
from verbund.models import File

# The paginator counts at most this many rows; beyond, the list says "more than".
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator that never counts more than ``COUNT_CAP`` rows (a LIMITed sub-query)."""

    @cached_property
    def count(self) -> int:
        """Rows up to the cap: ``SELECT COUNT(*) FROM (... LIMIT cap + 1)``."""
        rows: Any = self.object_list
        return int(rows[: COUNT_CAP + 1].count())


class InputFilter(admin.SimpleListFilter):
    """A list filter with a text box instead of links (values are many: officers, files)."""

    template = "console/input_filter.html"
    input_type = "text"
    placeholder: Any = ""

    def lookups(self, request: Any, model_admin: Any) -> Any:
        """A single pseudo-choice so that the filter is shown."""
        return [("", "")]

    def has_output(self) -> bool:
        """Always shown."""
        return True

    def choices(self, changelist: Any) -> Any:
        """The other parameters to keep when this one is submitted."""
        yield {
            "keep": [
                (k, v)
                for k, v in changelist.get_filters_params().items()
                if k != self.parameter_name
                for v in (v if isinstance(v, list) else [v])
            ],
            "value": self.value() or "",
            "input_type": self.input_type,
            "placeholder": self.placeholder,
            "name": self.parameter_name,
        }


class AgencyFilter(admin.SimpleListFilter):
    """Acting agency, among those the supervisor controls."""

    title = _("agency")
    parameter_name = "agency"

    def lookups(self, request: Any, model_admin: Any) -> Any:
        """The supervised agencies."""
        return [(a.code, a.name) for a in supervised_agencies(request.user).order_by("code")]

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow to one agency."""
        value = self.value()
        return queryset.filter(agency__code=value) if value else queryset


class FileFilter(admin.SimpleListFilter):
    """File (ATD, GWS)."""

    title = _("file")
    parameter_name = "file"

    def lookups(self, request: Any, model_admin: Any) -> Any:
        """The files."""
        return [
            (code, code) for code in File.objects.order_by("code").values_list("code", flat=True)
        ]

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow to one file."""
        value = self.value()
        return queryset.filter(file=value) if value else queryset


class ActionFilter(admin.SimpleListFilter):
    """Kind of access, in plain language."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request: Any, model_admin: Any) -> Any:
        """The actions officers take (labels, never codes)."""
        from verbund.console.labels import ACTION_LABELS

        return sorted(
            ((code, str(text)) for code, text in ACTION_LABELS.items()),
            key=lambda pair: pair[1],
        )

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow to one action."""
        value = self.value()
        return queryset.filter(action=value) if value else queryset


class OfficerFilter(InputFilter):
    """Username of the acting officer."""

    title = _("Officer (user name)")
    parameter_name = "officer"
    placeholder = "lka-bw.analyst"

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow to one officer."""
        value = (self.value() or "").strip().lower()
        return queryset.filter(officer_username=value) if value else queryset


class PurposeFilter(admin.SimpleListFilter):
    """Purpose given for a search."""

    title = _("purpose")
    parameter_name = "purpose"

    def lookups(self, request: Any, model_admin: Any) -> Any:
        """The purposes of the files."""
        from verbund.services.reference import ATD_PURPOSES, GWS_PURPOSES

        seen: dict[str, str] = {}
        for item in ATD_PURPOSES + GWS_PURPOSES:
            seen.setdefault(item["code"], item["label"])
        return sorted(seen.items(), key=lambda pair: pair[1])

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow to one purpose."""
        value = self.value()
        return queryset.filter(purpose=value) if value else queryset


class _DateFilter(InputFilter):
    input_type = "date"
    lookup = "gte"

    def _day(self) -> datetime.date | None:
        try:
            return parse_date((self.value() or "").strip())
        except ValueError:
            return None

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow by local calendar day (a malformed date is ignored and shown as such)."""
        day = self._day()
        if day is None:
            return queryset
        if self.lookup == "lt":
            day += datetime.timedelta(days=1)
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
        return queryset.filter(**{f"time__{self.lookup}": moment})


class SinceFilter(_DateFilter):
    """From this day (inclusive)."""

    title = _("From day")
    parameter_name = "since"
    lookup = "gte"


class UntilFilter(_DateFilter):
    """Up to this day (inclusive)."""

    title = _("Until day")
    parameter_name = "until"
    lookup = "lt"


class ReferenceFilter(InputFilter):
    """Drill-down: every access of one record (its id) or one file number (R-I4)."""

    title = _("Record id or file number")
    parameter_name = "ref"

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Events about the reference; covert ones only where competent (R-I5, R-J3)."""
        from audit.selectors import reference_filter

        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(reference_filter(value, request.console_codes))


def _about(value: str) -> tuple[str, str] | None:
    value = value.strip()
    if not value:
        return None
    try:
        return ("record", str(uuid.UUID(value)))
    except ValueError:
        return ("file_number", value)


class AuditEventConsoleAdmin(admin.ModelAdmin):
    """The supervisor's log: list only, read-only (R-I4, R-J1-J3)."""

    list_display = (
        "shown_time",
        "shown_agency",
        "shown_officer",
        "shown_action",
        "shown_file",
        "shown_purpose",
        "shown_references",
        "shown_covert",  # replaced per request by get_list_display
    )
    list_display_links = None
    list_filter = (
        ReferenceFilter,
        AgencyFilter,
        OfficerFilter,
        FileFilter,
        ActionFilter,
        PurposeFilter,
        SinceFilter,
        UntilFilter,
    )
    list_per_page = 50
    list_max_show_all = 50
    show_full_result_count = False
    # Facet counts would run a COUNT per filter choice over the whole log.
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedPaginator
    actions = None
    change_list_template = "console/change_list.html"
    ordering = ("-seq",)

    def get_urls(self) -> list[Any]:
        """The list only: no add, change, delete or history page."""
        name = f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        return [path("", self.admin_site.admin_view(self.changelist_view), name=name)]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Supervisors read (the site lets only them in)."""
        return self.admin_site.has_permission(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        """Listed on the console."""
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Append-only, written by the system."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Never changed."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Never deleted."""
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        """Events within jurisdiction or a log delegation (R-J1, R-J2)."""
        request.console_codes = supervised_codes(request.user)  # type: ignore[attr-defined]
        about = _about(request.GET.get("ref", ""))
        return audit_events_for(actor=request.user, about=about)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """Show a page of the log and log the page shown (``audit.read``)."""
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        cl = context.get("cl") if response.status_code == 200 else None
        if cl is not None:
            events = list(cl.result_list)
            with transaction.atomic():
                log_event(
                    actor=request.user,
                    action="audit.read",
                    details={
                        "events": [e.seq for e in events],
                        "query": dict(request.GET.lists()),
                        "via": "console",
                    },
                )
            context["count_capped"] = cl.result_count > COUNT_CAP
        return response

    @admin.display(description=_("time"), ordering="seq")
    def shown_time(self, obj: AuditEvent) -> str:
        """Local time."""
        return timezone.localtime(obj.time).strftime("%d.%m.%Y %H:%M:%S")

    @admin.display(description=_("agency"))
    def shown_agency(self, obj: AuditEvent) -> str:
        """Acting agency (blank: the system or a supervisor)."""
        return obj.agency.code if obj.agency else "–"

    @admin.display(description=_("officer"))
    def shown_officer(self, obj: AuditEvent) -> str:
        """The acting officer's username (blank: the system)."""
        return obj.officer_username or "–"

    @admin.display(description=_("file"))
    def shown_file(self, obj: AuditEvent) -> str:
        """The file code (ATD, GWS)."""
        return obj.file or "–"

    @admin.display(description=_("action"))
    def shown_action(self, obj: AuditEvent) -> str:
        """The access in plain language."""
        return action_label(obj.action)

    @admin.display(description=_("purpose"))
    def shown_purpose(self, obj: AuditEvent) -> str:
        """The purpose given, in plain language."""
        from verbund.services.reference import ATD_PURPOSES, GWS_PURPOSES

        if not obj.purpose:
            return "–"
        for item in ATD_PURPOSES + GWS_PURPOSES:
            if item["code"] == obj.purpose:
                return item["label"]
        return "–"

    def _refs(self, refs: list[dict[str, Any]]) -> str:
        shown = [r for r in refs if r.get("record") or r.get("file_number")][:10]
        if not shown:
            return "–"
        return format_html_join(
            ", ",
            '<a href="?ref={}" title="{}">{}</a> (<a href="{}">{}</a>)',
            (
                (
                    r.get("record") or r.get("file_number"),
                    _("every access of this record"),
                    f"{r.get('agency', '')} {r.get('file_number', '')}".strip(),
                    reverse("console:record", args=[r["record"]]) if r.get("record") else "#",
                    _("record"),
                )
                for r in shown
            ),
        )

    @admin.display(description=_("records"))
    def shown_references(self, obj: AuditEvent) -> str:
        """Open references, each a drill-down link and a link to the record."""
        return self._refs(obj.references or [])

    def get_list_display(self, request: HttpRequest) -> Any:
        """The columns; the covert one filtered for this supervisor (R-I5, R-J3)."""
        codes = supervised_codes(request.user)

        @admin.display(description=_("covert records"))
        def shown_covert(obj: AuditEvent) -> str:
            view = event_view(obj, supervised_codes=codes)
            return self._refs(view["covert"]) if view["covert"] else "–"

        return (*self.list_display[:-1], shown_covert)

    @admin.display(description=_("covert records"))
    def shown_covert(self, obj: AuditEvent) -> str:
        """Without the request's competence nothing covert is shown (see get_list_display)."""
        return "–"
