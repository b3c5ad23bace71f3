"""Reintegration's SQL. Explicit, schema-qualified, $n parameters; personal fields sealed here."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import asyncpg
from homeward_shared.contracts.handoffs import Skill
from homeward_shared.crypto import Vault
from homeward_shared.stages import Stage

from homeward_reintegration.domain.model import (
    Assessment,
    BusinessKind,
    CaseStatus,
    ClosureReason,
    ContactKind,
    Disbursement,
    FamilyContact,
    FollowUpVisit,
    OpenAlert,
    OverdueAlert,
    OverdueCandidate,
    Plan,
    Rating,
    ReintegrationCase,
    SafetyRisk,
    SupportForm,
    SupportKind,
    TracingResult,
    VisitorRole,
    VisitOutcome,
    Wish,
)
from homeward_reintegration.domain.partners import KitItem


def _notes_field(visit_no: int) -> str:
    # The associated data binds a sealed note to its visit: moved to another row, it fails.
    return f"follow_up_visits.{visit_no}.notes"


class CaseRepository:
    def __init__(self, conn: asyncpg.Connection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def add(self, case: ReintegrationCase) -> bool:
        """False if her case was handed on already."""
        result = await self._conn.execute(
            "INSERT INTO reintegration.cases (case_id, case_number, correlation_id, from_centre,"
            " skills, wishes_to_return_home, received_at, status, stage)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (case_id) DO NOTHING",
            case.case_id,
            case.case_number,
            case.correlation_id,
            case.from_centre,
            list(case.skills),
            case.wishes_to_return_home,
            case.received_at,
            case.status.value,
            case.stage.value,
        )
        return result.endswith(" 1")

    async def get(
        self, case_id: uuid.UUID, *, for_update: bool = False
    ) -> ReintegrationCase | None:
        lock = " FOR UPDATE" if for_update else ""
        r = await self._conn.fetchrow(
            f"SELECT * FROM reintegration.cases WHERE case_id = $1{lock}", case_id
        )
        if r is None:
            return None
        visits = await self._conn.fetch(
            "SELECT visit_no, due_on, visited_on, by_role, outcomes, recorded_by"
            " FROM reintegration.follow_up_visits WHERE case_id = $1 ORDER BY visit_no",
            case_id,
        )
        return ReintegrationCase(
            case_id=r["case_id"],
            case_number=r["case_number"],
            correlation_id=r["correlation_id"],
            from_centre=r["from_centre"],
            skills=tuple(Skill(x) for x in r["skills"]),
            wishes_to_return_home=r["wishes_to_return_home"],
            received_at=r["received_at"],
            status=CaseStatus(r["status"]),
            plan=Plan(r["plan"]) if r["plan"] else None,
            resettled_on=r["resettled_on"],
            stage=Stage(r["stage"]),
            visits=[
                FollowUpVisit(
                    visit_no=v["visit_no"],
                    due_on=v["due_on"],
                    visited_on=v["visited_on"],
                    by_role=VisitorRole(v["by_role"]) if v["by_role"] else None,
                    outcomes=tuple(VisitOutcome(o) for o in v["outcomes"]),
                    recorded_by=v["recorded_by"],
                )
                for v in visits
            ],
            closed_on=r["closed_on"],
            closure_reason=ClosureReason(r["closure_reason"]) if r["closure_reason"] else None,
            destination_country=r["destination_country"],
            receiving_partner=r["receiving_partner"],
            contacts=await self._contacts(case_id),
            assessment=await self._latest_assessment(case_id),
            disbursements=await self._disbursements(case_id),
        )

    async def _contacts(self, case_id: uuid.UUID) -> list[FamilyContact]:
        rows = await self._conn.fetch(
            "SELECT contact_id, kind, happened_on, result, recorded_by"
            " FROM reintegration.family_contacts WHERE case_id = $1"
            " ORDER BY happened_on, recorded_at",
            case_id,
        )
        return [
            FamilyContact(
                contact_id=r["contact_id"],
                kind=ContactKind(r["kind"]),
                happened_on=r["happened_on"],
                result=TracingResult(r["result"]) if r["result"] else None,
                recorded_by=r["recorded_by"],
            )
            for r in rows
        ]

    async def _latest_assessment(self, case_id: uuid.UUID) -> Assessment | None:
        r = await self._conn.fetchrow(
            "SELECT * FROM reintegration.assessments WHERE case_id = $1 ORDER BY seq DESC LIMIT 1",
            case_id,
        )
        if r is None:
            return None
        return Assessment(
            assessment_id=r["assessment_id"],
            assessed_on=r["assessed_on"],
            her_wish=Wish(r["her_wish"]),
            market_opportunities=Rating(r["market_opportunities"]),
            family_conditions=Rating(r["family_conditions"]),
            skills_fit=r["skills_fit"],
            wants_business=r["wants_business"],
            safety_risks=tuple(SafetyRisk(x) for x in r["safety_risks"]),
            recorded_by=r["recorded_by"],
            business_kind=BusinessKind(r["business_kind"]) if r["business_kind"] else None,
            business_market=Rating(r["business_market"]) if r["business_market"] else None,
        )

    async def _disbursements(self, case_id: uuid.UUID) -> list[Disbursement]:
        rows = await self._conn.fetch(
            "SELECT * FROM reintegration.disbursements WHERE case_id = $1"
            " ORDER BY disbursed_on, recorded_at",
            case_id,
        )
        return [
            Disbursement(
                disbursement_id=r["disbursement_id"],
                kind=SupportKind(r["kind"]),
                form=SupportForm(r["form"]) if r["form"] else None,
                items=tuple(KitItem(x) for x in r["items"]),
                value=r["value"],
                currency=r["currency"],
                disbursed_on=r["disbursed_on"],
                approved_by=r["approved_by"],
                second_kit_approved_by=r["second_kit_approved_by"],
                recorded_by=r["recorded_by"],
            )
            for r in rows
        ]

    async def add_contact(self, case_id: uuid.UUID, c: FamilyContact) -> None:
        await self._conn.execute(
            "INSERT INTO reintegration.family_contacts (contact_id, case_id, kind, happened_on,"
            " result, recorded_by, details_sealed) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            c.contact_id,
            case_id,
            c.kind.value,
            c.happened_on,
            c.result.value if c.result else None,
            c.recorded_by,
            await self._vault.seal(case_id, f"family_contacts.{c.contact_id}.details", c.details),
        )

    async def add_assessment(self, case_id: uuid.UUID, a: Assessment) -> None:
        await self._conn.execute(
            "INSERT INTO reintegration.assessments (assessment_id, case_id, assessed_on,"
            " her_wish, market_opportunities, family_conditions, skills_fit, wants_business,"
            " safety_risks, recorded_by, notes_sealed, business_kind, business_market)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
            a.assessment_id,
            case_id,
            a.assessed_on,
            a.her_wish.value,
            a.market_opportunities.value,
            a.family_conditions.value,
            a.skills_fit,
            a.wants_business,
            [x.value for x in a.safety_risks],
            a.recorded_by,
            await self._vault.seal(case_id, f"assessments.{a.assessment_id}.notes", a.notes),
            a.business_kind.value if a.business_kind else None,
            a.business_market.value if a.business_market else None,
        )

    async def add_disbursement(self, case_id: uuid.UUID, d: Disbursement) -> None:
        await self._conn.execute(
            "INSERT INTO reintegration.disbursements (disbursement_id, case_id, kind, form,"
            " items, value, currency, disbursed_on, approved_by, second_kit_approved_by,"
            " recorded_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
            d.disbursement_id,
            case_id,
            d.kind.value,
            d.form.value if d.form else None,
            list(d.items),
            d.value,
            d.currency,
            d.disbursed_on,
            d.approved_by,
            d.second_kit_approved_by,
            d.recorded_by,
        )

    async def open_contact_details(self, case_id: uuid.UUID, contact_id: uuid.UUID) -> str | None:
        blob = await self._conn.fetchval(
            "SELECT details_sealed FROM reintegration.family_contacts"
            " WHERE case_id = $1 AND contact_id = $2",
            case_id,
            contact_id,
        )
        return await self._vault.open(case_id, f"family_contacts.{contact_id}.details", blob)

    async def open_assessment_notes(
        self, case_id: uuid.UUID, assessment_id: uuid.UUID
    ) -> str | None:
        blob = await self._conn.fetchval(
            "SELECT notes_sealed FROM reintegration.assessments"
            " WHERE case_id = $1 AND assessment_id = $2",
            case_id,
            assessment_id,
        )
        return await self._vault.open(case_id, f"assessments.{assessment_id}.notes", blob)

    async def key_seen(self, idempotency_key: str) -> tuple[uuid.UUID, str] | None:
        """(case, action) a key was used for, if it was."""
        r = await self._conn.fetchrow(
            "SELECT case_id, action FROM reintegration.idempotency_keys WHERE idempotency_key = $1",
            idempotency_key,
        )
        return (r["case_id"], r["action"]) if r else None

    async def remember_key(
        self, idempotency_key: str, case_id: uuid.UUID, action: str, record_id: uuid.UUID
    ) -> None:
        # A primary-key violation here means the same key raced in on another case: the
        # transaction fails rather than record one submit twice.
        await self._conn.execute(
            "INSERT INTO reintegration.idempotency_keys"
            " (idempotency_key, case_id, action, record_id) VALUES ($1, $2, $3, $4)",
            idempotency_key,
            case_id,
            action,
            record_id,
        )

    async def save(self, case: ReintegrationCase) -> None:
        await self._conn.execute(
            "UPDATE reintegration.cases SET status = $2, plan = $3, resettled_on = $4,"
            " stage = $5, closed_on = $6, closure_reason = $7, destination_country = $8,"
            " receiving_partner = $9 WHERE case_id = $1",
            case.case_id,
            case.status.value,
            case.plan.value if case.plan else None,
            case.resettled_on,
            case.stage.value,
            case.closed_on,
            case.closure_reason.value if case.closure_reason else None,
            case.destination_country,
            case.receiving_partner,
        )
        await self._conn.executemany(
            "INSERT INTO reintegration.follow_up_visits (case_id, visit_no, due_on)"
            " VALUES ($1, $2, $3) ON CONFLICT (case_id, visit_no) DO NOTHING",
            [(case.case_id, v.visit_no, v.due_on) for v in case.visits],
        )

    async def add_visit_record(
        self, case_id: uuid.UUID, visit: FollowUpVisit, idempotency_key: str
    ) -> None:
        assert visit.visited_on is not None and visit.by_role is not None
        result = await self._conn.execute(
            "UPDATE reintegration.follow_up_visits SET visited_on = $3, by_role = $4,"
            " outcomes = $5, notes_sealed = $6, recorded_by = $7, recorded_at = now(),"
            " idempotency_key = $8"
            " WHERE case_id = $1 AND visit_no = $2 AND visited_on IS NULL",
            case_id,
            visit.visit_no,
            visit.visited_on,
            visit.by_role.value,
            [o.value for o in visit.outcomes],
            await self._vault.seal(case_id, _notes_field(visit.visit_no), visit.notes),
            visit.recorded_by,
            idempotency_key,
        )
        # The case row is locked by the caller, so the visit cannot have been recorded since
        # it was loaded; if it was, the aggregate and the table disagree: stop.
        if not result.endswith(" 1"):
            raise RuntimeError(f"visit {visit.visit_no} of case {case_id} changed underneath")

    async def visit_by_key(self, idempotency_key: str) -> tuple[uuid.UUID, int] | None:
        r = await self._conn.fetchrow(
            "SELECT case_id, visit_no FROM reintegration.follow_up_visits"
            " WHERE idempotency_key = $1",
            idempotency_key,
        )
        return (r["case_id"], r["visit_no"]) if r else None

    async def open_visit_notes(self, case_id: uuid.UUID, visit_no: int) -> str | None:
        blob = await self._conn.fetchval(
            "SELECT notes_sealed FROM reintegration.follow_up_visits"
            " WHERE case_id = $1 AND visit_no = $2",
            case_id,
            visit_no,
        )
        return await self._vault.open(case_id, _notes_field(visit_no), blob)


class AlertRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def overdue_candidates(self, due_before: date, limit: int) -> list[OverdueCandidate]:
        """Unrecorded visits of resettled cases due before ``due_before`` with no alert yet.

        Locks the cases' rows, skipping those another transaction holds: two schedulers
        share the work instead of queueing on it, and a visit being recorded (which locks
        its case) is never alerted halfway. The alerts' primary key is what makes a double
        impossible; the lock only keeps the sweeps from doing the same work twice."""
        rows = await self._conn.fetch(
            "SELECT v.case_id, c.case_number, c.correlation_id, v.visit_no, v.due_on"
            " FROM reintegration.follow_up_visits v"
            " JOIN reintegration.cases c ON c.case_id = v.case_id"
            " WHERE v.visited_on IS NULL AND v.due_on < $1 AND c.status = 'resettled'"
            "   AND NOT EXISTS (SELECT 1 FROM reintegration.overdue_alerts a"
            "                   WHERE a.case_id = v.case_id AND a.visit_no = v.visit_no)"
            " ORDER BY v.due_on, v.case_id, v.visit_no LIMIT $2"
            " FOR UPDATE OF c SKIP LOCKED",
            due_before,
            limit,
        )
        return [
            OverdueCandidate(
                case_id=r["case_id"],
                case_number=r["case_number"],
                correlation_id=r["correlation_id"],
                visit_no=r["visit_no"],
                due_on=r["due_on"],
            )
            for r in rows
        ]

    async def add(self, alert: OverdueAlert) -> bool:
        """False if this visit's alert was raised already (by another scheduler, say)."""
        raised = await self._conn.fetchval(
            "INSERT INTO reintegration.overdue_alerts"
            " (case_id, visit_no, due_on, days_overdue, raised_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id, visit_no) DO NOTHING"
            " RETURNING true",
            alert.case_id,
            alert.visit_no,
            alert.due_on,
            alert.days_overdue,
            alert.raised_at,
        )
        return bool(raised)

    async def open_alerts(self) -> list[OpenAlert]:
        """Alerts whose visit is still not recorded, on cases still followed up."""
        rows = await self._conn.fetch(
            "SELECT a.case_id, c.case_number, a.visit_no, a.due_on, a.raised_at"
            " FROM reintegration.overdue_alerts a"
            " JOIN reintegration.cases c ON c.case_id = a.case_id"
            " JOIN reintegration.follow_up_visits v"
            "   ON v.case_id = a.case_id AND v.visit_no = a.visit_no"
            " WHERE v.visited_on IS NULL AND c.status = 'resettled'"
            " ORDER BY a.due_on, c.case_number, a.visit_no"
        )
        return [OpenAlert(**dict(r)) for r in rows]

    async def count_open(self) -> int:
        """As many as ``open_alerts`` lists; one count, cheap enough for every scrape."""
        return await self._conn.fetchval(
            "SELECT count(*) FROM reintegration.overdue_alerts a"
            " JOIN reintegration.cases c ON c.case_id = a.case_id"
            " JOIN reintegration.follow_up_visits v"
            "   ON v.case_id = a.case_id AND v.visit_no = a.visit_no"
            " WHERE v.visited_on IS NULL AND c.status = 'resettled'"
        )


