"""Subject access pages: the desk's requests, the letter, the owner's decision (R-K).

Thin: the forms collect the input, ``subjects.services`` applies every rule; a refusal comes
back as a ``DomainError`` shown at its field. The inbox shows ``subject_request`` items with
a link to the owner's decision page (hooks below).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from agencies.models import as_officer
from audit.services import log_event
from subjects import selectors, services
from subjects.catalogue import applies_s15, s15_by_project_decision
from subjects.forms import (
    ASK_LABELS,
    CHALLENGE_KIND_LABELS,
    CHALLENGE_OUTCOME_LABELS,
    INVOKED_GROUND_LABELS,
    STATUS_LABELS,
    ChallengeDecisionForm,
    ChallengeForm,
    CourtRulingForm,
    DecisionForm,
    SubjectRequestForm,
)
from subjects.models import Outcome
from verbund.errors import DomainError, Forbidden, NotFound
from verbund.forms import labels
from verbund.forms.records import apply_simple_error
from verbund.models.inbox import InboxKind
from verbund.views import search as search_views
from verbund.views.common import forbidden

PAGE_SIZE = 50


def _asks(asks: list[str]) -> str:
    return ", ".join(str(ASK_LABELS.get(a, a)) for a in asks)


def _decisions(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "ask": ASK_LABELS.get(d["ask"], d["ask"]),
            # What was decided (past tense: "Abgelehnt"), not the form's button label.
            "outcome": Outcome(d["outcome"]).label if d["outcome"] in Outcome.values else "–",
            "ground": d.get("ground", ""),
            "reasons": d.get("reasons"),
            "withheld": d.get("reasons_withheld"),
            "decided_by": d["decided_by"],
        }
        for d in decisions
    ]


def _challenges(rows: list[dict[str, Any]], numbers: dict[str, str]) -> list[dict[str, Any]]:
    """Challenges as officers read them: labels, never codes (R-K4)."""
    return [
        {
            "id": ch["id"],
            "kind": CHALLENGE_KIND_LABELS.get(ch["kind"], ch["kind"]),
            "court_action": ch["kind"] == "court_action",
            "file_number": numbers.get(ch["consultation"] or "", ""),
            "text": ch["text"],
            "recorded_by": ch["recorded_by"],
            "recorded_at": ch["recorded_at"],
            "open": ch["outcome"] is None,
            "decidable": ch["kind"] == "objection" and ch["consultation"] is not None,
            "outcome": CHALLENGE_OUTCOME_LABELS.get(ch["outcome"] or "", ""),
            "reasons": ch["reasons"],
            "decided_by": ch["decided_by"],
            "decided_at": ch["decided_at"],
            "ruling": ch["ruling"],
            "deletion_ground": INVOKED_GROUND_LABELS.get(ch["deletion_ground"] or "", ""),
            "record_deleted": ch["record_deleted"],
        }
        for ch in rows
    ]


def _field_error(form: Any, exc: DomainError) -> None:
    """Show a refusal at its field (``applicant.surname`` is ``surname``)."""
    fields = {}
    for path, details in (exc.fields or {}).items():
        name = str(path).split(".")[-1]
        fields[name if name in form.fields else "__all__"] = details
    if not fields:
        form.add_error(None, exc.detail)
        return
    apply_simple_error(form, type(exc)(exc.detail, code=exc.code, fields=fields))


def _submit(
    request: HttpRequest,
    form: Any,
    run: Callable[[dict[str, Any]], Any],
    *,
    message: Any,
    done: Callable[[Any], HttpResponse],
    kept: tuple[int, ...] = (400, 409),
    forbidden_page: bool = False,
) -> HttpResponse | int:
    """Run a posted form through its service (one shape for every form of these pages).

    Returns the redirect ``done(result)`` after success (with ``message``), else the page's
    status: 200 for a GET, 400 for an invalid form, the refusal's status where it is one of
    ``kept`` (else 400) with the refusal shown at its field; with ``forbidden_page`` a 403
    renders the forbidden page instead.
    """
    if request.method != "POST":
        return 200
    if not form.is_valid():
        return 400
    try:
        result = run(form.as_body())
    except DomainError as exc:
        if forbidden_page and exc.status == 403:
            return forbidden(request, exc)
        _field_error(form, exc)
        return exc.status if exc.status in kept else 400
    messages.success(request, message)
    return done(result)


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """The desk's requests, newest first; the page shown is logged (R-I1)."""
    actor = as_officer(request.user)
    try:
        rows = list(selectors.requests_for(actor=actor)[:PAGE_SIZE])
    except Forbidden as exc:
        return forbidden(request, exc)
    log_event(
        actor=actor,
        action="subject_request.read",
        object_type="subject_request_list",
        details={"requests": [str(r.pk) for r in rows]},
    )
    shown = [
        {
            "id": r.pk,
            "applicant": f"{r.given_names} {r.surname}",
            "date_of_birth": r.date_of_birth,
            "asks": _asks(r.asks),
            "status": STATUS_LABELS.get(r.status, r.status),
            "created_at": r.created_at,
        }
        for r in rows
    ]
    bka = bool(actor.agency and actor.agency.code == "BKA")
    return render(request, "subjects/request_list.html", {"rows": shown, "bka": bka})


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """Record a request at the desk."""
    actor = as_officer(request.user)
    try:
        services.require_desk(actor)
    except Forbidden as exc:
        return forbidden(request, exc)
    form = SubjectRequestForm(request.POST if request.method == "POST" else None)
    status = _submit(
        request,
        form,
        lambda body: services.subject_request_create(actor=actor, data=body),
        message=_("The request is recorded."),
        done=lambda made: redirect("subject_request_detail", request_id=made.pk),
    )
    if isinstance(status, HttpResponse):
        return status
    bka = bool(actor.agency and actor.agency.code == "BKA")
    return render(request, "subjects/request_form.html", {"form": form, "bka": bka}, status=status)


