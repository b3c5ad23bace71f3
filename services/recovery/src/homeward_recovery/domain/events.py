from __future__ import annotations

from dataclasses import dataclass

from homeward_shared.domain import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ResidentReadyForReintegration(DomainEvent):
    case_number: str
    centre: str
    skills: tuple[str, ...]
    wishes_to_return_home: bool | None
