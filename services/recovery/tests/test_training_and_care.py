"""Unit tier: the programmes' real lengths and the care plan's rules, framework-free."""

import uuid
from datetime import date

import pytest
from homeward_recovery.domain.care import CareArea, CareGoal, GoalStatus, ReviewOutcome
from homeward_recovery.domain.training import (
    PROGRAMMES,
    Enrolment,
    NotCompleted,
    ProgrammeLength,
    Trade,
    add_months,
)
from homeward_shared.domain import Conflict, DomainError

START = date(2026, 1, 31)


def enrol(trade: Trade, planned_end_on: date | None = None, open_trades=()) -> Enrolment:
    return Enrolment.start(
        case_id=uuid.uuid4(),
        centre="TD",
        trade=trade,
        started_on=START,
        planned_end_on=planned_end_on,
        open_trades=set(open_trades),
    )


def test_the_programmes_have_the_lengths_the_organisation_runs():
    lengths = {t: (p.min_months, p.max_months) for t, p in PROGRAMMES.items()}
    assert lengths[Trade.SEWING_GARMENT_FACTORY] == (3, 6)
    assert lengths[Trade.SEWING_INDEPENDENT_SEAMSTRESS] == (12, 18)
    assert lengths[Trade.WEAVING] == (6, 10)
    assert PROGRAMMES[Trade.HAIRDRESSING].where == "training_salon"


def test_months_are_added_to_the_same_day_clamped_to_the_months_end():
    assert add_months(START, 1) == date(2026, 2, 28)
    assert add_months(START, 11) == date(2026, 12, 31)
    assert add_months(START, 12) == date(2027, 1, 31)


@pytest.mark.parametrize(
    ("trade", "planned_end_on"),
    [
        (Trade.SEWING_GARMENT_FACTORY, date(2026, 4, 29)),  # under three months
        (Trade.SEWING_GARMENT_FACTORY, date(2026, 8, 1)),  # over six
        (Trade.SEWING_INDEPENDENT_SEAMSTRESS, date(2026, 12, 1)),  # under twelve
        (Trade.WEAVING, date(2026, 12, 1)),  # over ten
        (Trade.HAIRDRESSING, START),  # ends the day it starts
    ],
)
def test_a_planned_length_outside_the_programme_is_refused(trade, planned_end_on):
    with pytest.raises(ProgrammeLength):
        enrol(trade, planned_end_on)


def test_without_a_planned_end_the_longest_length_is_planned():
    assert enrol(Trade.WEAVING).planned_end_on == date(2026, 11, 30)
    assert enrol(Trade.LIFE_SKILLS_COOKING).planned_end_on is None


def test_one_open_enrolment_per_trade():
    with pytest.raises(Conflict):
        enrol(Trade.WEAVING, open_trades=[Trade.WEAVING])


def test_completion_waits_for_the_minimum_and_certification_for_completion():
    e = enrol(Trade.SEWING_GARMENT_FACTORY)
    with pytest.raises(NotCompleted):
        e.certify(date(2026, 6, 1), "mlvt")
    with pytest.raises(ProgrammeLength):
        e.complete(date(2026, 4, 29))
    e.complete(date(2026, 4, 30))
    with pytest.raises(Conflict):
        e.complete(date(2026, 5, 1))
    with pytest.raises(DomainError):
        e.certify(date(2026, 4, 1), "mlvt")  # before completion
    e.certify(date(2026, 6, 1), "mlvt")
    with pytest.raises(Conflict):
        e.certify(date(2026, 6, 2), "mlvt")
    assert [type(ev).__name__ for ev in e.events] == [
        "TraineeEnrolled",
        "TrainingCompleted",
        "TraineeCertified",
    ]


def test_life_skills_have_no_government_certification():
    e = enrol(Trade.LIFE_SKILLS_JEWELLERY)
    e.complete(START)
    with pytest.raises(DomainError):
        e.certify(START, "mlvt")


def test_a_withdrawn_programme_cannot_be_completed():
    e = enrol(Trade.HAIRDRESSING)
    e.withdraw(date(2026, 2, 15))
    with pytest.raises(Conflict):
        e.complete(date(2026, 3, 1))


def test_a_care_goal_is_reviewed_until_achieved():
    goal = CareGoal.set(uuid.uuid4(), CareArea.HEALTH, "wording", START, date(2026, 3, 1))
    with pytest.raises(DomainError):
        goal.review(date(2026, 3, 1), ReviewOutcome.CONTINUE, None)
    goal.review(date(2026, 3, 1), ReviewOutcome.CONTINUE, date(2026, 6, 1))
    assert goal.review_on == date(2026, 6, 1)
    goal.review(date(2026, 6, 1), ReviewOutcome.ACHIEVED, None)
    assert goal.status is GoalStatus.ACHIEVED
    with pytest.raises(Conflict):
        goal.review(date(2026, 7, 1), ReviewOutcome.DROPPED, None)
    with pytest.raises(DomainError):
        CareGoal.set(uuid.uuid4(), CareArea.LEGAL, "wording", START, START)
