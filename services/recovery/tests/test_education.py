"""Unit tier: classes, monthly attendance and level, and their end with her stay."""

import uuid
from datetime import UTC, date, datetime

import pytest
from homeward_recovery.domain.commands import (
    RecordAttendance,
    RecordDeparture,
    StartClass,
)
from homeward_recovery.domain.education import EducationClass, EducationLevel, Subject
from homeward_recovery.domain.model import LeaveReason
from homeward_recovery.service import handlers
from homeward_shared.domain import Conflict, DomainError

from .fakes import FakeRecoveryUoW
from .test_admissions import resident_at

START = date(2026, 3, 10)


def english() -> EducationClass:
    return EducationClass.start(
        case_id=uuid.uuid4(),
        centre="TD",
        subject=Subject.ENGLISH,
        level=EducationLevel.A1,
        started_on=START,
        open_subjects=set(),
    )


def test_a_month_is_recorded_once_and_a_correction_replaces_it():
    c = english()
    c.record_month(date(2026, 3, 1), 8, 10, EducationLevel.A1)
    c.record_month(date(2026, 3, 1), 9, 10, EducationLevel.A2)
    assert [(m.attended, m.level) for m in c.months] == [(9, "a2")]
    assert c.level == "a2"


@pytest.mark.parametrize(
    ("month", "attended", "held"),
    [
        (date(2026, 3, 2), 1, 2),  # not a month's first day
        (date(2026, 2, 1), 1, 2),  # before the class started
        (date(2026, 4, 1), 3, 2),  # more than held
    ],
)
def test_impossible_attendance_is_refused(month, attended, held):
    with pytest.raises(DomainError):
        english().record_month(month, attended, held, EducationLevel.A1)


def test_one_open_class_per_subject_and_none_after_it_ended():
    with pytest.raises(Conflict):
        EducationClass.start(
            case_id=uuid.uuid4(),
            centre="TD",
            subject=Subject.KHMER,
            level=EducationLevel.GRADE_1,
            started_on=START,
            open_subjects={Subject.KHMER},
        )
    c = english()
    c.end(date(2026, 6, 30))
    with pytest.raises(Conflict):
        c.record_month(date(2026, 6, 1), 1, 1, EducationLevel.A2)


async def test_her_classes_end_when_she_leaves():
    uow = FakeRecoveryUoW()
    case_id = await resident_at(uow, "TD")
    c = await handlers.start_class(
        StartClass(
            case_id=case_id,
            acting_centre="TD",
            subject=Subject.COMPUTER,
            level=EducationLevel.BEGINNER,
            started_on=START,
        ),
        uow,
    )
    await handlers.record_attendance(
        RecordAttendance(
            case_id=case_id,
            class_id=c.class_id,
            acting_centre="TD",
            month=date(2026, 3, 1),
            attended=4,
            held=4,
            level=EducationLevel.BEGINNER,
        ),
        uow,
    )
    left_on = datetime.now(UTC).date()  # not before the admission, stamped with the UTC day
    await handlers.record_departure(
        RecordDeparture(
            case_id=case_id,
            acting_centre="TD",
            reason=LeaveReason.WISHED_TO_WORK,
            left_on=left_on,
        ),
        uow,
    )
    assert uow.education.rows[c.class_id].ended_on == left_on
    assert len(uow.education.rows[c.class_id].months) == 1
