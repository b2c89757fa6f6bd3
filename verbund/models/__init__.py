"""Domain models of the federated files."""

from verbund.models.catalogue import CatalogueValue, CatalogueVersion
from verbund.models.emergencies import EmergencyAccess
from verbund.models.files import (
    EstablishmentOrder,
    EstablishmentOrderApproval,
    File,
    LegalBasis,
    Participation,
)
from verbund.models.inbox import InboxItem
from verbund.models.lifecycle import DateRule
from verbund.models.records import (
    FeatureValue,
    NameKey,
    Record,
    RecordGroupObjectPermission,
    RecordUserObjectPermission,
)
from verbund.models.requests import AccessRequest
from verbund.models.searches import CovertHit, Hit, Search, SearchThrottle
from verbund.models.states import Release, ReleasedSource, StateSystem
from verbund.models.transfers import Transfer, TransferStatus

__all__ = [
    "AccessRequest",
    "EmergencyAccess",
    "Transfer",
    "TransferStatus",
    "CatalogueValue",
    "CatalogueVersion",
    "CovertHit",
    "DateRule",
    "EstablishmentOrder",
    "EstablishmentOrderApproval",
    "FeatureValue",
    "File",
    "Hit",
    "InboxItem",
    "LegalBasis",
    "NameKey",
    "Participation",
    "Record",
    "RecordGroupObjectPermission",
    "RecordUserObjectPermission",
    "Release",
    "ReleasedSource",
    "Search",
    "SearchThrottle",
    "StateSystem",
]
