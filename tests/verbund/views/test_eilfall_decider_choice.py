"""The Eilfall form names each possible decider once: full name, else the username (R-G2)."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Officer
from verbund.forms.emergencies import EilfallForm

pytestmark = pytest.mark.django_db


def test_r_g2_decider_option_shows_the_full_name_or_the_username_once(
    reference: dict[str, Any],
) -> None:
    head = Officer.objects.get(username="lka-bw.head")
    head.first_name, head.last_name = "", ""
    named = Officer.objects.get(username="bfv.head")
    named.first_name, named.last_name = "Erika", "Leitung"
    field: Any = EilfallForm(heads=[head, named]).fields["decided_by"]
    assert list(field.choices)[1:] == [
        ("lka-bw.head", "lka-bw.head"),
        ("bfv.head", "Erika Leitung"),
    ]