def _detail_context(actor: Any, found: Any) -> dict[str, Any]:
    view = selectors.request_view(found, desk_agency_id=actor.agency_id)
    consultations = [
        {
            "agency": c["agency"],
            "file": labels.label(labels.FILE_LABELS, c["file"]),
            "file_number": c["file_number"],
            "due_at": c["due_at"],
            "done": c["done_at"] is not None,
            "decisions": _decisions(c["decisions"]),
        }
        for c in view["consultations"]
    ]
    numbers = {c["id"]: c["file_number"] for c in view["consultations"]}
    return {
        "req": view,
        "born": found.date_of_birth,
        "asks": _asks(view["asks"]),
        "deletion_ground": INVOKED_GROUND_LABELS.get(view["deletion_ground"] or "", ""),
        "challenges": _challenges(view["challenges"], numbers),
        "status": STATUS_LABELS.get(view["status"], view["status"]),
        "consultations": consultations,
        "ready": view["answer"] is None and all(c["done"] for c in consultations),
        "bka": view["scope"] == "not_covert",
    }


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, request_id: str) -> HttpResponse:
    """A request with its consultations, the answer and a challenge form; the read is logged."""
    actor = as_officer(request.user)
    try:
        found = selectors.request_for(actor=actor, request_id=request_id)
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        return forbidden(request, exc)
    choices = [
        (
            str(c.pk),
            f"{labels.label(labels.FILE_LABELS, c.file.code)} {c.file_number} ({c.owner.code})",
        )
        for c in found.consultations.select_related("file", "owner")
    ]
    form = ChallengeForm(request.POST if request.method == "POST" else None, consultations=choices)
    status = _submit(
        request,
        form,
        lambda body: services.subject_request_challenge(
            actor=actor, request_id=found.pk, data=body
        ),
        message=_("The challenge is recorded."),
        done=lambda _made: redirect("subject_request_detail", request_id=found.pk),
    )
    if isinstance(status, HttpResponse):
        return status
    else:
        services.subject_request_log_read(actor=actor, request=found)
    context = {**_detail_context(actor, found), "form": form}
    return render(request, "subjects/request_detail.html", context, status=status)


@login_required
@require_POST
def request_answer(request: HttpRequest, request_id: str) -> HttpResponse:
    """Issue the answer letter."""
    actor = as_officer(request.user)
    try:
        services.subject_request_answer(actor=actor, request_id=request_id)
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        return forbidden(request, exc)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The answer is issued."))
    return redirect("subject_request_detail", request_id=request_id)


