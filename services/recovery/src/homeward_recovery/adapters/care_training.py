"""SQL for care, education and training. Explicit, schema-qualified, $n parameters; free
text about her (findings, goals, where she interns) sealed here under her case key."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg
from homeward_shared.crypto import Vault

from homeward_recovery.domain.care import (
    Assessment,
    AssessmentKind,
    AssessorRole,
    CareArea,
    CareGoal,
    Child,
    GoalStatus,
)
from homeward_recovery.domain.education import (
    EducationClass,
    EducationLevel,
    LevelSetAside,
    MonthAttended,
    Subject,
)
from homeward_recovery.domain.training import (
    CertifyingBody,
    Enrolment,
    EnrolmentStatus,
    Internship,
    StudyTour,
    Trade,
)


class CareRepository:
    def __init__(self, conn: asyncpg.Connection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def add_assessment(self, a: Assessment) -> None:
        await self._conn.execute(
            "INSERT INTO recovery.assessments (assessment_id, case_id, centre, kind,"
            " assessed_on, assessor_role, recorded_by, findings_sealed)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
            a.assessment_id,
            a.case_id,
            a.centre,
            a.kind.value,
            a.assessed_on,
            a.assessor_role.value,
            a.recorded_by,
            await self._vault.seal(a.case_id, "findings", a.findings),
        )

    async def assessments(self, case_id: uuid.UUID, *, with_findings: bool) -> list[Assessment]:
        rows = await self._conn.fetch(
            "SELECT * FROM recovery.assessments WHERE case_id = $1 ORDER BY assessed_on, kind",
            case_id,
        )
        out = []
        for r in rows:
            findings = (
                await self._vault.open(case_id, "findings", r["findings_sealed"])
                if with_findings
                else None
            )
            out.append(
                Assessment(
                    assessment_id=r["assessment_id"],
                    case_id=r["case_id"],
                    centre=r["centre"],
                    kind=AssessmentKind(r["kind"]),
                    assessed_on=r["assessed_on"],
                    assessor_role=AssessorRole(r["assessor_role"]),
                    recorded_by=r["recorded_by"],
                    findings=findings,
                )
            )
        return out

    async def add_goal(self, g: CareGoal, set_by: str) -> None:
        await self._conn.execute(
            "INSERT INTO recovery.care_goals (goal_id, case_id, area, set_on, set_by, review_on,"
            " status, goal_sealed) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
            g.goal_id,
            g.case_id,
            g.area.value,
            g.set_on,
            set_by,
            g.review_on,
            g.status.value,
            await self._vault.seal(g.case_id, "goal", g.goal),
        )

    async def goal(self, case_id: uuid.UUID, goal_id: uuid.UUID) -> CareGoal | None:
        r = await self._conn.fetchrow(
            "SELECT * FROM recovery.care_goals WHERE case_id = $1 AND goal_id = $2 FOR UPDATE",
            case_id,
            goal_id,
        )
        return self._goal(r, None) if r else None

    async def goals(self, case_id: uuid.UUID) -> list[CareGoal]:
        rows = await self._conn.fetch(
            "SELECT * FROM recovery.care_goals WHERE case_id = $1 ORDER BY set_on, review_on",
            case_id,
        )
        return [
            self._goal(r, await self._vault.open(case_id, "goal", r["goal_sealed"])) for r in rows
        ]

    async def save_goal(self, g: CareGoal) -> None:
        await self._conn.execute(
            "UPDATE recovery.care_goals SET review_on = $2, status = $3, last_reviewed_on = $4"
            " WHERE goal_id = $1",
            g.goal_id,
            g.review_on,
            g.status.value,
            g.last_reviewed_on,
        )

    async def add_child(self, child: Child) -> None:
        await self._conn.execute(
            "INSERT INTO recovery.children (child_id, case_id, centre, registered_on,"
            " in_childcare, name_sealed, birth_date_sealed) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            child.child_id,
            child.case_id,
            child.centre,
            child.registered_on,
            child.in_childcare,
            await self._vault.seal(child.case_id, "child_name", child.name),
            await self._vault.seal(child.case_id, "child_birth_date", child.birth_date),
        )

    async def children(self, case_id: uuid.UUID, *, with_identity: bool) -> list[Child]:
        rows = await self._conn.fetch(
            "SELECT * FROM recovery.children WHERE case_id = $1 ORDER BY registered_on, child_id",
            case_id,
        )
        out = []
        for r in rows:
            name = birth = None
            if with_identity:
                name = await self._vault.open(case_id, "child_name", r["name_sealed"])
                birth = await self._vault.open(case_id, "child_birth_date", r["birth_date_sealed"])
            out.append(
                Child(
                    child_id=r["child_id"],
                    case_id=r["case_id"],
                    centre=r["centre"],
                    registered_on=r["registered_on"],
                    in_childcare=r["in_childcare"],
                    name=name,
                    birth_date=birth,
                )
            )
        return out

    async def reviews_due(self, centre: str, by: date) -> list[CareGoal]:
        """Open goals of the centre's residents due for review by a date; no wording."""
        rows = await self._conn.fetch(
            "SELECT g.* FROM recovery.care_goals g"
            " JOIN recovery.residents r ON r.case_id = g.case_id"
            " WHERE r.centre = $1 AND r.status = 'resident' AND g.status = 'open'"
            " AND g.review_on <= $2 ORDER BY g.review_on, g.case_id",
            centre,
            by,
        )
        return [self._goal(r, None) for r in rows]

    @staticmethod
    def _goal(r: asyncpg.Record, wording: str | None) -> CareGoal:
        return CareGoal(
            goal_id=r["goal_id"],
            case_id=r["case_id"],
            area=CareArea(r["area"]),
            set_on=r["set_on"],
            review_on=r["review_on"],
            status=GoalStatus(r["status"]),
            last_reviewed_on=r["last_reviewed_on"],
            goal=wording,
        )


