"""Event contracts: what crosses between services. Documented as AsyncAPI in docs/.

A change that would break a consumer is a new ``schema_version`` or a new topic, never an
edit in place.
"""

from homeward_shared.contracts.erasure import CaseErasureApproved, ErasureReason
from homeward_shared.contracts.figures import FigureMetric, FigureRecorded
from homeward_shared.contracts.handoffs import (
    FollowUpVisitOverdue,
    LeadReported,
    LegalAssistanceRequested,
    LegalMilestoneRecorded,
    LegalReferralIssued,
    PersonRescued,
    PlacementRequested,
    ResidentReadyForReintegration,
    TrainingRecorded,
)
from homeward_shared.contracts.stage import CaseStageChanged
from homeward_shared.contracts.topics import Topics

__all__ = [
    "CaseErasureApproved",
    "CaseStageChanged",
    "ErasureReason",
    "FigureMetric",
    "FigureRecorded",
    "FollowUpVisitOverdue",
    "LeadReported",
    "LegalAssistanceRequested",
    "LegalMilestoneRecorded",
    "LegalReferralIssued",
    "PersonRescued",
    "PlacementRequested",
    "ResidentReadyForReintegration",
    "Topics",
    "TrainingRecorded",
]
