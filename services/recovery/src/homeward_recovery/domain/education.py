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


class EducationLevel(StrEnum):
    """The level she is at or reached: a code, never a teacher's words. General levels for
    literacy, Khmer and computer classes; CEFR levels for English; a grade at a state school
    (``LEVELS_OF`` says which fit which subject)."""

    PRE_LITERATE = "pre_literate"
    BEGINNER = "beginner"
    ELEMENTARY = "elementary"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    PRE_A1 = "pre_a1"
    A1 = "a1"
    A2 = "a2"
    B1 = "b1"
    B2 = "b2"
    C1 = "c1"
    C2 = "c2"
    GRADE_1 = "grade_1"
    GRADE_2 = "grade_2"
    GRADE_3 = "grade_3"
    GRADE_4 = "grade_4"
    GRADE_5 = "grade_5"
    GRADE_6 = "grade_6"
    GRADE_7 = "grade_7"
    GRADE_8 = "grade_8"
    GRADE_9 = "grade_9"
    GRADE_10 = "grade_10"
    GRADE_11 = "grade_11"
    GRADE_12 = "grade_12"


class LevelSetAside(StrEnum):
    """Why a class or month has no level: what was typed before levels were codes was not
    one (migration 007 set it aside, sealed under her case key)."""

    NOT_A_LEVEL_CODE = "not_a_level_code"


class Subject(StrEnum):
    LITERACY_MATHS = "literacy_maths"
    KHMER = "khmer"
    ENGLISH = "english"
    COMPUTER = "computer"
    STATE_SCHOOL = "state_school"


_GENERAL = frozenset(
    {
        EducationLevel.PRE_LITERATE,
        EducationLevel.BEGINNER,
        EducationLevel.ELEMENTARY,
        EducationLevel.INTERMEDIATE,
        EducationLevel.ADVANCED,
    }
)
_CEFR = frozenset(
    lv for lv in EducationLevel if lv.value in {"pre_a1", "a1", "a2", "b1", "b2", "c1", "c2"}
)
_GRADES = frozenset(lv for lv in EducationLevel if lv.value.startswith("grade_"))

LEVELS_OF: dict[Subject, frozenset[EducationLevel]] = {
    Subject.LITERACY_MATHS: _GENERAL,
    Subject.KHMER: _GENERAL | _GRADES,
    Subject.ENGLISH: _GENERAL | _CEFR,
    Subject.COMPUTER: _GENERAL,
    Subject.STATE_SCHOOL: _GRADES,
}


class LevelOutsideSubject(DomainError):
    code = "level_outside_subject"


def _check_level(subject: Subject, level: EducationLevel) -> None:
    if level not in LEVELS_OF[subject]:
        raise LevelOutsideSubject(f"{level.value} is not a level of {subject.value}")


@dataclass(frozen=True, kw_only=True)
class MonthAttended:
    month: date  # the first day of the month
    attended: int
    held: int
    level: EducationLevel | None  # None: set aside by migration 007 (``LevelSetAside``)
    level_set_aside: LevelSetAside | None = None

    @property
    def rate(self) -> float:
        return self.attended / self.held if self.held else 0.0


@dataclass(kw_only=True)
class EducationClass:
    class_id: uuid.UUID
    case_id: uuid.UUID
    centre: str
    subject: Subject
    level: EducationLevel | None  # None: set aside by migration 007 (``LevelSetAside``)
    started_on: date
    ended_on: date | None = None
    months: list[MonthAttended] = field(default_factory=list)
    level_set_aside: LevelSetAside | None = None

    @classmethod
    def start(
        cls,
        *,
        case_id: uuid.UUID,
        centre: str,
        subject: Subject,
        level: EducationLevel,
        started_on: date,
        open_subjects: set[Subject],
    ) -> EducationClass:
        _check_level(subject, level)
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

    def record_month(
        self, month: date, attended: int, held: int, level: EducationLevel
    ) -> MonthAttended:
        _check_level(self.subject, level)
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
        self.level_set_aside = None
        return entry

    def end(self, on: date) -> None:
        if self.ended_on is not None:
            raise Conflict("the class has ended already")
        if on < self.started_on:
            raise DomainError("a class ends after it started")
        self.ended_on = on
