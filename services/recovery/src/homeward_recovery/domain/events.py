from __future__ import annotations

from dataclasses import dataclass

from homeward_shared.domain import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ResidentReadyForReintegration(DomainEvent):
    case_number: str
    centre: str
    skills: tuple[str, ...]
    wishes_to_return_home: bool | None


# Stay inside recovery (the translator sends them nowhere): each one is an audit row of who
# did what to which case, and the source of the centre's training figures.
@dataclass(frozen=True, kw_only=True)
class TraineeEnrolled(DomainEvent):
    trade: str
    centre: str


@dataclass(frozen=True, kw_only=True)
class TrainingCompleted(DomainEvent):
    trade: str
    centre: str


@dataclass(frozen=True, kw_only=True)
class TraineeCertified(DomainEvent):
    trade: str
    centre: str