class TrainingRepository:
    def __init__(self, conn: asyncpg.Connection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def add(self, e: Enrolment) -> None:
        await self._conn.execute(
            "INSERT INTO recovery.enrolments (enrolment_id, case_id, centre, trade, started_on,"
            " planned_end_on, status) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            e.enrolment_id,
            e.case_id,
            e.centre,
            e.trade.value,
            e.started_on,
            e.planned_end_on,
            e.status.value,
        )

    async def get(self, case_id: uuid.UUID, enrolment_id: uuid.UUID) -> Enrolment | None:
        r = await self._conn.fetchrow(
            "SELECT * FROM recovery.enrolments WHERE case_id = $1 AND enrolment_id = $2 FOR UPDATE",
            case_id,
            enrolment_id,
        )
        return self._load(r) if r else None

    async def of_case(self, case_id: uuid.UUID) -> list[Enrolment]:
        rows = await self._conn.fetch(
            "SELECT * FROM recovery.enrolments WHERE case_id = $1 ORDER BY started_on, trade",
            case_id,
        )
        return [self._load(r) for r in rows]

    async def save(self, e: Enrolment) -> None:
        await self._conn.execute(
            "UPDATE recovery.enrolments SET status = $2, completed_on = $3, certified_on = $4,"
            " certifying_body = $5 WHERE enrolment_id = $1",
            e.enrolment_id,
            e.status.value,
            e.completed_on,
            e.certified_on,
            e.certifying_body.value if e.certifying_body else None,
        )

    async def add_internship(self, i: Internship, business: str) -> None:
        await self._conn.execute(
            "INSERT INTO recovery.internships (internship_id, case_id, centre, trade,"
            " started_on, ends_on, business_sealed) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            i.internship_id,
            i.case_id,
            i.centre,
            i.trade.value,
            i.started_on,
            i.ends_on,
            await self._vault.seal(i.case_id, "internship_business", business),
        )

    async def internships(self, case_id: uuid.UUID) -> list[Internship]:
        rows = await self._conn.fetch(
            "SELECT internship_id, case_id, centre, trade, started_on, ends_on"
            " FROM recovery.internships WHERE case_id = $1 ORDER BY started_on",
            case_id,
        )
        return [
            Internship(
                internship_id=r["internship_id"],
                case_id=r["case_id"],
                centre=r["centre"],
                trade=Trade(r["trade"]),
                started_on=r["started_on"],
                ends_on=r["ends_on"],
            )
            for r in rows
        ]

    async def add_study_tour(self, t: StudyTour) -> None:
        await self._conn.execute(
            "INSERT INTO recovery.study_tours (tour_id, case_id, centre, toured_on, trades)"
            " VALUES ($1,$2,$3,$4,$5)",
            t.tour_id,
            t.case_id,
            t.centre,
            t.toured_on,
            [x.value for x in t.trades],
        )

    async def study_tours(self, case_id: uuid.UUID) -> list[StudyTour]:
        rows = await self._conn.fetch(
            "SELECT * FROM recovery.study_tours WHERE case_id = $1 ORDER BY toured_on", case_id
        )
        return [
            StudyTour(
                tour_id=r["tour_id"],
                case_id=r["case_id"],
                centre=r["centre"],
                toured_on=r["toured_on"],
                trades=tuple(Trade(x) for x in r["trades"]),
            )
            for r in rows
        ]

    @staticmethod
    def _load(r: asyncpg.Record) -> Enrolment:
        return Enrolment(
            enrolment_id=r["enrolment_id"],
            case_id=r["case_id"],
            centre=r["centre"],
            trade=Trade(r["trade"]),
            started_on=r["started_on"],
            planned_end_on=r["planned_end_on"],
            status=EnrolmentStatus(r["status"]),
            completed_on=r["completed_on"],
            certified_on=r["certified_on"],
            certifying_body=(
                CertifyingBody(r["certifying_body"]) if r["certifying_body"] else None
            ),
        )


class EducationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, c: EducationClass) -> None:
        await self._conn.execute(
            "INSERT INTO recovery.education_classes (class_id, case_id, centre, subject, level,"
            " started_on) VALUES ($1,$2,$3,$4,$5,$6)",
            c.class_id,
            c.case_id,
            c.centre,
            c.subject.value,
            c.level.value if c.level else None,
            c.started_on,
        )

    async def of_case(self, case_id: uuid.UUID) -> list[EducationClass]:
        rows = await self._conn.fetch(
            "SELECT * FROM recovery.education_classes WHERE case_id = $1"
            " ORDER BY started_on, subject",
            case_id,
        )
        months = await self._conn.fetch(
            "SELECT a.* FROM recovery.education_attendance a"
            " JOIN recovery.education_classes c ON c.class_id = a.class_id"
            " WHERE c.case_id = $1 ORDER BY a.month",
            case_id,
        )
        out = []
        for r in rows:
            out.append(
                EducationClass(
                    class_id=r["class_id"],
                    case_id=r["case_id"],
                    centre=r["centre"],
                    subject=Subject(r["subject"]),
                    level=_level(r["level"]),
                    level_set_aside=_set_aside(r["level_set_aside"]),
                    started_on=r["started_on"],
                    ended_on=r["ended_on"],
                    months=[
                        MonthAttended(
                            month=m["month"],
                            attended=m["attended"],
                            held=m["held"],
                            level=_level(m["level"]),
                            level_set_aside=_set_aside(m["level_set_aside"]),
                        )
                        for m in months
                        if m["class_id"] == r["class_id"]
                    ],
                )
            )
        return out

    async def save(self, c: EducationClass, month: MonthAttended | None) -> None:
        await self._conn.execute(
            "UPDATE recovery.education_classes SET level = $2, ended_on = $3,"
            " level_set_aside = $4 WHERE class_id = $1",
            c.class_id,
            c.level.value if c.level else None,
            c.ended_on,
            c.level_set_aside.value if c.level_set_aside else None,
        )
        if month is not None:
            await self._conn.execute(
                "INSERT INTO recovery.education_attendance (class_id, month, attended, held,"
                " level) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (class_id, month) DO UPDATE SET"
                " attended = EXCLUDED.attended, held = EXCLUDED.held, level = EXCLUDED.level,"
                " level_set_aside = NULL",
                c.class_id,
                month.month,
                month.attended,
                month.held,
                month.level.value if month.level else None,
            )


def _level(value: str | None) -> EducationLevel | None:
    return EducationLevel(value) if value is not None else None


def _set_aside(value: str | None) -> LevelSetAside | None:
    return LevelSetAside(value) if value is not None else None
