"""Log in and out of the browser UI (django.contrib.auth; django-axes locks after 5 failures)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKOUT_TEMPLATE = "registration/lockout.html"


class LoginView(auth_views.LoginView):
    """Show the German login form; a logged-in officer goes straight to the start page."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        """R-N1: a foreign account is refused after its password was checked, never logged in."""
        user = form.get_user()
        if getattr(user, "foreign", False):
            from international.middleware import foreign_refused_response
            from international.services.foreign import foreign_attempt_record

            foreign_attempt_record(user=user, channel="login")
            return foreign_refused_response(self.request)
        return super().form_valid(form)

    def get_default_redirect_url(self) -> str:
        """Supervisors land on their console (issue 17), officers on the start page."""
        if getattr(self.request.user, "role", "") == "supervisor":
            from django.urls import reverse

            return reverse("console:index")
        return str(super().get_default_redirect_url())


class LogoutView(auth_views.LogoutView):
    """End the session (POST only, with CSRF token) and return to the login page."""

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        """Opened directly (GET): a German 405 page with the way back, not an empty page."""
        from verbund.views.errors import method_not_allowed

        return method_not_allowed(
            request, [m.upper() for m in self.http_method_names if m != "options"]
        )


def lockout(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """Answer a login attempt of a locked-out account (AXES_LOCKOUT_CALLABLE).

    The page says clearly that the account is locked after too many failed attempts and
    when to try again; it tells nothing about whether the account exists. Under /api/ the
    answer is the JSON error shape of api.md.
    """
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    if request.path.startswith("/api/"):
        body = {
            "code": "locked_out",
            "detail": "Zu viele fehlgeschlagene Anmeldeversuche; das Konto ist vorübergehend "
            "gesperrt.",
            "fields": {},
        }
        response = JsonResponse(body, status=429)
        if cool_off:
            response["Retry-After"] = str(int(cool_off.total_seconds()))
        return response
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, LOCKOUT_TEMPLATE, context, status=429)
