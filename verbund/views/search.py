"""Search and inbox pages: thin, they call the same services as the API.

The result table is rendered from the service's answer, so the page shows exactly what the
API shows: basic data and reference on a basic-data name hit (R-E2), the reference only on
an extended-data, feature or inverse hit (R-E3, R-E4), object data and reference on an
object hit (R-E7). Empty inputs are not criteria; everything else goes to the service
unchanged, so a wildcard refuses the query here as in the API (R-E5).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from agencies.models import as_officer
from verbund.access.requests import GBA_PURPOSE, purposes_for
from verbund.errors import DomainError, Forbidden, NotFound
from verbund.forms import labels
from verbund.forms.records import CorrectionDecisionForm, TextField
from verbund.models.inbox import CorrectionOutcome, InboxKind
from verbund.models.records import OBJECT_KINDS
from verbund.models.requests import USE_CHECK_ONLY, USE_GBA, USE_MARKING_LABELS
from verbund.search.engine import CATALOGUE_CRITERIA
from verbund.search.keys import FIELD_KEYS as FEATURE_FOLDERS
from verbund.selectors.catalogue import catalogue_current
from verbund.selectors.searches import hit_next_steps, hit_records, inbox_for, search_options
from verbund.services.records import correction_notice_decide
from verbund.services.searches import (
    covert_hit_decide,
    inbox_log_view,
    require_officer,
    search_run,
)
from verbund.views.common import catalogue_labels, forbidden, language, show_date
from verbund.views.errors import method_not_allowed

MODES = (
    ("name", gettext_lazy("Name search")),
    ("feature", gettext_lazy("Feature search")),
    ("object", gettext_lazy("Object search")),
)
MATCHED_LABELS = {
    "basic": gettext_lazy("basic data"),
    "extended": gettext_lazy("extended data"),
}
# Input order of the feature form: exact values first, then catalogue fields.
FEATURE_FIELDS = sorted(FEATURE_FOLDERS, key=lambda f: (f in CATALOGUE_CRITERIA, f))
PAGE_SIZE = 50


class SearchForm(forms.Form):
    """File, purpose and urgency of the order in force (R-E1), and one mode's criteria."""

    def __init__(
        self, data: Any, *, mode: str, file_options: list[dict[str, Any]], file_code: str
    ) -> None:
        super().__init__(data)
        self.mode = mode
        chosen = next((f for f in file_options if f["code"] == file_code), file_options[0])
        self.fields["file"] = forms.ChoiceField(
            label=_("File"),
            choices=[
                (f["code"], labels.label(labels.FILE_LABELS, f["code"])) for f in file_options
            ],
            initial=chosen["code"],
            # The file is chosen with the links above the form: its order's purposes and
            # urgencies are the ones offered below (R-E1).
            widget=forms.HiddenInput,
        )
        self.fields["purpose"] = forms.ChoiceField(
            label=_("Purpose"),
            choices=[("", "—")] + [(c["code"], c["label"]) for c in chosen["purposes"]],
            required=False,
        )
        self.fields["urgency"] = forms.ChoiceField(
            label=_("Urgency"),
            choices=[("", "—")] + [(c["code"], c["label"]) for c in chosen["urgencies"]],
            required=False,
        )
        if mode == "name":
            self._name_fields()
        elif mode == "feature":
            self._feature_fields()
        else:
            self._object_fields()

    def _text(self, name: str, label: Any, **attrs: str) -> None:
        widget = forms.TextInput(attrs={"autocomplete": "off", **attrs})
        self.fields[name] = forms.CharField(
            label=label, required=False, strip=False, widget=widget, max_length=300
        )

    def _name_fields(self) -> None:
        self._text("surname", _("Surname"))
        self._text("given_names", _("Given names"))
        self._text("date_of_birth", _("Date of birth"), type="date")
        self._text("nationality", _("Nationality (ISO code)"), maxlength="2")

    def _feature_fields(self) -> None:
        catalogues = catalogue_current(language=language())
        for name in FEATURE_FIELDS:
            label = labels.label(labels.EXTENDED_LABELS, name)
            if name in CATALOGUE_CRITERIA:
                choices = [("", "—")] + [(v["code"], v["label"]) for v in catalogues.get(name, [])]
                self.fields[name] = forms.ChoiceField(label=label, choices=choices, required=False)
            else:
                self._text(name, label)

    def _object_fields(self) -> None:
        self.fields["kind"] = forms.ChoiceField(
            label=_("Object kind"),
            choices=[(k, labels.label(labels.KIND_LABELS, k)) for k in OBJECT_KINDS],
        )
        self._text("identifier", _("Identifier"))

    def criteria(self) -> dict[str, str]:
        """Return the non-empty criteria exactly as typed (the service validates them)."""
        skip = {"file", "purpose", "urgency"}
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in skip and isinstance(value, str) and value.strip()
        }

    def apply_error(self, exc: DomainError) -> None:
        """Attach a service refusal to the inputs it names, or to the form."""
        placed = False
        for path in exc.fields:
            name = str(path).removeprefix("criteria.")
            if name in self.fields:
                self.add_error(name, exc.detail)
                placed = True
        if not placed:
            self.add_error(None, exc.detail)


