"""Care: assessments on arrival and after, and a care plan of goals with review dates.

Findings and goals are written about her, in free text: personal, sealed under her case key.
What stays in the clear is what staff need to plan: kind, date, who, area, review date.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from homeward_shared.domain import Conflict, DomainError
from homeward_shared.personal import personal, register_personal


class AssessmentKind(StrEnum):
    MEDICAL = "medical"
    PSYCHOLOGICAL = "psychological"
    EDUCATION_SOCIAL = "education_social"


class AssessorRole(StrEnum):
    DOCTOR = "doctor"
    NURSE = "nurse"
    PSYCHOLOGIST = "psychologist"
    COUNSELLOR = "counsellor"
    SOCIAL_WORKER = "social_worker"
    TEACHER = "teacher"


@dataclass(kw_only=True)
class Assessment:
    assessment_id: uuid.UUID
    case_id: uuid.UUID
    centre: str
    kind: AssessmentKind
    assessed_on: date
    assessor_role: AssessorRole
    recorded_by: str
    findings: str | None = personal(default=None)


class CareArea(StrEnum):
    HEALTH = "health"
    PSYCHOLOGICAL = "psychological"
    EDUCATION = "education"
    VOCATIONAL = "vocational"
    LEGAL = "legal"
    CHILD_CARE = "child_care"
    FAMILY = "family"
    SAFETY = "safety"


class GoalStatus(StrEnum):
    OPEN = "open"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


class ReviewOutcome(StrEnum):
    CONTINUE = "continue"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


@dataclass(kw_only=True)
class CareGoal:
    goal_id: uuid.UUID
    case_id: uuid.UUID
    area: CareArea
    set_on: date
    review_on: date
    status: GoalStatus = GoalStatus.OPEN
    last_reviewed_on: date | None = None
    goal: str | None = personal(default=None)

    @classmethod
    def set(
        cls, case_id: uuid.UUID, area: CareArea, goal: str, set_on: date, review_on: date
    ) -> CareGoal:
        if review_on <= set_on:
            raise DomainError("a goal's first review is after the day it is set")
        return cls(
            goal_id=uuid.uuid4(),
            case_id=case_id,
            area=area,
            goal=goal,
            set_on=set_on,
            review_on=review_on,
        )

    def review(self, on: date, outcome: ReviewOutcome, next_review_on: date | None) -> None:
        if self.status is not GoalStatus.OPEN:
            raise Conflict(f"the goal is {self.status.value}")
        if on < self.set_on:
            raise DomainError("a review follows the day the goal was set")
        self.last_reviewed_on = on
        if outcome is ReviewOutcome.CONTINUE:
            if next_review_on is None or next_review_on <= on:
                raise DomainError("a goal that continues needs its next review date")
            self.review_on = next_review_on
        else:
            self.status = GoalStatus(outcome.value)


register_personal(Assessment, CareGoal)


@dataclass(kw_only=True)
class Child:
    """A child staying with her. Who the child is, is personal; that a child is cared for in
    the centre's child care is what staff plan with."""

    child_id: uuid.UUID
    case_id: uuid.UUID
    centre: str
    registered_on: date
    in_childcare: bool
    name: str | None = personal(default=None)
    birth_date: str | None = personal(default=None)


register_personal(Child)
