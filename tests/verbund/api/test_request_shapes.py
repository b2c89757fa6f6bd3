"""One declaration per request shape: the serializer the schema shows is the one that checks.

Each request serializer of the API carries the ``Shape`` of ``verbund.services.shapes`` that
its ``is_valid()`` applies (strict JSON types, no coercion). These tests prove that the two
say the same thing field by field — the same keys, the same JSON types, the same size
limits — so the served schema can never promise a body the server refuses for its types, or
hide one it accepts.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import serializers

from audit.api_readers import CheckpointDocumentSerializer
from international.api.notices import RedNoticeCreateSerializer, RedNoticeDecisionSerializer
from international.api.originator import (
    OriginatorMarkingCreateSerializer,
    OriginatorReleaseCreateSerializer,
)
from international.api.registry import PartnerRequestCreateSerializer

# Issue 20, intltr: the steps of a transfer abroad.
from international.api.transfers import (
    TransferApprovalSerializer,
    TransferConsentSerializer,
    TransferSentInSerializer,
)
from subjects.api import (
    ChallengeDecisionInSerializer,
    ChallengeInSerializer,
    CourtRulingInSerializer,
    SubjectDecisionSerializer,
    SubjectRequestCreateSerializer,
)
from verbund.api.date_rules import DateRuleCreateSerializer
from verbund.api.emergencies import (
    EmergencyConsentSerializer,
    EmergencyCreateSerializer,
    EmergencyDutySerializer,
)
from verbund.api.inbox import CorrectionDecisionSerializer, CovertHitDecisionSerializer
from verbund.api.lifecycle import (
    BlockedUseSerializer,
    ComplaintSerializer,
    JusticeDecisionSerializer,
    ReviewDecisionSerializer,
)
from verbund.api.reference import CataloguePublishIn
from verbund.api.releases import ReleaseDocumentSerializer
from verbund.api.requests import AccessDecisionSerializer, AccessRequestCreateSerializer
from verbund.api.schemas import (
    BlockSerializer,
    CorrectionNoticeSerializer,
    DeleteSerializer,
    RecordCreateSerializer,
    RecordInputSerializer,
    RecordMergePatchSerializer,
)
from verbund.api.searches import FeatureSearch, NameSearch, ObjectSearch
from verbund.api.supervision import (
    ControlCreateSerializer,
    ControlPlanCreateSerializer,
    DelegationCreateSerializer,
)
from verbund.api.transfers import TransferCreateSerializer
from verbund.services import shapes
from verbund.services.date_rules import Int

# Fields whose format bounds them (a choice, a date, a UUID): no length to document.
FORMATTED = (serializers.ChoiceField, serializers.DateField, serializers.UUIDField)


def _limit(declared: int | None, allowed: int, default: int, path: str) -> list[str]:
    """The schema's limit must not promise more than the check takes, nor hide a lower one."""
    if declared is not None and declared > allowed:
        return [f"{path}: schema allows {declared}, the check {allowed}"]
    if declared is None and allowed < default:
        return [f"{path}: the check limits to {allowed}, the schema says nothing"]
    return []


def _compare(field: Any, shape: shapes.Shape, path: str) -> list[str]:
    """Return the differences between a serializer field and a shape."""
    if isinstance(field, serializers.ListSerializer | serializers.ListField):
        if not isinstance(shape, shapes.ListOf):
            return [f"{path}: list vs {type(shape).__name__}"]
        problems = _limit(
            getattr(field, "max_length", None), shape.max_items, shapes.MAX_LIST_ITEMS + 1, path
        )
        return problems + _compare(field.child, shape.item, f"{path}[]")
    if isinstance(field, serializers.DictField):
        # An open object (issue 20, intlrn: a checklist by criterion code).
        if not isinstance(shape, shapes.Obj) or shape.fields or shape.extra is None:
            return [f"{path}: open object vs {shape}"]
        return _compare(field.child, shape.extra, f"{path}.*")
    if isinstance(field, serializers.Serializer):
        if not isinstance(shape, shapes.Obj):
            return [f"{path}: object vs {type(shape).__name__}"]
        if shape.extra is not None and not shape.fields:
            # An open object: every declared key has the shape of the undeclared ones.
            return [
                p
                for name, child in field.fields.items()
                for p in _compare(child, shape.extra, f"{path}.{name}")
            ]
        problems = []
        declared = set(field.fields)
        expected = set(shape.fields)
        if declared != expected:
            problems.append(
                f"{path}: keys only in serializer {sorted(declared - expected)}, "
                f"only in shape {sorted(expected - declared)}"
            )
        for name in sorted(declared & expected):
            problems += _compare(field.fields[name], shape.fields[name], f"{path}.{name}")
        return problems
    if isinstance(field, serializers.BooleanField):
        return [] if isinstance(shape, shapes.Bool) else [f"{path}: boolean vs {shape}"]
    if isinstance(field, serializers.IntegerField):
        return [] if isinstance(shape, Int) else [f"{path}: integer vs {shape}"]
    if isinstance(field, FORMATTED):
        return [] if isinstance(shape, shapes.Text) else [f"{path}: text vs {shape}"]
    if isinstance(field, serializers.CharField):
        if not isinstance(shape, shapes.Text):
            return [f"{path}: text vs {type(shape).__name__}"]
        return _limit(field.max_length, shape.max_len, shapes.MAX_TEXT, path)
    return [f"{path}: unmapped serializer field {type(field).__name__}"]


