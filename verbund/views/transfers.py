"""Transfer pages: record a transfer from the record page, list sent and received ones.

Thin: the form collects the input, ``verbund.services.transfers.transfer_create`` applies
every rule; a refusal comes back as a ``DomainError`` shown at its field.
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
from verbund.access.logging import log_record
from verbund.errors import DomainError, Forbidden, NotFound
from verbund.forms.records import apply_simple_error
from verbund.forms.transfers import TransferForm, item_label, marking_label
from verbund.models.inbox import InboxKind
from verbund.models.transfers import TransferBasis, TransferStatus
from verbund.selectors.transfers import transfers_for
from verbund.services.searches import require_officer
from verbund.services.transfers import transfer_create, transfer_options, transfers_log_view
from verbund.views import search
from verbund.views.common import forbidden

PAGE_SIZE = 50
FORM_FIELDS = ("recipient", "provision", "purpose", "items", "task")


def _field_error(form: TransferForm, exc: DomainError) -> None:
    """Show a service refusal at the form's field (``recipient.agency`` is ``recipient``)."""
    fields = {}
    for path, details in (exc.fields or {}).items():
        name = str(path).split(".")[0]
        fields[name if name in form.fields else "__all__"] = details
    if not fields or exc.code in ("consent_pending", "record_blocked", "marking_dropped"):
        form.add_error(None, exc.detail)
        return
    apply_simple_error(form, type(exc)(exc.detail, code=exc.code, fields=fields))


@login_required
@require_http_methods(["GET", "POST"])
def transfer_new(request: HttpRequest, record_id: str) -> HttpResponse:
    """Record a transfer of this record's findings (owner or lawful holder)."""
    actor = as_officer(request.user)
    try:
        require_officer(actor)
        options = transfer_options(actor=actor, record_id=record_id)
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        return forbidden(request, exc)
    record = options["record"]
    if request.method == "GET":
        # The form shows the record's file number and markings: an access (R-I1).
        log_record(actor=actor, action="record.view", record=record)
    form = TransferForm(request.POST if request.method == "POST" else None, options=options)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                transfer_create(
                    actor=actor,
                    record_id=record.pk,
                    recipient={"agency": data["recipient"]},
                    provision=data["provision"],
                    items=data["items"],
                    purpose=data["purpose"],
                    task=data.get("task", ""),
                )
            except NotFound:
                raise Http404 from None
            except DomainError as exc:
                _field_error(form, exc)
                status = exc.status if exc.status in (400, 409) else 400
            else:
                messages.success(
                    request,
                    _("The transfer is recorded; the recipient agency is told."),
                )
                return redirect("transfer_list")
    context = {
        "form": form,
        "record": record,
        "title": record.file_number,
        "markings": [marking_label(m) for m in options["markings"]],
        "blocked": options["blocked"],
    }
    return render(request, "verbund/transfer_form.html", context, status=status)


def _row(transfer: Any, agencies: dict[str, str], sent: bool) -> dict[str, Any]:
    recipient = transfer.recipient_agency
    return {
        "id": transfer.pk,
        "created_at": transfer.created_at,
        "file": transfer.file.code,
        "file_number": transfer.file_number,
        "record": transfer.record_id if sent else None,
        "sender": agencies.get(transfer.sender.code, transfer.sender.code),
        "recipient": recipient.name if recipient else transfer.recipient_body,
        "basis": TransferBasis(transfer.basis).label,
        "provision": transfer.provision,
        "purpose": transfer.purpose,
        "items": [item_label(i) for i in transfer.items],
        "markings": [marking_label(m) for m in transfer.markings],
        "task": transfer.task if sent else "",
        # Transfers abroad (issue 20): their page with the steps, and where they stand.
        "abroad_url": (
            reverse("transfer_abroad_detail", args=[transfer.pk]) if transfer.partner_id else ""
        ),
        "status": TransferStatus(transfer.status).label if transfer.partner_id else "",
    }


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    """The agency's sent and received transfers; the transfers shown are logged."""
    actor = as_officer(request.user)
    try:
        require_officer(actor)
    except Forbidden as exc:
        return forbidden(request, exc)
    sent = list(transfers_for(actor=actor, direction="sent")[:PAGE_SIZE])
    received = list(transfers_for(actor=actor, direction="received")[:PAGE_SIZE])
    shown = sent + [t for t in received if t not in sent]
    if shown:
        transfers_log_view(actor=actor, transfers=shown, action="transfer.list")
    agencies = dict(Agency.objects.values_list("code", "name"))
    return render(
        request,
        "verbund/transfer_list.html",
        {
            "sent": [_row(t, agencies, True) for t in sent],
            "received": [_row(t, agencies, False) for t in received],
        },
    )


def _received_row(request: HttpRequest, item: Any, row: dict[str, Any]) -> None:
    """Inbox: who sent what under which provision, and the markings that stay (R-C7)."""
    payload = item.payload
    sender = Agency.objects.filter(code=payload.get("sender", "")).values_list("name", flat=True)
    row["facts"] = []
    row["transfer"] = {
        "sender": sender.first() or payload.get("sender", ""),
        "file_number": payload.get("file_number", ""),
        "items": [item_label(i) for i in payload.get("items", [])],
        "provision": payload.get("provision", ""),
        "purpose": payload.get("purpose", ""),
        "markings": [marking_label(m) for m in payload.get("markings", [])],
    }


search.INBOX_PARTIALS[InboxKind.TRANSFER_RECEIVED.value] = "verbund/_inbox_transfer_received.html"
search.INBOX_ROW_BUILDERS[InboxKind.TRANSFER_RECEIVED.value] = _received_row
