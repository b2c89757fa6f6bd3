"""The search's statements are pinned and the same whatever it finds (issue 19, R-D3).

A hit, a no-hit and a covert-only search send the same number of statements: the match and
the write run for every search (an empty hit list inserts nothing in the same statement),
and nothing extra happens on a covert match (architecture "Timing is an oracle too"). On
PostgreSQL the whole search — token, context, match, rate limit, search and hits, chain
head, log row, begin/commit — is nine statements, down from 18-20 through the ORM.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.verbund.search.conftest import covert_payload

# Token, context, BEGIN (a savepoint in a test), match, rate limit, search + hits, chain
# head, log row, COMMIT (a savepoint release in a test).
SEARCH_STATEMENTS = 9


@pytest.mark.django_db
def test_r_d3_hit_no_hit_and_covert_only_searches_send_the_same_statements(
    make_record: Callable[..., Any],
    api: Callable[..., Any],
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the statement count is pinned for PostgreSQL, the production database")
    make_record("bka.analyst", basic={"surname": "Offenbach", "given_names": "Karl"})
    make_record("bfv.analyst", basic={"surname": "Verdeckter"}, **covert_payload("BFV"))
    client = api("lka-bw.analyst")

    def run_search(criteria: dict[str, Any]) -> Any:
        body = {"file": "ATD", "mode": "name", "purpose": "ct_task", "urgency": "routine"}
        return client.post("/api/v1/searches/", {**body, "criteria": criteria}, format="json")

    run_search({"surname": "Warmup"})
    statements = {}
    for label, surname, hits in (
        ("hit", "Offenbach", 1),
        ("no hit", "Niemandsname", 0),
        ("covert only", "Verdeckter", 0),
    ):
        with django_assert_max_num_queries(SEARCH_STATEMENTS):
            with CaptureQueriesContext(connection) as captured:
                response = run_search({"surname": surname})
        assert response.status_code == 201, response.content
        assert response.json()["hit_count"] == hits
        statements[label] = [q["sql"].split()[0] for q in captured.captured_queries]
    # The same statements in the same order, not only as many.
    assert statements["hit"] == statements["no hit"] == statements["covert only"], statements