class FigureRepository:
    """Counts over one calendar year. Aggregates only: no row, id or personal field."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def year(self, year: int) -> dict[str, object]:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
        reintegrated = await self._conn.fetch(
            "SELECT plan, count(*) AS n FROM reintegration.cases"
            " WHERE resettled_on >= $1 AND resettled_on < $2 GROUP BY plan",
            start,
            end,
        )
        kits = await self._conn.fetch(
            "SELECT currency, count(*) AS n, sum(value) AS total"
            " FROM reintegration.disbursements"
            " WHERE kind = 'startup_kit' AND disbursed_on >= $1 AND disbursed_on < $2"
            " GROUP BY currency ORDER BY currency",
            start,
            end,
        )
        visits = await self._conn.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT case_id) AS women"
            " FROM reintegration.follow_up_visits WHERE visited_on >= $1 AND visited_on < $2",
            start,
            end,
        )
        overdue = await self._conn.fetchval(
            "SELECT count(*) FROM reintegration.overdue_alerts"
            " WHERE raised_at >= $1 AND raised_at < $2",
            datetime(year, 1, 1, tzinfo=UTC),
            datetime(year + 1, 1, 1, tzinfo=UTC),
        )
        closures = await self._conn.fetch(
            "SELECT closure_reason, count(*) AS n FROM reintegration.cases"
            " WHERE closed_on >= $1 AND closed_on < $2 GROUP BY closure_reason",
            start,
            end,
        )
        return {
            "reintegrated": {r["plan"]: r["n"] for r in reintegrated},
            "kits": [(r["currency"].strip(), r["n"], r["total"]) for r in kits],
            "visits_done": visits["n"],
            "followed_up": visits["women"],
            "overdue": overdue,
            "closures": {r["closure_reason"]: r["n"] for r in closures},
        }
