"""Figures on international exchange from live data (R-J5 style; issue 20 "Build" 6).

Read by ``GET /api/v1/reports/international/`` and the page ``/international/statistik/``.
Like the BKA's report (``verbund.selectors.statistics``), the figures carry no personal data,
no file reference, no record id, no username: public, no login, not logged. Every answer is
computed by a handful of ``GROUP BY`` queries; no cache, no library (Django aggregation and
the standard ``csv`` module suffice).

Period: ``from``/``to`` as in the BKA's report (``report_period``: both days included,
Europe/Berlin, default the current year to date; any window, e.g. twelve months).

What counts
-----------
- **Liaison officers** (000 Q4): the active registry rows of kind ``liaison_officer`` now,
  by sender and host (a stock, not windowed).
- **Foreign requests** (000 Q9): ``PartnerRequest`` received (``received_on``) within the
  window, per partner (or country) and topic. ``group_by=basis``: a request has no legal
  basis, so it is grouped by partner.
- **Transfers abroad**: ``Transfer`` rows with a partner and status ``sent``, counted in the
  year of ``sent_at`` (local time) within the window — only a sent transfer reached the
  partner; recorded, pending, approved or refused ones did not (they are workflow, not
  exchange). Grouped by partner, country or legal basis, and year.
- **Red Notices** (000 Q5): notices received (``received_at``) within the window, per
  country and year of receipt, with how many of them are accepted, rejected or still in
  review now. Every version is a notice of its own (a new version reopens review).
- **Refused foreign logins** (R-N1): ``ForeignLoginAttempt`` rows within the window, by
  channel — a count, never the names tried.

Intelligence services (000 Q9)
------------------------------
The foreign exchange of the intelligence services (agency kind ``intelligence``: BfV, the
LfV, BND, MAD) is never counted nor shown per partner: their transfers and the requests they
recorded are left out of every figure, and the answer says „keine Angabe“ in their place.
Liaison officers sent by an intelligence service are left out likewise.

The third-party rule (R-N3)
---------------------------
No figure here counts a record's items, so no originator marking can show through; markings
themselves are never counted.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from agencies.models import Agency, AgencyKind
from international.models import (
    ForeignLoginAttempt,
    NoticeStatus,
    Partner,
    PartnerKind,
    PartnerRequest,
    RedNotice,
)
from verbund.errors import Invalid
from verbund.models.transfers import Transfer, TransferStatus
from verbund.selectors.statistics import Period, report_period

GROUP_BY = ("partner", "country", "basis")
FORMATS = ("json", "csv")
PARAMETERS = ("from", "to", "group_by", "format")
NOT_STATED = "keine Angabe"


def international_period(params: Any) -> tuple[Period, str]:
    """Return the period and grouping of the query parameters, or 400 naming the field."""
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        detail = "Unbekannter Parameter; zulässig: " + ", ".join(PARAMETERS) + "."
        raise Invalid(detail, code="unknown_parameter", fields={n: [detail] for n in unknown})
    for name in PARAMETERS:
        if len(params.getlist(name)) > 1:
            detail = "Parameter nur einmal angeben."
            raise Invalid(detail, code="invalid", fields={name: [detail]})
    group_by = params.get("group_by") or "partner"
    if group_by not in GROUP_BY:
        detail = "Zulässig: " + ", ".join(GROUP_BY) + "."
        raise Invalid(detail, code="invalid_choice", fields={"group_by": [detail]})
    fmt = params.get("format")
    if fmt is not None and fmt not in FORMATS:
        detail = "Zulässig: " + ", ".join(FORMATS) + "."
        raise Invalid(detail, code="invalid_choice", fields={"format": [detail]})
    return report_period(params.get("from"), params.get("to")), group_by


def _intelligence_codes() -> list[str]:
    return list(Agency.objects.filter(kind=AgencyKind.INTELLIGENCE).values_list("code", flat=True))


def _partner_key(row: dict[str, Any], prefix: str, group_by: str) -> tuple[str, str]:
    if group_by == "country":
        country = row[f"{prefix}country"] or ""
        return country, country or NOT_STATED
    return row[f"{prefix}code"], row[f"{prefix}name"]


def liaison_officers(intelligence: Iterable[str]) -> list[dict[str, Any]]:
    """Active liaison officers by sender and host (000 Q4), a stock."""
    rows = (
        Partner.objects.filter(kind=PartnerKind.LIAISON_OFFICER, active=True)
        .exclude(sender__in=list(intelligence))
        .values("sender", "host")
        .annotate(count=Count("*"))
        .order_by("sender", "host")
    )
    return [{"sender": r["sender"], "host": r["host"], "count": r["count"]} for r in rows]


def foreign_requests(period: Period, group_by: str) -> list[dict[str, Any]]:
    """Foreign requests received in the window per partner (or country) and topic."""
    rows = (
        PartnerRequest.objects.filter(received_on__gte=period.start, received_on__lte=period.end)
        .exclude(agency__kind=AgencyKind.INTELLIGENCE)
        .values("partner__code", "partner__name", "partner__country", "topic")
        .annotate(count=Count("*"))
        .order_by()
    )
    totals: dict[tuple[str, str, str], int] = {}
    for r in rows:
        key, label = _partner_key(r, "partner__", "country" if group_by == "country" else "")
        totals[(key, label, r["topic"])] = totals.get((key, label, r["topic"]), 0) + r["count"]
    return [
        {"key": k, "name": label, "topic": topic, "count": n}
        for (k, label, topic), n in sorted(totals.items())
    ]


def transfers_abroad(period: Period, group_by: str) -> list[dict[str, Any]]:
    """Sent transfers to partners in the window per partner/country/basis and year."""
    rows = (
        Transfer.objects.filter(
            partner__isnull=False,
            status=TransferStatus.SENT,
            sent_at__gte=period.since,
            sent_at__lt=period.until,
        )
        .exclude(sender__kind=AgencyKind.INTELLIGENCE)
        .annotate(year=ExtractYear("sent_at", tzinfo=timezone.get_current_timezone()))
        .values(
            "partner__code",
            "partner__name",
            "partner__country",
            "legal_basis__code",
            "legal_basis__citation",
            "year",
        )
        .annotate(count=Count("*"))
        .order_by()
    )
    totals: dict[tuple[str, str, int], int] = {}
    for r in rows:
        if group_by == "basis":
            key = r["legal_basis__code"] or ""
            label = r["legal_basis__citation"] or NOT_STATED
        else:
            key, label = _partner_key(r, "partner__", group_by)
        slot = (key, label, r["year"])
        totals[slot] = totals.get(slot, 0) + r["count"]
    return [
        {"key": k, "name": label, "year": year, "count": n}
        for (k, label, year), n in sorted(totals.items())
    ]


def red_notices(period: Period) -> list[dict[str, Any]]:
    """Red Notices received in the window per country and year, by their status now."""
    rows = (
        RedNotice.objects.filter(received_at__gte=period.since, received_at__lt=period.until)
        .annotate(year=ExtractYear("received_at", tzinfo=timezone.get_current_timezone()))
        .values("country", "year")
        .annotate(
            received=Count("*"),
            accepted=Count("id", filter=Q(status=NoticeStatus.ACCEPTED)),
            rejected=Count("id", filter=Q(status=NoticeStatus.REJECTED)),
            in_review=Count("id", filter=Q(status=NoticeStatus.IN_REVIEW)),
        )
        .order_by("country", "year")
    )
    return [
        {
            "country": r["country"],
            "year": r["year"],
            "received": r["received"],
            "accepted": r["accepted"],
            "rejected": r["rejected"],
            "in_review": r["in_review"],
        }
        for r in rows
    ]


def foreign_logins(period: Period) -> dict[str, Any]:
    """Refused foreign login attempts in the window, by channel (no names)."""
    rows = (
        ForeignLoginAttempt.objects.filter(at__gte=period.since, at__lt=period.until)
        .values("channel")
        .annotate(count=Count("*"))
        .order_by("channel")
    )
    by_channel = {r["channel"]: r["count"] for r in rows}
    return {"total": sum(by_channel.values()), "by_channel": by_channel}


def international_statistics(period: Period, group_by: str) -> dict[str, Any]:
    """Return the international figures of the period (shape: the module docstring)."""
    intelligence = _intelligence_codes()
    return {
        "period": {"from": period.start, "to": period.end},
        "group_by": group_by,
        "liaison_officers": liaison_officers(intelligence),
        "foreign_requests": foreign_requests(period, group_by),
        "transfers": transfers_abroad(period, group_by),
        "red_notices": red_notices(period),
        "foreign_logins": foreign_logins(period),
        "intelligence_services": NOT_STATED,
    }


def csv_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The figures as CSV rows: ``section, key, name, topic/year, figure, value``."""
    rows: list[list[Any]] = [["section", "key", "name", "detail", "figure", "value"]]
    period = data["period"]
    rows.append(["period", "from", "", "", "", _iso(period["from"])])
    rows.append(["period", "to", "", "", "", _iso(period["to"])])
    for r in data["liaison_officers"]:
        rows.append(["liaison_officers", r["sender"], r["host"], "", "count", r["count"]])
    for r in data["foreign_requests"]:
        rows.append(["foreign_requests", r["key"], r["name"], r["topic"], "count", r["count"]])
    for r in data["transfers"]:
        rows.append(["transfers", r["key"], r["name"], r["year"], "count", r["count"]])
    for r in data["red_notices"]:
        for name in ("received", "accepted", "rejected", "in_review"):
            rows.append(["red_notices", r["country"], r["country"], r["year"], name, r[name]])
    logins = data["foreign_logins"]
    rows.append(["foreign_logins", "total", "", "", "count", logins["total"]])
    for channel, count in logins["by_channel"].items():
        rows.append(["foreign_logins", channel, "", "", "count", count])
    rows.append(["intelligence_services", "", "", "", "", data["intelligence_services"]])
    return rows


def _iso(day: datetime.date) -> str:
    return day.isoformat()
