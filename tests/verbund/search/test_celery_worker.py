"""End to end: a real Celery worker on the real Redis broker delivers a covert hit (R-D3)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker

from agencies.services import demo_officers
from tests.conftest import PASSWORD
from tests.verbund.search.conftest import covert_payload
from verbund.celery import app
from verbund.models import CovertHit, InboxItem


@pytest.fixture
def reference(audit_truncate_allowed: None) -> dict[str, Any]:
    """Committed reference data: the worker thread reads through its own connection."""
    from verbund.services.reference import reference_data_ensure

    agencies = reference_data_ensure()
    demo_officers(PASSWORD)
    return agencies


@pytest.mark.django_db(transaction=True)
def test_r_d3_real_worker_delivers_covert_hit_to_owner_inbox(
    make_record: Any, run_search: Any, api: Any
) -> None:
    import verbund.tasks  # noqa: F401  (registers the tasks with the app)

    record = make_record(
        "lfv-be.analyst",
        basic={"surname": "Arbeiter", "given_names": "Willi"},
        **covert_payload("LFV-BE"),
    )
    app.control.purge()
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30):
        response = run_search("lka-th.analyst", {"surname": "Arbeiter"}, urgency="immediate")
        assert response.status_code == 201 and response.json()["hits"] == []
        deadline = time.monotonic() + 30
        while not InboxItem.objects.filter(kind="covert_hit").exists():
            assert time.monotonic() < deadline, "the worker did not deliver the covert hit"
            time.sleep(0.2)
    item = InboxItem.objects.get(kind="covert_hit")
    assert item.agency.code == "LFV-BE" and item.record_id == record.pk
    assert item.payload["search"] == response.json()["id"]
    assert item.payload["officer"] == "lka-th.analyst" and item.payload["urgency"] == "immediate"
    assert CovertHit.objects.get(pk=str(item.subject_id)).owner.code == "LFV-BE"
    inbox = api("lfv-be.head").get("/api/v1/inbox/?kind=covert_hit").json()
    assert [i["id"] for i in inbox["results"]] == [str(item.pk)]


@pytest.mark.django_db
def test_audit_truncate_trigger_is_on_again_after_the_worker_test() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = %s", ["audit_no_truncate"])
        assert cursor.fetchone() == ("O",)
