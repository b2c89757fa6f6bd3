"""R-L6: every "without delay" duty is overdue exactly after its configurable due time,
reminded once, and listed for the agency head and the competent supervisor only."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Officer
from audit.models import AuditEvent
from verbund.errors import Forbidden
from verbund.models import AccessRequest, CovertHit, EmergencyAccess, InboxItem
from verbund.selectors.duties import overdue_for_head, overdue_for_supervisor, overdue_view
from verbund.services.duties import duties_remind
from verbund.services.searches import covert_hits_remind

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
# Kind → the setting of its due time, the head of the agency owing it, its competent
# supervisor and a supervisor of another state.
KINDS = {
    "covert_hit": "VERBUND_COVERT_CONTACT_HOURS",
    "access_request": "VERBUND_ACCESS_REQUEST_REMINDER_HOURS",
    "emergency_consent": "VERBUND_EILFALL_CONSENT_HOURS",
    "emergency_refused": "VERBUND_EILFALL_DUTY_HOURS",
    "correction_notice": "VERBUND_CORRECTION_DUE_HOURS",
}
HEADS = {"BFV": "bfv.head", "LKA-BW": "lka-bw.head"}
SUPERVISORS = {"BFV": "bfdi.supervisor", "LKA-BW": "lfd-bw.supervisor"}


def _remind(now: datetime.datetime | None = None) -> int:
    """Run both reminder jobs, as the beat does."""
    return duties_remind(now=now) + covert_hits_remind(now=now)


def _listed(qs: Any) -> list[dict[str, Any]]:
    return [overdue_view(row) for row in qs]


def _reminded_at(kind: str, subject: Any) -> Any:
    subject.refresh_from_db()
    if kind == "emergency_consent":
        return subject.consent_reminded_at
    if kind == "emergency_refused":
        return subject.duty_reminded_at
    if kind == "correction_notice":
        return subject.payload.get("reminded_at")
    return subject.reminded_at


@pytest.mark.parametrize("kind", list(KINDS))
def test_r_l6_duty_is_overdue_exactly_after_its_configured_due_time_and_reminded_once(
    kind: str, duty: Callable[[str], Any], settings: Any, time_machine: Any
) -> None:
    # A due time other than the default proves it is read from the settings.
    setattr(settings, KINDS[kind], 5)
    time_machine.move_to(START, tick=False)
    subject, owing = duty(kind)
    head = Officer.objects.get(username=HEADS[owing])
    due_at = START + datetime.timedelta(hours=5)

    time_machine.move_to(due_at - datetime.timedelta(minutes=1), tick=False)
    assert _remind() == 0
    assert _listed(overdue_for_head(actor=head)) == []
    assert _reminded_at(kind, subject) is None

    time_machine.move_to(due_at + datetime.timedelta(minutes=1), tick=False)
    # Listed from the due time on, before the reminder job ran.
    listed = _listed(overdue_for_head(actor=head))
    assert [(i["kind"], i["subject"], i["reminded_at"]) for i in listed] == [
        (kind, subject.pk, None)
    ]
    assert listed[0]["due_at"] == due_at == listed[0]["overdue_since"]
    assert listed[0]["agency"] == owing
    assert listed[0]["file"] == ("GWS" if kind == "correction_notice" else "ATD")
    assert listed[0]["file_number"]

    assert _remind() == 1
    assert _remind() == 0  # once
    assert _reminded_at(kind, subject) is not None
    listed = _listed(overdue_for_head(actor=head))
    assert listed[0]["reminded_at"] == due_at + datetime.timedelta(minutes=1)
    item = (
        InboxItem.objects.get(pk=subject.pk)
        if kind == "correction_notice"
        else InboxItem.objects.get(kind=kind, subject_id=subject.pk)
    )
    assert item.payload["overdue"] is True
    assert item.payload["reminded_at"] == (due_at + datetime.timedelta(minutes=1)).isoformat()
    action = "covert_hit.reminder" if kind == "covert_hit" else "duty.reminder"
    event = AuditEvent.objects.get(action=action)
    assert event.agency is not None and event.agency.code == owing
    assert event.officer is None

    # The competent supervisor sees it; another state's supervisor and other heads do not.
    supervisor = Officer.objects.get(username=SUPERVISORS[owing])
    assert [i["subject"] for i in _listed(overdue_for_supervisor(actor=supervisor))] == [subject.pk]
    other = Officer.objects.get(username="lfd-by.supervisor")
    assert _listed(overdue_for_supervisor(actor=other)) == []
    for username in ("bka.head", "lka-by.head", *(h for a, h in HEADS.items() if a != owing)):
        assert _listed(overdue_for_head(actor=Officer.objects.get(username=username))) == []


@pytest.mark.parametrize("username", ["bfv.analyst", "lka-bw.analyst", "bfdi.supervisor"])
def test_r_l6_head_list_refused_to_anybody_but_heads(username: str, officer: Any) -> None:
    with pytest.raises(Forbidden) as caught:
        overdue_for_head(actor=officer(username))
    assert caught.value.code == "not_head"


@pytest.mark.parametrize("username", ["bfv.analyst", "bfv.head"])
def test_r_l6_supervisor_list_refused_to_officers(username: str, officer: Any) -> None:
    with pytest.raises(Forbidden):
        overdue_for_supervisor(actor=officer(username))


def test_r_l6_closed_duties_are_neither_listed_nor_reminded(
    duty: Callable[[str], Any], time_machine: Any, officer: Any
) -> None:
    time_machine.move_to(START, tick=False)
    request, _ = duty("access_request")
    consent, _ = duty("emergency_consent")
    refused, _ = duty("emergency_refused")
    notice, _ = duty("correction_notice")
    covert, _ = duty("covert_hit")
    AccessRequest.objects.filter(pk=request.pk).update(status="granted")
    EmergencyAccess.objects.filter(pk=consent.pk).update(consent="granted")
    EmergencyAccess.objects.filter(pk=refused.pk).update(duty_done_at=START)
    InboxItem.objects.filter(pk=notice.pk).update(done_at=START)
    CovertHit.objects.filter(pk=covert.pk).update(decided_at=START)
    time_machine.move_to(START + datetime.timedelta(days=30), tick=False)
    assert _remind() == 0
    for username in ("bfv.head", "lka-bw.head", "bfdi.supervisor", "lfd-bw.supervisor"):
        actor = officer(username)
        listed = (
            overdue_for_supervisor(actor=actor)
            if actor.role == "supervisor"
            else overdue_for_head(actor=actor)
        )
        assert _listed(listed) == [], username


def test_r_l6_lists_order_by_due_time_and_a_delegation_reaches_the_list(
    duty: Callable[[str], Any], time_machine: Any, officer: Any, settings: Any
) -> None:
    from agencies.models import Agency, Delegation

    settings.VERBUND_ACCESS_REQUEST_REMINDER_HOURS = 1
    settings.VERBUND_COVERT_CONTACT_HOURS = 2
    settings.VERBUND_EILFALL_CONSENT_HOURS = 3
    time_machine.move_to(START, tick=False)
    consent, _ = duty("emergency_consent")
    covert, _ = duty("covert_hit")
    request, _ = duty("access_request")
    time_machine.move_to(START + datetime.timedelta(hours=4), tick=False)
    listed = _listed(overdue_for_head(actor=officer("bfv.head")))
    assert [i["subject"] for i in listed] == [request.pk, covert.pk, consent.pk]
    assert [i["kind"] for i in listed] == ["access_request", "covert_hit", "emergency_consent"]
    assert len({i["id"] for i in listed}) == 3
    # R-J2: the federal supervisor delegates the BfV to Bavaria's supervisor.
    lfd_by = officer("lfd-by.supervisor")
    assert _listed(overdue_for_supervisor(actor=lfd_by)) == []
    Delegation.objects.create(
        from_jurisdiction="federal",
        to_jurisdiction="BY",
        agency=Agency.objects.get(code="BFV"),
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2027, 12, 31),
        reasons="Amtshilfe",
    )
    assert len(_listed(overdue_for_supervisor(actor=lfd_by))) == 3
    # The agency filter narrows, never widens.
    bfv = Agency.objects.filter(code="BFV")
    assert len(_listed(overdue_for_supervisor(actor=lfd_by, agencies=bfv))) == 3
    lka = Agency.objects.filter(code="LKA-BW")
    assert _listed(overdue_for_supervisor(actor=lfd_by, agencies=lka)) == []


def test_r_l6_reminder_query_count_does_not_grow_with_duties(
    duty: Callable[[str], Any], time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    for _ in range(2):
        duty("access_request")
        duty("emergency_refused")
    time_machine.move_to(START + datetime.timedelta(days=10), tick=False)
    with CaptureQueriesContext(connection) as few:
        assert duties_remind() == 4
    time_machine.move_to(START + datetime.timedelta(days=20), tick=False)
    for _ in range(4):
        duty("access_request")
        duty("emergency_refused")
    time_machine.move_to(START + datetime.timedelta(days=30), tick=False)
    with CaptureQueriesContext(connection) as many:
        assert duties_remind() == 8
    # Only the log rows (one each) grow with the number of duties.
    assert len(many) - len(few) <= 4 * 6
