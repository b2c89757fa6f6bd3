"""The hit row's next steps come from one lookup per page (R-F1, R-G1, R-G3).

The request and Eilfall steps of every hit row are decided by
``verbund.selectors.searches.hit_next_steps`` for the whole page: the number of queries a
result page costs does not grow with its hits, and nothing is remembered between pages
(an Eilfall taken, a record blocked since, shows at once).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from verbund.models import Record

pytestmark = pytest.mark.django_db


def _search(client: Client, surname: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/suche/?mode=name&file=ATD",
            {
                "mode": "name",
                "file": "ATD",
                "purpose": "ct_task",
                "urgency": "routine",
                "surname": surname,
            },
        )
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode(), len(queries)


def _links(html: str, prefix: str) -> list[str]:
    return re.findall(rf'href="({prefix}[^"]+/)"', html)


def test_r_f1_hit_steps_cost_the_same_queries_for_one_hit_and_for_twelve(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    make_record("bfv.analyst", basic={"surname": "Einzeltreffer", "given_names": "Ali"})
    for n in range(12):
        make_record("bfv.analyst", basic={"surname": "Vieltreffer", "given_names": f"Nr{n}"})
    client = browser("lka-bw.analyst")
    _search(client, "Einzeltreffer")  # warm the session and the order lookups
    one, one_queries = _search(client, "Einzeltreffer")
    many, many_queries = _search(client, "Vieltreffer")
    assert len(_links(one, "/ersuchen/neu/")) == 1
    assert len(_links(many, "/ersuchen/neu/")) == 12
    assert len(_links(many, "/treffer/")) >= 12
    assert many_queries == one_queries, (one_queries, many_queries)


def test_r_g3_eilfall_step_disappears_once_the_agency_took_one(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    make_record("bfv.analyst", basic={"surname": "Eilschritt", "given_names": "Omar"})
    client = browser("lka-bw.head")
    html, _queries = _search(client, "Eilschritt")
    steps = [u for u in _links(html, "/treffer/") if u.endswith("/eilfall/")]
    assert len(steps) == 1
    response = client.post(
        steps[0],
        {
            "danger": "life",
            "facts": "Anschlag auf den Hauptbahnhof in zwei Stunden angekündigt",
            "why_no_request": "Ein Ersuchen käme zu spät",
            "decided_by": "lka-bw.head",
        },
    )
    assert response.status_code in (302, 303), response.content.decode()[:2000]
    again, _queries = _search(client, "Eilschritt")
    assert [u for u in _links(again, "/treffer/") if u.endswith("/eilfall/")] == []
    # The request step stays: the Eilfall does not replace the ordinary way (R-F1).
    assert len(_links(again, "/ersuchen/neu/")) == 1
