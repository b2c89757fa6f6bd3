"""The browser side of dates: the head's date rules page, the record page and form (R-L4a)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from verbund.models import DateRule, Record

PAGE = "/fristenregeln/"


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "file": "ATD",
        "provision": "§ 77 BKAG (Aussonderungsprüffristen)",
        "valid_from": timezone.localdate().isoformat(),
        "review_adult": 60,
        "review_juvenile": 30,
        "review_child": 12,
        "storage_adult": 120,
        "storage_juvenile": 60,
        "storage_child": 24,
    }
    data.update(overrides)
    return data


def _visible(html: str) -> str:
    return re.sub(r'(name|value|id|for|href|action|class)="[^"]*"', "", html)


def test_r_l4a_ui_head_configures_a_rule_and_sees_it_listed(
    browser: Callable[..., Client],
) -> None:
    head = browser("bka.head")
    page = head.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{PAGE}"' in html and "Fristenregeln" in html
    assert "noch keine Fristenregel" in html
    response = head.post(PAGE, _form(), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Die Fristenregel ist gespeichert." in html
    assert "§ 77 BKAG (Aussonderungsprüffristen)" in html
    assert "10 Jahre" in html and "2 Jahre 6 Monate" in html and "1 Jahr" in html
    assert DateRule.objects.get().provision.startswith("§ 77 BKAG")
    assert AuditEvent.objects.filter(action="date_rule.create").count() == 1


def test_r_l4a_ui_rule_above_the_cap_is_shown_at_its_field(browser: Callable[..., Client]) -> None:
    response = browser("bka.head").post(PAGE, _form(storage_adult=121, review_child=30))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Höchstens 120 Monate" in html and "Höchstens 24 Monate" in html
    assert not DateRule.objects.exists()
    assert "period_too_long" not in _visible(html)


def test_r_l4a_ui_only_the_head_reaches_the_page(browser: Callable[..., Client]) -> None:
    analyst = browser("bka.analyst")
    assert analyst.get(PAGE).status_code == 403
    assert analyst.post(PAGE, _form()).status_code == 403
    assert not DateRule.objects.exists()
    assert f'href="{PAGE}"' not in analyst.get("/").content.decode()


def test_r_l4a_ui_record_page_cites_the_rule_and_form_says_dates_are_optional(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    browser("bka.head").post(PAGE, _form())
    record = make_record("bka.analyst", review_date=None, deletion_date=None)
    analyst = browser("bka.analyst")
    html = analyst.get(f"/datensaetze/{record.pk}/").content.decode()
    assert "Fristen nach" in html
    assert "Fristenregel der Behörde (§ 77 BKAG (Aussonderungsprüffristen))" in html
    form = analyst.get("/datensaetze/neu/").content.decode()
    assert "Freiwillig: die Prüffrist Ihrer Ausgangsdaten" in form
    assert "sofort zur Prüfung vorgelegt" in form


def test_r_l4a_ui_record_without_rule_shows_review_at_once(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    record = make_record("lka-bw.analyst", review_date=None, deletion_date=None)
    html = browser("lka-bw.analyst").get(f"/datensaetze/{record.pk}/").content.decode()
    assert "Keine Fristenregel: sofort zu prüfen" in html
    assert "none" not in re.findall(r"<dd>([^<]*)</dd>", html)


def test_r_l4a_ui_edit_keeps_rule_dates_and_an_emptied_date_is_supplied_anew(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    from tests.verbund.views.test_ui_edit_round_trip import _post_data

    browser("bka.head").post(PAGE, _form())
    record = make_record("bka.analyst", review_date=None, deletion_date=None)
    analyst = browser("bka.analyst")
    url = f"/datensaetze/{record.pk}/bearbeiten/"
    data = _post_data(analyst.get(url).content.decode())
    data["findings_basis"] = ["Neue Erkenntnisse aus Vernehmung"]
    assert analyst.post(url, data).status_code == 302
    saved = Record.objects.get(pk=record.pk)
    assert saved.dates_source == "rule" and saved.deletion_date == record.deletion_date
    data = _post_data(analyst.get(url).content.decode())
    data["review_date"] = [""]
    later = record.deletion_date.replace(day=1)
    data["deletion_date"] = [later.isoformat()]
    assert analyst.post(url, data).status_code == 302
    saved = Record.objects.get(pk=record.pk)
    assert saved.deletion_date == later
    assert saved.review_date == record.review_date  # supplied anew by the rule
    assert saved.dates_source == "rule"
