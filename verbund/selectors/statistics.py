"""The BKA's published figures on data stock and use, per file and period (R-J5).

Public (no login) through ``GET /api/v1/reports/statistics/`` and the page ``/bericht/``;
the answers carry no personal data, no file reference and no record id.

Period semantics
----------------
A period is two calendar days ``from`` and ``to`` (both included), read in the project's
time zone (Europe/Berlin). Default: the current year to date (1 January of this year to
today); only ``from`` given: up to today; only ``to`` given: from 1 January of ``to``'s year.
A date not in the form ``YYYY-MM-DD`` is 400 ``invalid_date``, ``from`` after ``to`` or ``to``
after today 400 ``invalid_period`` (each naming its field).

- **Stock** figures (records by storage mode, persons, objects, contact persons) count the
  records stored now that were entered by the end of ``to``. For ``to`` = today (the default)
  that is the stock at ``to``; a record deleted after ``to`` leaves only its log row, so a
  past ``to`` undercounts by the deletions since then (reported in the same table).
- **Flow** figures (searches, hits, requests, Eilfälle, consents refused, deletions, blocks,
  subject requests) count what happened within ``[from, to]``. Deletions, blocks and subject
  requests come from the log, which keeps rows for 18 months only (R-I3): for older periods
  they count what the log still holds.

Covert storage (R-D3, R-D5)
---------------------------
Covert records appear in exactly one figure: their count per file (``records.covert``). Every
other figure leaves them out: persons, objects and contact persons count open and restricted
records; mean hits per search counts only hits the searcher saw of records not stored covertly
(a covert match — or an owner's own covert record in its hits — never changes it; hit rows
go with their record, so a deleted record's hits are no longer counted); deletions
and blocks count only log rows about records not stored covertly (the log writes those of
covert records to its covert column only and leaves ``object_id`` blank,
``verbund.access.logging.log_record``).

Cost of each figure (PostgreSQL)
--------------------------------
- records/persons/objects by storage and kind: one ``GROUP BY`` count over the index
  ``record_file_created`` (file, created_at) INCLUDE (storage, kind) — an index-only scan of
  the file's rows entered by ``to``: it grows with the file (a stock always does) but reads
  no table row and no JSON.
- contact persons: the one figure read from JSON — ``jsonb_array_length`` of
  ``extended->'contact_persons'``, summed over the open person records of case groups 1a and 2
  (the only ones that may have contact persons, R-B2), found through the same index; records
  whose contact persons carry an originator marking (R-N3) are left out (``Exists`` on the
  marking's record index). The
  search keys cannot count them: a contact person has one key per spelling and alias.
- searches, searches per week, mean hits per search: the searches of the period through the
  index ``search_file_time`` (file, created_at), and their hits joined by ``search_id`` — the
  cost grows with the period's searches and hits, not with the file.
- access requests granted/refused: ``accessreq_file_decided`` (file, decided_at); Eilfälle:
  ``eilfall_file_time`` (file, created_at); consents refused: ``eilfall_file_consent``
  (file, consent_at) — each grows with the period's requests, not the file.
- deletions, blocks, subject requests: one ``GROUP BY`` over the period's log rows through
  the log's time index (monthly partitions outside the period are pruned): grows with the
  log rows of the period.

Subject requests are counted from the log actions ``subject_request.create`` (received) and
``subject_request.answer`` (answered), whichever app writes them (the ``subjects`` app of
issue 17); without such rows the figures are 0. Rows without a file code count in the
total ``subject_requests`` of the whole answer only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, Sum, Value
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.jsonq import list_has
from audit.models import AuditEvent
from international.models import OriginatorMarking
from verbund.access.statistics import records_entered_by
from verbund.dates import parse_iso_date
from verbund.errors import Invalid
from verbund.models import AccessRequest, EmergencyAccess, File, Hit, Search
from verbund.models.emergencies import Consent
from verbund.models.records import CaseGroup, RecordKind, Storage
from verbund.models.requests import RequestStatus

# The files reported, in this order (R-A1, R-M).
REPORTED_FILES = ("ATD", "GWS")

# Log actions whose rows the report counts (record actions only for non-covert records).
LOG_ACTIONS = {
    "record.delete": "deletions",
    "record.block": "blocks",
    "subject_request.create": "subject_requests_received",
    "subject_request.answer": "subject_requests_answered",
}
RECORD_ACTIONS = ("record.delete", "record.block")


@dataclass(frozen=True)
class Period:
    """Two calendar days, both included, and their bounds as aware datetimes."""

    start: datetime.date
    end: datetime.date

    @property
    def since(self) -> datetime.datetime:
        """The first instant of ``start`` (local time)."""
        return _midnight(self.start)

    @property
    def until(self) -> datetime.datetime:
        """The first instant after ``end`` (exclusive bound)."""
        return _midnight(self.end + datetime.timedelta(days=1))

    @property
    def days(self) -> int:
        """The number of days in the period."""
        return (self.end - self.start).days + 1


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _parse(name: str, raw: str | None) -> datetime.date | None:
    if raw is None:
        return None
    try:
        return parse_iso_date(raw)
    except ValueError:
        detail = "Datum im Format JJJJ-MM-TT angeben."
        raise Invalid(detail, code="invalid_date", fields={name: [detail]}) from None


def report_period(raw_from: str | None, raw_to: str | None) -> Period:
    """Return the period the parameters name (defaults in the module docstring), or 400."""
    today = timezone.localdate()
    start, end = _parse("from", raw_from), _parse("to", raw_to)
    if end is not None and end > today:
        detail = "Der Zeitraum darf nicht nach dem heutigen Tag enden."
        raise Invalid(detail, code="invalid_period", fields={"to": [detail]})
    end = end or today
    start = start or end.replace(month=1, day=1)
    if start > end:
        detail = "Der Beginn liegt nach dem Ende des Zeitraums."
        raise Invalid(detail, code="invalid_period", fields={"from": [detail]})
    return Period(start, end)


def _empty_file() -> dict[str, Any]:
    return {
        "records": {"open": 0, "restricted": 0, "covert": 0},
        "persons": 0,
        "objects": 0,
        "contact_persons": 0,
        "searches": 0,
        "searches_per_week": 0.0,
        "hits_shown": 0,
        "mean_hits_per_search": 0.0,
        "access_requests": {"granted": 0, "refused": 0},
        "emergency_accesses": 0,
        "consents_refused": 0,
        "deletions": 0,
        "blocks": 0,
        "subject_requests": {"received": 0, "answered": 0},
    }


def _stock(figures: dict[str, dict[str, Any]], ids: dict[Any, str], period: Period) -> None:
    """Records by storage; persons and objects (open and restricted only)."""
    rows = (
        records_entered_by(ids, period.until)
        .values("file_id", "storage", "kind")
        .annotate(n=Count("*"))
        .order_by()
    )
    for row in rows:
        out = figures[ids[row["file_id"]]]
        out["records"][row["storage"]] += row["n"]
        if row["storage"] == Storage.COVERT:
            continue  # R-D5: covert records only as a count, never by kind.
        out["persons" if row["kind"] == RecordKind.PERSON else "objects"] += row["n"]
    contacts = (
        records_entered_by(ids, period.until)
        .filter(
            kind=RecordKind.PERSON,
            storage=Storage.OPEN,
            case_group__in=[CaseGroup.G1A, CaseGroup.G2],
        )
        # R-N3: contact persons a foreign body passed on in confidence do not exist for the
        # public (no release is ever for the public); their records count as without them.
        .exclude(
            Exists(
                OriginatorMarking.objects.filter(
                    list_has("items", "contact_persons", table="international_originatormarking"),
                    record=OuterRef("pk"),
                )
            )
        )
        .values("file_id")
        .annotate(
            n=Sum(Coalesce(_JsonArrayLength(KeyTransform("contact_persons", "extended")), Value(0)))
        )
        .order_by()
    )
    for row in contacts:
        figures[ids[row["file_id"]]]["contact_persons"] = row["n"] or 0


class _JsonArrayLength(Func):
    """``jsonb_array_length`` (PostgreSQL) / ``json_array_length`` (SQLite)."""

    function = "jsonb_array_length"
    arity = 1
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="json_array_length", **extra)


def _searches(figures: dict[str, dict[str, Any]], ids: dict[Any, str], period: Period) -> None:
    """Searches of the period, per week, and the mean of the hits shown (not covert)."""
    in_period = Q(created_at__gte=period.since, created_at__lt=period.until)
    searches = (
        Search.objects.filter(in_period, file_id__in=ids)
        .values("file_id")
        .annotate(n=Count("*"), answered=Count("id", filter=Q(refused="")))
        .order_by()
    )
    answered: dict[str, int] = {}
    for row in searches:
        code = ids[row["file_id"]]
        figures[code]["searches"] = row["n"]
        figures[code]["searches_per_week"] = round(row["n"] * 7 / period.days, 2)
        answered[code] = row["answered"]
    hits = (
        Hit.objects.filter(
            search__file_id__in=ids,
            search__created_at__gte=period.since,
            search__created_at__lt=period.until,
        )
        .exclude(record__storage=Storage.COVERT)
        .values(file_id=F("search__file_id"))
        .annotate(n=Count("*"))
        .order_by()
    )
    for row in hits:
        code = ids[row["file_id"]]
        figures[code]["hits_shown"] = row["n"]
        if answered.get(code):
            figures[code]["mean_hits_per_search"] = round(row["n"] / answered[code], 2)


def _decisions(figures: dict[str, dict[str, Any]], ids: dict[Any, str], period: Period) -> None:
    """Access requests decided, Eilfälle and refused consents within the period."""
    requests = (
        AccessRequest.objects.filter(
            file_id__in=ids,
            decided_at__gte=period.since,
            decided_at__lt=period.until,
            status__in=[RequestStatus.GRANTED, RequestStatus.REFUSED],
        )
        .values("file_id", "status")
        .annotate(n=Count("*"))
        .order_by()
    )
    for row in requests:
        figures[ids[row["file_id"]]]["access_requests"][row["status"]] = row["n"]
    for row in (
        EmergencyAccess.objects.filter(
            file_id__in=ids, created_at__gte=period.since, created_at__lt=period.until
        )
        .values("file_id")
        .annotate(n=Count("*"))
        .order_by()
    ):
        figures[ids[row["file_id"]]]["emergency_accesses"] = row["n"]
    for row in (
        EmergencyAccess.objects.filter(
            file_id__in=ids,
            consent=Consent.REFUSED,
            consent_at__gte=period.since,
            consent_at__lt=period.until,
        )
        .values("file_id")
        .annotate(n=Count("*"))
        .order_by()
    ):
        figures[ids[row["file_id"]]]["consents_refused"] = row["n"]


def _logged(figures: dict[str, dict[str, Any]], period: Period) -> dict[str, int]:
    """Deletions, blocks (non-covert records) and subject requests from the period's log."""
    rows = (
        AuditEvent.objects.filter(
            Q(time__gte=period.since, time__lt=period.until, action__in=list(LOG_ACTIONS))
            # R-D5: a covert record's row has a blank object id (its reference is covert).
            & ~Q(action__in=RECORD_ACTIONS, object_id="")
        )
        .values("file", "action")
        .annotate(n=Count("*"))
        .order_by()
    )
    total = {"received": 0, "answered": 0}
    for row in rows:
        key = LOG_ACTIONS[row["action"]]
        if key.startswith("subject_requests_"):
            which = key.removeprefix("subject_requests_")
            total[which] += row["n"]
            if row["file"] in figures:
                figures[row["file"]]["subject_requests"][which] += row["n"]
        elif row["file"] in figures:
            figures[row["file"]][key] += row["n"]
    return total


