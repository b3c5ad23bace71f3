from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from homeward_shared.contracts.handoffs import LegalAssistanceKind, Urgency
from homeward_shared.domain import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ResidentReadyForReintegration(DomainEvent):
    case_number: str
    centre: str
    skills: tuple[str, ...]
    wishes_to_return_home: bool | None


# Training milestones: each is an audit row of who did what to which case, and goes to the
# dashboards as ``recovery.training_recorded`` (codes and dates only) for the yearly figures.
@dataclass(frozen=True, kw_only=True)
class TrainingEvent(DomainEvent):
    centre: str
    trade: str | None
    on: date
    milestone: ClassVar[str]


@dataclass(frozen=True, kw_only=True)
class TraineeEnrolled(TrainingEvent):
    milestone: ClassVar[str] = "enrolled"


@dataclass(frozen=True, kw_only=True)
class TrainingCompleted(TrainingEvent):
    milestone: ClassVar[str] = "completed"


@dataclass(frozen=True, kw_only=True)
class TraineeCertified(TrainingEvent):
    milestone: ClassVar[str] = "certified"


@dataclass(frozen=True, kw_only=True)
class TrainingWithdrawn(TrainingEvent):
    milestone: ClassVar[str] = "withdrawn"


@dataclass(frozen=True, kw_only=True)
class InternshipStarted(TrainingEvent):
    milestone: ClassVar[str] = "internship_started"


@dataclass(frozen=True, kw_only=True)
class StudyTourMade(TrainingEvent):
    milestone: ClassVar[str] = "study_tour"


@dataclass(frozen=True, kw_only=True)
class LegalAssistanceRequested(DomainEvent):
    """Centre staff asked legal assistance for her; legal workers take it from here."""

    request_id: uuid.UUID
    kind: LegalAssistanceKind
    urgency: Urgency
    centre: str