@pytest.mark.parametrize(
    "serializer",
    [
        RecordInputSerializer,
        RecordMergePatchSerializer,
        BlockSerializer,
        CorrectionNoticeSerializer,
        DeleteSerializer,
        CovertHitDecisionSerializer,
        CorrectionDecisionSerializer,
        CataloguePublishIn,
        NameSearch,
        FeatureSearch,
        ObjectSearch,
        TransferCreateSerializer,
        EmergencyCreateSerializer,
        EmergencyConsentSerializer,
        EmergencyDutySerializer,
        AccessRequestCreateSerializer,
        AccessDecisionSerializer,
        DateRuleCreateSerializer,
        ReviewDecisionSerializer,
        BlockedUseSerializer,
        JusticeDecisionSerializer,
        ComplaintSerializer,
        DelegationCreateSerializer,
        ControlPlanCreateSerializer,
        ControlCreateSerializer,
        CheckpointDocumentSerializer,
        SubjectRequestCreateSerializer,
        SubjectDecisionSerializer,
        ChallengeInSerializer,
        # Issue 18, gws-claims: objections decided by the owner, court rulings.
        ChallengeDecisionInSerializer,
        CourtRulingInSerializer,
        # Issue 18, gws-release: releases from state systems.
        ReleaseDocumentSerializer,
        # Issue 20, intlreg: foreign partners' requests.
        PartnerRequestCreateSerializer,
        # Issue 20, intlts: originator markings and releases (R-N3).
        OriginatorMarkingCreateSerializer,
        OriginatorReleaseCreateSerializer,
        # Issue 20, intltr: the steps of a transfer abroad.
        TransferConsentSerializer,
        TransferApprovalSerializer,
        TransferSentInSerializer,
        # Issue 20, intlrn: Red Notices, and the notice a record rests on.
        RedNoticeCreateSerializer,
        RedNoticeDecisionSerializer,
        RecordCreateSerializer,
    ],
    ids=lambda s: s.__name__,
)
def test_request_serializer_and_its_shape_declare_the_same_fields(serializer: Any) -> None:
    instance = serializer()
    shape = instance.shape
    assert _compare(instance, shape, serializer.__name__) == []


def test_request_serializer_refuses_a_wrong_type_without_coercion() -> None:
    """``is_valid()`` of a request serializer is the strict check: 42 is no text."""
    checked = BlockSerializer(data={"reason": 42})
    assert not checked.is_valid()
    assert checked.errors == {"reason": ["Text erwartet."]}
    assert BlockSerializer(data={"reason": "Schutzwürdige Interessen."}).is_valid()


def test_merge_patch_schema_lets_a_client_remove_keys_with_null() -> None:
    """RFC 7396: ``null`` removes a key, at the top and inside nested objects."""
    patch = RecordMergePatchSerializer()
    assert all(not f.required and f.allow_null for f in patch.fields.values())
    extended: Any = patch.fields["extended"]
    assert all(not f.required and f.allow_null for f in extended.fields.values())
    body = {"extended": {"free_text": None}, "review_date": None}
    assert RecordMergePatchSerializer.checked(body) == body
