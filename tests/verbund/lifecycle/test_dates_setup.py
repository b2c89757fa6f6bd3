"""Configured periods within the cap (R-L4a): the order's admin form, the demo rule."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from verbund.admin import EstablishmentOrderForm
from verbund.models import DateRule, EstablishmentOrder, File, InboxItem, Record


def _order_form(order: EstablishmentOrder, **periods: Any) -> EstablishmentOrderForm:
    data = {
        "file": order.file_id,
        "version": order.version + 1,
        "effective_from": order.effective_from.isoformat(),
        "text": order.text,
        "purposes": '[{"code": "x", "label": "x"}]',
        "urgencies": '[{"code": "routine", "label": "Routine"}]',
        "hit_limit": order.hit_limit,
        "searches_per_minute": order.searches_per_minute,
        "participants": "{}",
        "review_months": '{"adult": 60, "juvenile": 24, "child": 24}',
        "storage_months": '{"adult": 60, "juvenile": 24, "child": 24}',
        **periods,
    }
    return EstablishmentOrderForm(data=data)


def test_r_l4a_order_periods_above_the_cap_are_refused_in_the_admin(reference: Any) -> None:
    order = File.objects.get(code="GWS").orders.get()
    assert _order_form(order).is_valid(), _order_form(order).errors
    too_long = _order_form(order, storage_months='{"adult": 121, "juvenile": 24, "child": 24}')
    assert not too_long.is_valid()
    assert "storage_months.adult" in str(too_long.errors["storage_months"])
    longer = _order_form(order, review_months='{"adult": 72, "juvenile": 24, "child": 24}')
    assert not longer.is_valid()
    assert "review_months.adult" in str(longer.errors["review_months"])


def test_r_l4a_demo_gws_order_uses_five_years_two_for_minors(reference: Any) -> None:
    order = File.objects.get(code="GWS").orders.get()
    assert order.storage_months == {"adult": 60, "juvenile": 24, "child": 24}


@pytest.mark.django_db
def test_r_l4a_seed_demo_gives_the_bka_a_rule_and_leaves_lka_bw_without_one() -> None:
    call_command("seed_demo", records=0, stdout=io.StringIO())
    call_command("seed_demo", records=0, stdout=io.StringIO())
    rule = DateRule.objects.get()
    assert (rule.agency.code, rule.file.code) == ("BKA", "ATD")
    assert rule.provision == "§ 77 BKAG (Aussonderungsprüffristen)"
    assert not DateRule.objects.filter(agency__code="LKA-BW").exists()


@pytest.mark.django_db
def test_r_l4a_seed_demo_records_show_rule_owner_and_review_at_once() -> None:
    call_command("seed_demo", records=30, stdout=io.StringIO())
    sources = set(Record.objects.filter(file__code="ATD").values_list("dates_source", flat=True))
    assert {"owner", "none"} <= sources
    bka = Record.objects.filter(owner__code="BKA", file__code="ATD", kind="person")
    assert bka.exists() and all(r.dates_source == "rule" for r in bka)
    none = Record.objects.filter(dates_source="none")
    assert InboxItem.objects.filter(kind="review_due", record__in=none).count() == none.count()
