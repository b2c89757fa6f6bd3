"""Plain-language labels of the console: supervisors never read codes (English msgids)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Any] = {
    "search": _("Search"),
    "search.view": _("Search result viewed"),
    "hit.view": _("Hit viewed"),
    "record.create": _("Record entered"),
    "record.update": _("Record changed"),
    "record.view": _("Record viewed"),
    "record.list": _("Record list viewed"),
    "record.delete": _("Record deleted"),
    "record.block": _("Record blocked"),
    "record.blocked_use": _("Blocked data used"),
    "record.correction_notice": _("Notice of inaccuracy sent"),
    "record.correction_decide": _("Notice of inaccuracy decided"),
    "record.dates_recompute": _("Review and deletion dates recomputed"),
    "record.review_open": _("Review opened"),
    "record.review_decide": _("Review decided"),
    "record.reviews_view": _("Reviews viewed"),
    "record.history_read": _("Record history read"),
    "inbox.view": _("Inbox viewed"),
    "covert_hit.deliver": _("Covert hit reported to the owner"),
    "covert_hit.decide": _("Contact after a covert hit decided"),
    "covert_hit.reminder": _("Reminder: covert hit"),
    "access_request.create": _("Request for extended data"),
    "access_request.decide": _("Request decided"),
    "access_request.view": _("Request viewed"),
    "access_request.list": _("Requests listed"),
    "emergency.create": _("Emergency access"),
    "emergency.consent": _("Consent to an emergency access"),
    "emergency.duty": _("Duty after refused consent"),
    "emergency.view": _("Emergency access viewed"),
    "emergency.list": _("Emergency accesses listed"),
    "transfer.create": _("Transfer recorded"),
    "transfer.view": _("Transfer viewed"),
    "transfer.list": _("Transfers listed"),
    "duty.reminder": _("Reminder of an overdue duty"),
    "duty.escalate": _("Overdue duty escalated"),
    "overdue.read": _("Overdue duties read"),
    "date_rule.create": _("Date rule configured"),
    "catalogue.publish": _("Catalogue published"),
    "deadlines.sweep": _("Deadline sweep"),
    "audit.read": _("Log read"),
    "audit.purge": _("Log period deleted"),
    "audit.verify": _("Log chain verified"),
    "officer.create": _("Account created"),
    "supervision.record_read": _("Record read by the supervisor"),
    "supervision.complaint": _("Complaint lodged"),
    "supervision.delegation_create": _("Delegation granted"),
    "supervision.delegation_revoke": _("Delegation revoked"),
    "supervision.control_plan": _("Control plan set"),
    "supervision.control_record": _("Mandatory control recorded"),
    "supervision.control_due": _("Mandatory control due"),
    # Issue 17: the operators' log, exported checkpoints, subject access (R-K).
    "audit.operations_read": _("Operations log read"),
    "audit.checkpoint_export": _("Log checkpoints exported"),
    "subject_request.create": _("Subject request recorded"),
    "subject_request.read": _("Subject request viewed"),
    "subject_request.decide": _("Owner's decision on a subject request"),
    "subject_request.answer": _("Subject request answered"),
    "subject_request.challenge": _("Challenge of a subject-request decision recorded"),
    "auth.login": _("Login"),
    "auth.logout": _("Logout"),
    "admin.save": _("Changed in the administration"),
    "admin.change": _("Changed in the administration"),
    "admin.delete": _("Deleted in the administration"),
    # Issue 18 (gws-basis): the legal-basis gate (R-A3, R-M5).
    "file.ordinance_register": _("Ordinance registered"),
    "record.review_cause_lapsed": _("Review reason lapsed: legal basis in force"),
    # Issue 18 (gws-release): releases from state systems (R-M1).
    "release.run": _("Release from a state system"),
    "release.start": _("Release from a state system started"),
}

SCOPE_LABELS: dict[str, Any] = {
    "log": _("Logs"),
    "records": _("Records and complaints"),
    "controls": _("Mandatory controls"),
}

PLAN_STATE_LABELS: dict[str, Any] = {
    "planned": _("planned"),
    "due": _("due soon"),
    "overdue": _("overdue"),
}

OUTCOME_LABELS: dict[str, Any] = {
    "keep": _("kept, with reasons"),
    "corrected": _("corrected"),
    "blocked": _("blocked"),
    "deleted": _("deleted"),
}

REQUEST_STATUS_LABELS: dict[str, Any] = {
    "pending": _("open"),
    "granted": _("granted"),
    "refused": _("refused"),
}

JURISDICTION_LABELS: dict[str, Any] = {
    "federal": _("Federal Commissioner for Data Protection"),
}


def label(labels: dict[str, Any], code: str) -> str:
    """Return the label of a code; an unknown code is shown as a neutral dash, never raw."""
    value = labels.get(code)
    return str(value) if value is not None else "–"


def action_label(code: str) -> str:
    """Return an action's label; an action without one is shown as "Other access"."""
    value = ACTION_LABELS.get(code)
    return str(value) if value is not None else str(_("Other access"))


def jurisdiction_label(code: str) -> str:
    """Return the name of a supervisor's jurisdiction: the BfDI or the state's commissioner."""
    from agencies.models import STATES

    if code in JURISDICTION_LABELS:
        return str(JURISDICTION_LABELS[code])
    states = dict(STATES)
    if code in states:
        return str(_("State commissioner %(state)s") % {"state": states[code]})
    return "–"