@login_required
def request_letter(request: HttpRequest, request_id: str) -> HttpResponse:
    """The letter as a printable page (print CSS); the read is logged."""
    actor = as_officer(request.user)
    try:
        found = selectors.request_for(actor=actor, request_id=request_id)
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        return forbidden(request, exc)
    if found.answered_at is None:
        raise Http404
    services.subject_request_log_read(actor=actor, request=found)
    return render(
        request,
        "subjects/letter.html",
        {"req": found, "paragraphs": found.answer_text.split("\n\n")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def consultation_decision(request: HttpRequest, consultation_id: str) -> HttpResponse:
    """The owner's decision page, reached from the inbox item."""
    actor = as_officer(request.user)
    try:
        consultation = selectors.consultation_for_owner(
            actor=actor, consultation_id=consultation_id
        )
    except NotFound:
        raise Http404 from None
    subject = consultation.request
    decided = set(consultation.decisions.values_list("ask", flat=True))
    open_asks = [a for a in subject.asks if a not in decided]
    s15 = applies_s15(consultation.owner)
    grounds = list(selectors.grounds_of(agency_id=consultation.owner_id))
    form = DecisionForm(
        request.POST if request.method == "POST" else None, asks=open_asks, grounds=grounds, s15=s15
    )
    status = _submit(
        request,
        form,
        lambda body: services.consultation_decide(
            actor=actor, consultation_id=consultation.pk, data=body
        ),
        message=_("The decision is recorded."),
        done=lambda _made: redirect(
            "subject_consultation_decision", consultation_id=consultation.pk
        ),
        forbidden_page=True,
    )
    if isinstance(status, HttpResponse):
        return status
    view = selectors.consultation_view(consultation, desk_agency_id=actor.agency_id)
    context = {
        "consultation": consultation,
        "subject": subject,
        "asks": _asks(subject.asks),
        "deletion_ground": INVOKED_GROUND_LABELS.get(subject.deletion_ground, ""),
        "challenges": _challenges(
            selectors.challenges_of(consultation),
            {str(consultation.pk): consultation.file_number},
        ),
        "decisions": _decisions(view["decisions"]),
        "form": form if open_asks else None,
        "s15": s15,
        "s15_project": s15_by_project_decision(consultation.owner),
        "bka": subject.scope == "not_covert",
        "record_url": reverse("record_detail", args=[consultation.record_id])
        if consultation.record_id
        else "",
    }
    return render(request, "subjects/consultation_decision.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def challenge_decision(request: HttpRequest, challenge_id: str) -> HttpResponse:
    """The owner's decision on an objection (R-K4), reached from its decision page."""
    actor = as_officer(request.user)
    try:
        challenge = selectors.challenge_for_owner(actor=actor, challenge_id=challenge_id)
    except NotFound:
        raise Http404 from None
    consultation = challenge.consultation
    assert consultation is not None
    form = ChallengeDecisionForm(request.POST if request.method == "POST" else None)
    status = _submit(
        request,
        form,
        lambda body: services.challenge_decide(actor=actor, challenge_id=challenge.pk, data=body),
        message=_("The decision on the objection is recorded."),
        done=lambda _made: redirect(
            "subject_consultation_decision", consultation_id=consultation.pk
        ),
        kept=(400, 409, 422),
        forbidden_page=True,
    )
    if isinstance(status, HttpResponse):
        return status
    [shown] = _challenges(
        [services.challenge_payload(challenge)], {str(consultation.pk): consultation.file_number}
    )
    context = {
        "challenge": shown,
        "consultation": consultation,
        "subject": challenge.request,
        "form": form if shown["open"] and shown["decidable"] else None,
        "kind_court": challenge.kind == "court_action",
    }
    return render(request, "subjects/challenge_decision.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def challenge_ruling(request: HttpRequest, challenge_id: str) -> HttpResponse:
    """The desk records a court's ruling on a court action (R-K4)."""
    actor = as_officer(request.user)
    try:
        challenge = selectors.challenge_for_desk(actor=actor, challenge_id=challenge_id)
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        return forbidden(request, exc)
    consultation = challenge.consultation
    form = CourtRulingForm(request.POST if request.method == "POST" else None)
    status = _submit(
        request,
        form,
        lambda body: services.challenge_ruling_record(
            actor=actor, challenge_id=challenge.pk, data=body
        ),
        message=_("The court's ruling is recorded."),
        done=lambda _made: redirect("subject_request_detail", request_id=challenge.request_id),
        kept=(400, 409, 422),
    )
    if isinstance(status, HttpResponse):
        return status
    numbers = {str(consultation.pk): consultation.file_number} if consultation else {}
    [shown] = _challenges([services.challenge_payload(challenge)], numbers)
    context = {
        "challenge": shown,
        "subject": challenge.request,
        "form": form if shown["open"] and shown["court_action"] else None,
    }
    return render(request, "subjects/challenge_ruling.html", context, status=status)


# ---------------------------------------------------------------- inbox (subject_request)


def _shown_date(value: Any) -> str:
    """An ISO date from a payload in the reader's short format (German: 02.11.2001)."""
    from django.utils.formats import date_format

    try:
        return date_format(datetime.date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
    except ValueError:
        return str(value or "")


def _subject_row(request: HttpRequest, item: Any, row: dict[str, Any]) -> None:
    """A subject request in the owner's inbox: the applicant, the asks, the decision link."""
    p = item.payload
    applicant = p.get("applicant") or {}
    row["facts"] = [
        f
        for f in [
            {
                "label": gettext_lazy("Applicant"),
                "value": f"{applicant.get('given_names', '')} {applicant.get('surname', '')}, "
                f"{_shown_date(applicant.get('date_of_birth', ''))}",
                "url": "",
            },
            {"label": gettext_lazy("File number"), "value": p.get("file_number", ""), "url": ""},
            {"label": gettext_lazy("Asked for"), "value": _asks(p.get("asks") or []), "url": ""},
            {
                "label": gettext_lazy("Ground on which deletion is asked"),
                "value": INVOKED_GROUND_LABELS.get(p.get("deletion_ground") or "", ""),
                "url": "",
            },
            {
                "label": gettext_lazy("Objection"),
                "value": (p.get("objection") or {}).get("text", ""),
                "url": "",
            },
        ]
        if f["value"]
    ]
    row["subject_url"] = reverse(
        "subject_consultation_decision", args=[p.get("consultation", item.subject_id)]
    )


search_views.INBOX_PARTIALS[InboxKind.SUBJECT_REQUEST.value] = (
    "subjects/_inbox_subject_request.html"
)
search_views.INBOX_ROW_BUILDERS[InboxKind.SUBJECT_REQUEST.value] = _subject_row