class DecisionForm(forms.Form):
    """The owner's decision on a covert hit (R-D3)."""

    contact = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("1", gettext_lazy("Contact the requesting agency")),
            ("0", gettext_lazy("No contact: secrecy interests outweigh in this case")),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reasons = TextField(
        label=gettext_lazy("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


# Builders of further next steps for a hit row: ``make(hit, opened) -> {"label", "url"} |
# None``, where ``hit`` is the answer's hit dict and ``opened`` the ``hit_records`` entry
# merged with the ``hit_next_steps`` facts of the page (``requestable``, ``eilfall``):
# looked up once per page, so a builder runs no query of its own.
HIT_STEPS: list[Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None]] = []

# Per inbox kind: a partial template rendered inside the item, and a builder adding what it
# needs to the row (``extend(request, item, row)``), so each workflow keeps its own code.
INBOX_PARTIALS: dict[str, str] = {}
INBOX_ROW_BUILDERS: dict[str, Callable[[HttpRequest, Any, dict[str, Any]], None]] = {}


def _present_hit(
    hit: dict[str, Any], number: int, records: dict[str, dict[str, Any]], *, direct: bool = False
) -> dict[str, Any]:
    basic = hit.get("basic") or {}
    reference = hit["reference"]
    # The next steps that exist for this hit: the own record's page, or — for another
    # agency's record the officer may see — the notice of indications of inaccuracy.
    opened = records.get(hit["hit"]) or {}
    record_id = opened.get("record", "")
    own = bool(opened.get("own"))
    return {
        "number": number,
        "record_url": reverse("record_detail", args=[record_id]) if own else "",
        # GWS (R-M7): a participant the order lets retrieve opens the record itself, at
        # its incident report, without any request.
        "open_url": (
            reverse("record_detail", args=[record_id]) + "#incident"
            if direct and record_id and not own
            else ""
        ),
        "correction_url": (
            reverse("record_correction", args=[record_id]) if record_id and not own else ""
        ),
        # Further steps (request, Eilfall): ``{"label", "url"}`` each, from HIT_STEPS.
        "next_steps": [step for make in HIT_STEPS if (step := make(hit, opened))],
        "hit": hit["hit"],
        "agency": reference["agency"],
        "file_number": reference["file_number"],
        "classification": labels.label(labels.CLASSIFICATION_LABELS, reference["classification"]),
        "matched_in": labels.label(MATCHED_LABELS, hit.get("matched_in", "")),
        "has_basic": "basic" in hit,
        "surname": basic.get("surname", ""),
        "given_names": basic.get("given_names", ""),
        "date_of_birth": show_date(basic.get("date_of_birth", "")),
        "nationalities": ", ".join(basic.get("nationalities", [])),
        "aliases": ", ".join(basic.get("aliases", []) + basic.get("spellings", [])),
        "object": hit.get("object"),
        "object_kind": labels.label(labels.KIND_LABELS, (hit.get("object") or {}).get("kind", "")),
    }


@login_required
@require_http_methods(["GET", "POST"])
def search_page(request: HttpRequest) -> HttpResponse:
    """Show the search form with mode tabs; on POST run one search through the service."""
    try:
        require_officer(request.user)
    except Forbidden as exc:
        return forbidden(request, exc)
    mode = request.POST.get("mode") or request.GET.get("mode") or "name"
    if mode not in dict(MODES):
        mode = "name"
    options = search_options(actor=as_officer(request.user))
    # R-F4: the purpose "on behalf of the GBA" is offered to the BKA and the LKAs only.
    options = [
        {**f, "purposes": purposes_for(as_officer(request.user), f["purposes"])} for f in options
    ]
    if not options:
        return render(request, "verbund/search.html", {"no_files": True, "modes": MODES})
    file_code = request.POST.get("file") or request.GET.get("file") or options[0]["code"]
    chosen = next((f for f in options if f["code"] == file_code), options[0])
    # R-A1, R-M7: the modes the file's order allows (GWS: name search only).
    modes = tuple(m for m in MODES if m[0] in chosen["modes"])
    if mode not in dict(modes):
        mode = "name"
    is_post = request.method == "POST"
    form = SearchForm(
        request.POST if is_post else None,
        mode=mode,
        file_options=options,
        file_code=chosen["code"],
    )
    context: dict[str, Any] = {
        "form": form,
        "mode": mode,
        "modes": modes,
        "files": options,
        "file_code": chosen["code"],
    }
    status = 200
    headers: dict[str, str] = {}
    if is_post:
        status = 400
        if form.is_valid():
            try:
                search = search_run(
                    actor=as_officer(request.user),
                    file=form.cleaned_data["file"],
                    mode=mode,
                    purpose=form.cleaned_data["purpose"] or None,
                    urgency=form.cleaned_data["urgency"] or None,
                    criteria=form.criteria(),
                )
            except DomainError as exc:
                form.apply_error(exc)
                status = exc.status if exc.status in (400, 403, 404, 422, 429) else 400
                context["error_code"] = exc.code
                headers = exc.headers
            else:
                answer = search.answer  # type: ignore[attr-defined]
                status = 200
                records = hit_records(actor=as_officer(request.user), search=search)
                steps = hit_next_steps(actor=as_officer(request.user), search=search)
                for hit_id, facts in steps.items():
                    records[hit_id] = {**records.get(hit_id, {}), **facts}
                context["answer"] = answer
                # R-F2, R-F4, R-C7: the use markings the hit data carry, in words — in the
                # ATD only: GWS participants retrieve directly (R-M7).
                context["direct_file"] = not chosen["is_atd"]
                if answer["hits"] and chosen["is_atd"]:
                    context["use_marking"] = USE_MARKING_LABELS[USE_CHECK_ONLY]
                    if search.purpose == GBA_PURPOSE:
                        context["gba_note"] = USE_MARKING_LABELS[USE_GBA]
                context["hits"] = [
                    _present_hit(h, i, records, direct=not chosen["is_atd"])
                    for i, h in enumerate(answer["hits"], 1)
                ]
                context["query"] = _query_shown(
                    {
                        "time": search.created_at,
                        "mode": search.mode,
                        "purpose": search.purpose,
                        "urgency": search.urgency,
                        "criteria": search.criteria,
                    },
                    _categories(chosen),
                    catalogue_labels(),
                )
    response = render(request, "verbund/search.html", context, status=status)
    for key, value in headers.items():
        response[key] = value
    return response


# Labels of the payload keys of the other inbox kinds, in display order (never raw keys).
PAYLOAD_LABELS = {
    "file_number": gettext_lazy("File number"),
    "from_agency": gettext_lazy("From agency"),
    "agency": gettext_lazy("Agency"),
    "officer": gettext_lazy("Officer"),
    "text": gettext_lazy("Notice"),
    "outcome": gettext_lazy("Outcome"),
    "reason": gettext_lazy("Reason"),
    "reasons": gettext_lazy("Reasons"),
    "review_date": gettext_lazy("Review date"),
    "deletion_date": gettext_lazy("Deletion date"),
    "time": gettext_lazy("Time"),
    "decided_by": gettext_lazy("Decided by"),
    "decided_at": gettext_lazy("Decided at"),
}
# Machine references: shown as the link of the file number, never as text.
PAYLOAD_HIDDEN = frozenset({"record", "covert_hit", "search"})


def _payload_facts(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the labelled facts of an inbox payload; the file number links to the record."""
    record_url = ""
    if payload.get("record"):
        try:
            record_url = reverse("record_detail", args=[str(payload["record"])])
        except NoReverseMatch:
            record_url = ""
    facts: list[dict[str, Any]] = []
    for key, label in PAYLOAD_LABELS.items():
        value = payload.get(key)
        if value in (None, "", [], {}):
            continue
        url = record_url if key == "file_number" else ""
        if key in ("review_date", "deletion_date", "decided_at"):
            value = show_date(str(value))
        elif key == "outcome":
            value = labels.label(dict(CorrectionOutcome.choices), str(value))
        facts.append({"label": label, "value": value, "url": url})
    if record_url and not payload.get("file_number"):
        facts.insert(0, {"label": gettext_lazy("Record"), "value": _("open"), "url": record_url})
    # Keys this page does not know yet: shown under a neutral label, never by their key.
    extra = [
        v
        for k, v in payload.items()
        if k not in PAYLOAD_LABELS and k not in PAYLOAD_HIDDEN and v not in (None, "", [], {})
    ]
    if extra:
        text = "; ".join(str(v) for v in extra if isinstance(v, str | int | float))
        if text:
            facts.append({"label": gettext_lazy("Further details"), "value": text, "url": ""})
    return facts


def _criteria_shown(criteria: dict[str, Any], catalogue: dict[str, dict[str, str]]) -> list:
    """Return (label, value) of a query's criteria: the form's labels, codes as labels."""
    names = {
        **labels.BASIC_LABELS,
        **labels.EXTENDED_LABELS,
        "nationality": gettext_lazy("Nationality (ISO code)"),
        "kind": gettext_lazy("Object kind"),
        "identifier": gettext_lazy("Identifier"),
    }
    shown = []
    for key, value in sorted(criteria.items()):
        text = str(value)
        if key in catalogue:
            text = catalogue[key].get(text, text)
        elif key == "kind":
            text = labels.label(labels.KIND_LABELS, text)
        elif key in ("date_of_birth", "last_event_date"):
            text = show_date(text)
        shown.append((labels.label(names, key), text))
    return shown


def _moment(value: Any) -> datetime.datetime | None:
    """Return a stored ISO timestamp as a datetime (shown in local time by the template)."""
    if isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _query_shown(
    query: dict[str, Any], categories: dict[str, str], catalogue: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """Return a query as officers read it: labels for mode, purpose, urgency and criteria.

    R-E1: purpose and urgency are shown wherever the query is shown, with the labels of the
    file's establishment order; a code the order no longer knows is shown as stored.
    """
    purpose = str(query.get("purpose") or "")
    urgency = str(query.get("urgency") or "")
    return {
        "time": _moment(query.get("time")) if query.get("time") else None,
        "mode_label": labels.label(dict(MODES), str(query.get("mode", ""))),
        "purpose_label": categories.get(purpose, purpose),
        "urgency_label": categories.get(urgency, urgency),
        "criteria": _criteria_shown(query.get("criteria") or {}, catalogue),
    }


def _categories(file_option: dict[str, Any]) -> dict[str, str]:
    """Return the labels of a file's purposes and urgencies by code."""
    return {c["code"]: c["label"] for c in file_option["purposes"] + file_option["urgencies"]}


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    """List the agency's inbox items for the officer's files; the page shown is logged."""
    try:
        require_officer(request.user)
    except Forbidden as exc:
        return forbidden(request, exc)
    kind = request.GET.get("kind", "")
    items = inbox_for(actor=as_officer(request.user), kind=kind if kind in InboxKind.values else "")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    inbox_log_view(actor=as_officer(request.user), items=shown)
    categories = {f["code"]: _categories(f) for f in search_options(actor=as_officer(request.user))}
    rows = []
    catalogue = catalogue_labels()
    now = timezone.now()
    for item in shown:
        payload = dict(item.payload)
        labels_for_file = categories.get(item.file.code, {})
        rows.append(
            {
                "id": item.pk,
                "kind": item.kind,
                "kind_label": InboxKind(item.kind).label
                if item.kind in InboxKind.values
                else item.kind,
                "file": item.file.code,
                "created_at": item.created_at,
                "due_at": item.due_at,
                "done": item.done_at is not None,
                "overdue": item.done_at is None and item.due_at is not None and item.due_at < now,
                "subject_id": item.subject_id,
                "payload": payload,
                "query": _query_shown(payload, labels_for_file, catalogue)
                if item.kind == InboxKind.COVERT_HIT
                else None,
                "facts": _payload_facts(payload),
                "form": DecisionForm(prefix=str(item.subject_id))
                if item.kind == InboxKind.COVERT_HIT and item.done_at is None
                else None,
                "correction_form": CorrectionDecisionForm(prefix=str(item.pk))
                if item.kind == InboxKind.CORRECTION_NOTICE
                and item.done_at is None
                and item.record_id is not None
                else None,
                "partial": INBOX_PARTIALS.get(item.kind, ""),
            }
        )
        if item.kind in INBOX_ROW_BUILDERS:
            INBOX_ROW_BUILDERS[item.kind](request, item, rows[-1])
    return render(
        request,
        "verbund/inbox.html",
        {"page": page, "rows": rows, "kind": kind, "kinds": InboxKind.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def covert_hit_decision(request: HttpRequest, covert_hit_id: str) -> HttpResponse:
    """Record the owner's decision on a covert hit, then return to the inbox.

    The decision form lives in the inbox; opened directly, the address answers 405 with a
    German page linking there.
    """
    if request.method != "POST":
        return method_not_allowed(
            request,
            ["POST"],
            back_url=f"{reverse('inbox')}?kind={InboxKind.COVERT_HIT.value}",
            back_label=_("To the covert hits in the inbox"),
        )
    form = DecisionForm(request.POST, prefix=covert_hit_id)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give the reasons."))
        return redirect("inbox")
    return _decided(
        request,
        lambda: covert_hit_decide(
            actor=as_officer(request.user),
            covert_hit_id=covert_hit_id,
            contact=form.cleaned_data["contact"],
            reasons=form.cleaned_data["reasons"],
        ),
        back="inbox",
        done=_("The decision is recorded."),
    )


def _decided(
    request: HttpRequest, decide: Callable[[], Any], *, back: str, done: str
) -> HttpResponse:
    """Run a decision service and answer as every inbox decision does: back to the inbox
    (``back``: URL or URL name) with a message; 404 and 403 as pages of their own."""
    try:
        decide()
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        return forbidden(request, exc)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(back)
    messages.success(request, done)
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def correction_decision(request: HttpRequest, item_id: str) -> HttpResponse:
    """Record the owner's answer to a correction notice, then return to the inbox (R-H2).

    The form lives in the inbox; opened directly, the address answers 405 with a German
    page linking there.
    """
    back_url = f"{reverse('inbox')}?kind={InboxKind.CORRECTION_NOTICE.value}"
    if request.method != "POST":
        return method_not_allowed(
            request,
            ["POST"],
            back_url=back_url,
            back_label=_("To the correction notices in the inbox"),
        )
    form = CorrectionDecisionForm(request.POST, prefix=item_id)
    if not form.is_valid():
        messages.error(request, _("Choose corrected or rejected and give the reasons."))
        return redirect(back_url)
    return _decided(
        request,
        lambda: correction_notice_decide(
            actor=as_officer(request.user),
            item_id=item_id,
            outcome=form.cleaned_data["outcome"],
            reasons=form.cleaned_data["reasons"],
        ),
        back=back_url,
        done=_("The decision is recorded; the sending agency is told."),
    )
