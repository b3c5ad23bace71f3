"""Education while resident: basic literacy and maths, Khmer, English, computer classes, or a
nearby state school. Attendance is kept per month, with the level she reached.

Invariants: only a resident starts a class; one open class per subject; attendance never
exceeds the sessions held; a month is recorded once per class (a correction replaces it, and
the audit trail keeps both).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from homeward_shared.domain import Conflict, DomainError


class Subject(StrEnum):
    LITERACY_MATHS = "literacy_maths"
    KHMER = "khmer"
    ENGLISH = "english"
    COMPUTER = "computer"
    STATE_SCHOOL = "state_school"


@dataclass(frozen=True, kw_only=True)
class MonthAttended:
    month: date  # the first day of the month
    attended: int
    held: int
    level: str

    @property
    def rate(self) -> float:
        return self.attended / self.held if self.held else 0.0


@dataclass(kw_only=True)
class EducationClass:
    class_id: uuid.UUID
    case_id: uuid.UUID
    centre: str
    subject: Subject
    level: str
    started_on: date
    ended_on: date | None = None
    months: list[MonthAttended] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        *,
        case_id: uuid.UUID,
        centre: str,
        subject: Subject,
        level: str,
        started_on: date,
        open_subjects: set[Subject],
    ) -> EducationClass:
        if subject in open_subjects:
            raise Conflict(f"she already attends {subject.value}")
        return cls(
            class_id=uuid.uuid4(),
            case_id=case_id,
            centre=centre,
            subject=subject,
            level=level,
            started_on=started_on,
        )

    def record_month(self, month: date, attended: int, held: int, level: str) -> MonthAttended:
        if self.ended_on is not None:
            raise Conflict("the class has ended")
        if month.day != 1:
            raise DomainError("attendance is kept per month: give the month's first day")
        if month < self.started_on.replace(day=1):
            raise DomainError("attendance before the class started")
        if not 0 <= attended <= held:
            raise DomainError("attended sessions are between none and the sessions held")
        entry = MonthAttended(month=month, attended=attended, held=held, level=level)
        self.months = [m for m in self.months if m.month != month] + [entry]
        self.level = level
        return entry

    def end(self, on: date) -> None:
        if self.ended_on is not None:
            raise Conflict("the class has ended already")
        if on < self.started_on:
            raise DomainError("a class ends after it started")
        self.ended_on = on