def report_statistics(period: Period) -> dict[str, Any]:
    """Return the published figures of the period (shape: api.md "Supervision")."""
    ids = dict(File.objects.filter(code__in=REPORTED_FILES).values_list("id", "code"))
    figures = {code: _empty_file() for code in REPORTED_FILES}
    _stock(figures, ids, period)
    _searches(figures, ids, period)
    _decisions(figures, ids, period)
    subject_total = _logged(figures, period)
    return {
        "period": {"from": period.start, "to": period.end},
        "files": figures,
        "subject_requests": subject_total,
    }


# The rows of the CSV download and of the page's tables: (key path, German label msgid).
CSV_FIGURES: tuple[tuple[str, Any], ...] = (
    ("records.open", _("records stored openly")),
    ("records.restricted", _("records stored with restricted access")),
    ("records.covert", _("records stored covertly")),
    ("persons", _("persons (open and restricted)")),
    ("objects", _("objects (open and restricted)")),
    ("contact_persons", _("contact persons")),
    ("searches", _("searches")),
    ("searches_per_week", _("searches per week")),
    ("hits_shown", _("hits shown")),
    ("mean_hits_per_search", _("mean hits per search")),
    ("access_requests.granted", _("access requests granted")),
    ("access_requests.refused", _("access requests refused")),
    ("emergency_accesses", _("emergency accesses")),
    ("consents_refused", _("consents refused")),
    ("deletions", _("deletions")),
    ("blocks", _("blocks")),
    ("subject_requests.received", _("subject requests received")),
    ("subject_requests.answered", _("subject requests answered")),
)


def figure(values: dict[str, Any], path: str) -> Any:
    """Return the value at a dotted key path of one file's figures."""
    value: Any = values
    for part in path.split("."):
        value = value[part]
    return value
