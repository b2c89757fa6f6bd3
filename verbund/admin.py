"""Admin for files, legal bases, orders and participations; every change is logged.

Records are deliberately absent: running the platform grants no access to police data.
Catalogues are read-only here: only the BKA publishes them (R-C4, catalogue service).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.admin_mixins import AuditedAdminMixin
from verbund.errors import DomainError
from verbund.models import (
    CatalogueValue,
    CatalogueVersion,
    DateRule,
    EstablishmentOrder,
    EstablishmentOrderApproval,
    File,
    LegalBasis,
    Participation,
)
from verbund.services.date_rules import check_periods
from verbund.services.legal_bases import ordinance_register


@admin.register(LegalBasis)
class LegalBasisAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Statutes, ordinances and establishment orders (R-A3)."""

    list_display = ("citation", "kind", "in_force_from")


class OrdinanceForm(forms.Form):
    """Register the ordinance a file rests on (R-A3, R-M5): citation and entry into force."""

    citation = forms.CharField(label=_("Fundstelle der Verordnung"), max_length=300)
    in_force_from = forms.DateField(
        label=_("Inkrafttreten"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Einträge sind ab diesem Tag zulässig, nicht rückwirkend."),
    )


@admin.register(File)
class FileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Files (R-A1); administrators register a file's ordinance here (R-A3, R-M5).

    The legal basis is not edited in the plain change form: the ordinance goes through
    ``ordinance_register`` (validated, logged ``file.ordinance_register``).
    """

    list_display = ("code", "name", "legal_basis", "is_atd", "ordinance_link")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """An existing file's basis changes only through the ordinance registration."""
        return ("legal_basis",) if obj is not None else ()

    @admin.display(description=_("Verordnung"))
    def ordinance_link(self, obj: File) -> str:
        url = reverse("admin:verbund_file_ordinance", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Verordnung registrieren"))

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<path:object_id>/ordinance/",
                self.admin_site.admin_view(self.ordinance_view),
                name="verbund_file_ordinance",
            )
        ]
        return own + super().get_urls()

    def ordinance_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Show and take the ordinance form; the service checks and logs it."""
        file = self.get_object(request, object_id)
        if file is None:
            raise Http404
        if not self.has_change_permission(request, file):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = OrdinanceForm(request.POST or None)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    basis = ordinance_register(
                        file=file,
                        citation=form.cleaned_data["citation"],
                        in_force_from=form.cleaned_data["in_force_from"],
                        actor=request.user,
                    )
                except DomainError as exc:
                    for name, details in exc.fields.items():
                        for detail in details:
                            form.add_error(name if name in form.fields else None, detail)
                    if not exc.fields:
                        form.add_error(None, exc.detail)
                else:
                    self.message_user(
                        request,
                        _("%(file)s: %(citation)s, Einträge ab %(day)s.")
                        % {
                            "file": file.code,
                            "citation": basis.citation,
                            "day": basis.in_force_from.isoformat(),
                        },
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:verbund_file_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Verordnung registrieren"),
            "opts": self.model._meta,
            "original": file,
            "form": form,
        }
        return TemplateResponse(
            request, "admin/verbund/file/register_ordinance.html", context, status=status
        )


class ApprovalInline(admin.TabularInline):
    """Approvals of an order version (R-A6)."""

    model = EstablishmentOrderApproval
    extra = 0


class EstablishmentOrderForm(forms.ModelForm):
    """An order version; its review and storage periods within the project cap (R-L4a)."""

    class Meta:
        model = EstablishmentOrder
        fields = [
            "file",
            "version",
            "effective_from",
            "text",
            "purposes",
            "urgencies",
            "hit_limit",
            "searches_per_minute",
            "participants",
            "review_months",
            "storage_months",
            "search_modes",
            "transfer_recipients",
            "bfdi_heard_on",
        ]

    def clean_search_modes(self) -> Any:
        """An empty field is "the file's defaults" (an empty list), not null."""
        return self.cleaned_data.get("search_modes") or []

    def clean_transfer_recipients(self) -> Any:
        """An empty field is "no list" (an empty list), not null."""
        return self.cleaned_data.get("transfer_recipients") or []

    def clean(self) -> dict[str, Any]:
        """Refuse periods above the cap or reviews longer than storage, naming the field."""
        data = super().clean() or {}
        review, storage = data.get("review_months"), data.get("storage_months")
        if review or storage:
            errors = _PeriodErrors()
            check_periods(review, storage, errors)
            for path, details in errors.fields.items():
                name = path.split(".")[0]
                for detail in details:
                    self.add_error(name if name in self.fields else None, f"{path}: {detail}")
        return data


class _PeriodErrors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, path: str, code: str, detail: str, kind: Any = None) -> None:
        self.fields.setdefault(path, []).append(detail)


@admin.register(EstablishmentOrder)
class EstablishmentOrderAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Versioned establishment orders (R-A1, R-A6); GWS periods within the cap (R-L4a)."""

    form = EstablishmentOrderForm
    list_display = ("file", "version", "effective_from", "hit_limit", "searches_per_minute")
    inlines = [ApprovalInline]


@admin.register(Participation)
class ParticipationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Participations with their legal basis (R-A2, R-A3)."""

    list_display = ("file", "agency", "legal_basis")
    list_filter = ("file",)


class ValueInline(admin.TabularInline):
    """Values of a catalogue version (read-only)."""

    model = CatalogueValue
    extra = 0

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(admin.ModelAdmin):
    """Published catalogue versions, read-only (the BKA publishes through the service)."""

    list_display = ("field", "number", "valid_from", "published_by")
    inlines = [ValueInline]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(DateRule)
class DateRuleAdmin(admin.ModelAdmin):
    """Agencies' date rules, read-only: heads configure them (date_rule_create, logged)."""

    list_display = ("agency", "file", "provision", "valid_from", "created_by")
    list_filter = ("file",)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
