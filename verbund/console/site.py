"""The supervision console: its own ``AdminSite`` at ``/aufsicht/``, for supervisors only.

The supervisor's whole workplace (issue 17; R-I4, R-J1-J7, R-L6): the log with filters and
drill-down (``verbund.console.log``), records with their decisions and the complaint form,
complaints and their outcomes, overdue duties per agency, delegations, mandatory controls,
and links to the chain check and the public report. Anybody else: an anonymous visitor is
sent to the login page, a logged-in officer gets 403; superusers keep ``/admin/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from audit.models import AuditEvent
from verbund.console.log import AuditEventConsoleAdmin


def verify_url() -> tuple[str, bool]:
    """Return the chain-check link: the checkpoints endpoint once it exists, else verify."""
    try:
        return reverse("api-audit-checkpoints"), True
    except NoReverseMatch:
        return reverse("api-audit-verify"), False


class SupervisionSite(admin.AdminSite):
    """The console: supervisors only; its own navigation, pages and log view."""

    site_header = _("Supervision console")
    site_title = _("Supervision console")
    index_title = _("Overview")
    index_template = "console/index.html"
    site_url = None
    enable_nav_sidebar = False
    final_catch_all_view = False

    def has_permission(self, request: HttpRequest) -> bool:
        """Active data-protection supervisors with a jurisdiction."""
        user = request.user
        return bool(
            user.is_active
            and getattr(user, "role", "") == "supervisor"
            and getattr(user, "jurisdiction", "")
        )

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Any:
        """Anonymous: to the login page; logged in but not a supervisor: 403."""

        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("login"))
            if not self.has_permission(request):
                from verbund.views.errors import permission_denied

                return permission_denied(request, None)
            return view(request, *args, **kwargs)

        inner.admin_site = self  # type: ignore[attr-defined]
        if not cacheable:
            inner = never_cache(inner)
        if not getattr(view, "csrf_exempt", False):
            inner = csrf_protect(inner)
        return inner

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """The application's login page, back to the console afterwards."""
        return redirect_to_login(reverse("console:index"), reverse("login"))

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        """The console navigation on every page."""
        context = super().each_context(request)
        url, live = verify_url()
        context.update(
            {
                "console_verify_url": url,
                "console_verify_live": live,
                "console_report_url": "/bericht/",
            }
        )
        return context

    def get_urls(self) -> list[Any]:
        """The console's own pages before the registered models' lists."""
        from verbund.console import views

        own = [
            path("datensaetze/", self.admin_view(views.record_find), name="record_find"),
            path("datensaetze/<str:record_id>/", self.admin_view(views.record_page), name="record"),
            path("beanstandungen/", self.admin_view(views.complaints_page), name="complaints"),
            path("pflichten/", self.admin_view(views.duties_page), name="duties"),
            path("delegationen/", self.admin_view(views.delegations_page), name="delegations"),
            path(
                "delegationen/<str:delegation_id>/widerruf/",
                self.admin_view(views.delegation_revoke_view),
                name="delegation_revoke",
            ),
            path("kontrollen/", self.admin_view(views.controls_page), name="controls"),
            path(
                "kontrollen/<str:plan_id>/",
                self.admin_view(views.control_record_view),
                name="control_record",
            ),
        ]
        return own + super().get_urls()

    def index(self, request: HttpRequest, extra_context: Any = None) -> Any:
        """The overview: what needs attention."""
        from verbund.console import views

        return views.index_page(request, self)


console_site = SupervisionSite(name="console")
console_site.register(AuditEvent, AuditEventConsoleAdmin)
