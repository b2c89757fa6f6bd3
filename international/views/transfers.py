"""Pages of a transfer abroad: the form „Übermittlung ins Ausland“ on the record and hit
pages, the transfer's page with the steps the officer may take, the owner's inbox item.

Thin: ``international.services.transfers`` applies every rule; a refusal comes back as a
``DomainError`` shown at its field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.models import Agency, as_officer
from international.forms.transfers import DecisionForm, ForeignTransferForm, SentForm
from international.services.transfers import (
    Channel,
    foreign_transfer_options,
    transfer_approve,
    transfer_consent_decide,
    transfer_mark_sent,
    transfer_submit,
)
from verbund.access.logging import log_record
from verbund.errors import DomainError, Forbidden, NotFound
from verbund.forms.records import apply_simple_error
from verbund.forms.transfers import item_label, marking_label
from verbund.models import InboxItem
from verbund.models.inbox import InboxKind
from verbund.models.transfers import TransferStatus
from verbund.selectors.transfers import transfer_find
from verbund.services.transfers import transfers_log_view
from verbund.views import search
from verbund.views.common import forbidden

PAGE_ERRORS = (
    "consent_pending",
    "record_blocked",
    "marking_dropped",
    "use_limited",
    "single_case_only",
)


def _show_error(form: Any, exc: DomainError) -> None:
    fields: dict[str, Any] = {}
    for path, details in (exc.fields or {}).items():
        name = str(path).split(".")[-1] if str(path).startswith("recipient") else str(path)
        fields[name if name in form.fields else "__all__"] = details
    if not fields or exc.code in PAGE_ERRORS:
        form.add_error(None, exc.detail)
        return
    apply_simple_error(form, type(exc)(exc.detail, code=exc.code, fields=fields))


@login_required
@require_http_methods(["GET", "POST"])
def transfer_abroad_new(
    request: HttpRequest, record_id: str = "", hit_id: str = ""
) -> HttpResponse:
    """The form „Übermittlung ins Ausland“ for one record or one hit."""
    actor = as_officer(request.user)
    try:
        options = foreign_transfer_options(
            actor=actor, record_id=record_id or None, hit_id=hit_id or None
        )
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        return forbidden(request, exc)
    record = options["record"]
    if request.method == "GET":
        # The form shows the record's file number and markings: an access (R-I1).
        log_record(actor=actor, action="record.view", record=record)
    form = ForeignTransferForm(request.POST if request.method == "POST" else None, options=options)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            body: dict[str, Any] = {
                "recipient": {"partner": data["partner"]},
                "channel": data["channel"],
                "legal_basis": data["legal_basis"],
                "items": list(data["items"]),
                "purpose": data["purpose"],
            }
            if hit_id:
                body["hit"] = hit_id
            else:
                body["record"] = str(record.pk)
            if data.get("task"):
                body["task"] = data["task"]
            try:
                transfer, _created = transfer_submit(actor=actor, body=body)
            except NotFound:
                raise Http404 from None
            except DomainError as exc:
                _show_error(form, exc)
                status = exc.status if exc.status in (400, 409, 422) else 400
            else:
                messages.success(request, _("The transfer abroad is recorded."))
                return redirect("transfer_abroad_detail", transfer.pk)
    context = {
        "form": form,
        "record": record,
        "hit": options["hit"],
        "title": record.file_number,
        "markings": [marking_label(m) for m in options["markings"]],
        "blocked": options["blocked"],
    }
    return render(request, "international/transfer_abroad_form.html", context, status=status)


def _may_consent(actor: Any, transfer: Any) -> bool:
    return (
        transfer.status == TransferStatus.CONSENT_PENDING
        and InboxItem.objects.filter(
            kind=InboxKind.TRANSFER_CONSENT, subject_id=transfer.pk, agency_id=actor.agency_id
        ).exists()
    )


def _steps(actor: Any, transfer: Any) -> dict[str, bool]:
    sender = transfer.sender_id == actor.agency_id
    return {
        "consent": _may_consent(actor, transfer),
        "approval": sender and actor.is_head and transfer.status == TransferStatus.APPROVAL_PENDING,
        "sent": sender and transfer.status == TransferStatus.APPROVED,
    }


@login_required
@require_http_methods(["GET", "POST"])
def transfer_abroad_detail(request: HttpRequest, transfer_id: str) -> HttpResponse:
    """A transfer abroad with the consent, approval and sent steps the officer may take."""
    actor = as_officer(request.user)
    try:
        if getattr(actor, "foreign", False):
            raise Forbidden(
                "Ausländische Stellen haben keinen Zugang.", code="foreign_access_refused"
            )
        transfer = transfer_find(actor=actor, transfer_id=transfer_id)
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        return forbidden(request, exc)
    if transfer.partner_id is None:
        raise Http404
    steps = _steps(actor, transfer)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms_: dict[str, Any] = {
        "consent": DecisionForm(request.POST if action == "consent" else None, prefix="consent"),
        "approval": DecisionForm(request.POST if action == "approval" else None, prefix="approval"),
        "sent": SentForm(request.POST if action == "sent" else None, prefix="sent"),
    }
    status = 200
    if action:
        status = 400
        form = forms_.get(action)
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "consent":
                    transfer_consent_decide(
                        actor=actor,
                        transfer_id=transfer.pk,
                        granted=data["decision"] == "yes",
                        reasons=data["reasons"],
                    )
                elif action == "approval":
                    transfer_approve(
                        actor=actor,
                        transfer_id=transfer.pk,
                        approved=data["decision"] == "yes",
                        reasons=data["reasons"],
                    )
                else:
                    transfer_mark_sent(
                        actor=actor,
                        transfer_id=transfer.pk,
                        channel=data["channel"],
                        reference=data["reference"],
                    )
            except NotFound:
                raise Http404 from None
            except Forbidden as exc:
                return forbidden(request, exc)
            except DomainError as exc:
                _show_error(form, exc)
                status = exc.status if exc.status in (400, 409, 422) else 400
            else:
                messages.success(request, _("The step is recorded."))
                return redirect("transfer_abroad_detail", transfer.pk)
    transfers_log_view(actor=actor, transfers=[transfer], action="transfer.view")
    agencies = dict(Agency.objects.values_list("code", "name"))
    partner = transfer.partner
    context = {
        "transfer": transfer,
        "title": transfer.file_number,
        "sender": agencies.get(transfer.sender.code, transfer.sender.code),
        "partner": partner.name if partner else "",
        "channel": Channel(transfer.channel).label if transfer.channel in Channel.values else "",
        "sent_channel": (
            Channel(transfer.sent_channel).label if transfer.sent_channel in Channel.values else ""
        ),
        "status": TransferStatus(transfer.status).label,
        "basis": transfer.legal_basis,
        "items": [item_label(i) for i in transfer.items],
        "markings": [marking_label(m) for m in transfer.markings],
        "own_record": transfer.sender_id == actor.agency_id and transfer.record_id,
        "steps": steps,
        "forms": forms_,
    }
    return render(request, "international/transfer_abroad_detail.html", context, status=status)


def _consent_row(request: HttpRequest, item: Any, row: dict[str, Any]) -> None:
    """The owner's inbox item: who asks to send what to which partner; link to decide."""
    payload = item.payload
    sender = Agency.objects.filter(code=payload.get("sender", "")).values_list("name", flat=True)
    row["facts"] = []
    row["abroad"] = {
        "sender": sender.first() or payload.get("sender", ""),
        "file_number": payload.get("file_number", ""),
        "partner": payload.get("partner", ""),
        "legal_basis": payload.get("legal_basis", ""),
        "items": [item_label(i) for i in payload.get("items", [])],
        "markings": [marking_label(m) for m in payload.get("markings", [])],
        "purpose": payload.get("purpose", ""),
        "url": reverse("transfer_abroad_detail", args=[payload.get("transfer", item.subject_id)]),
        "open": item.done_at is None,
    }


def _abroad_step(hit: dict[str, Any], opened: dict[str, Any]) -> dict[str, Any] | None:
    """The hit row's step „Übermittlung ins Ausland“: on a record the officer may open."""
    if not opened.get("record"):
        return None
    return {
        "label": _("Transfer abroad"),
        "url": reverse("transfer_abroad_hit", args=[hit["hit"]]),
    }


search.INBOX_PARTIALS[InboxKind.TRANSFER_CONSENT.value] = (
    "international/_inbox_transfer_consent.html"
)
search.INBOX_ROW_BUILDERS[InboxKind.TRANSFER_CONSENT.value] = _consent_row
search.HIT_STEPS.append(_abroad_step)
