"""Investigation's SQL. Explicit, schema-qualified, $n parameters; personal fields sealed here.

Sealing keys: a person's fields under her case id, so destroying her case key erases her;
an establishment's under its own id (a row of ``case_keys`` like a case's), so its address
and operators can be erased on their own schedule and never take a survivor's data with them.
"""

from __future__ import annotations

import json
import uuid

import asyncpg
from homeward_shared.contracts.handoffs import (
    EstablishmentKind,
    Indicator,
    LegalAssistanceKind,
    Urgency,
)
from homeward_shared.crypto import Vault
from homeward_shared.stages import Stage

from homeward_investigation.domain.model import (
    AccusedVerdict,
    CloseReason,
    Establishment,
    EstablishmentParticulars,
    EvidenceRef,
    IdentifiedPerson,
    Investigation,
    InvestigationOrigin,
    InvestigativeReport,
    LegalAssistanceRequest,
    LegalMilestone,
    LegalReferral,
    LinkedLead,
    Milestone,
    PersonIdentity,
    PersonOutcome,
    ReferralSummary,
    RescueOperation,
    RescueOutcome,
    Sex,
    UndercoverVisit,
    Verdict,
)

_ESTABLISHMENT_PERSONAL = ("address", "operator_names")
_PERSON_PERSONAL = ("name", "description")

# Inbox order: most urgent first. Spelled out rather than sorted by text, which would put
# "high" before "immediate".
_URGENCY_RANK = (
    "CASE l.urgency WHEN 'immediate' THEN 0 WHEN 'high' THEN 1 WHEN 'routine' THEN 2 ELSE 3 END"
)


class ReportRepository:
    def __init__(self, conn: asyncpg.Connection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def next_case_number(self, year: int) -> str:
        n = await self._conn.fetchval("SELECT nextval('investigation.case_number_seq')")
        return f"IV-{year}-{n:06d}"

    async def add(self, report: InvestigativeReport, idempotency_key: str) -> bool:
        """False if a report with this idempotency key exists already (nothing is written
        then that the caller's rollback would not undo)."""
        est = report.establishment
        sealed_est = [
            await self._vault.seal(est.establishment_id, f, getattr(est.particulars, f))
            for f in _ESTABLISHMENT_PERSONAL
        ]
        await self._conn.execute(
            "INSERT INTO investigation.establishments (establishment_id, kind, province,"
            " district, recorded_at, address_sealed, operator_names_sealed)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)"
            # An investigation's establishment is recorded already: kept as it is.
            " ON CONFLICT (establishment_id) DO NOTHING",
            est.establishment_id,
            est.kind.value,
            est.province,
            est.district,
            report.filed_at,
            *sealed_est,
        )
        result = await self._conn.execute(
            "INSERT INTO investigation.reports (report_id, idempotency_key, establishment_id,"
            " urgency, visit_dates, filed_at, filed_by, investigation_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (idempotency_key) DO NOTHING",
            report.report_id,
            idempotency_key,
            est.establishment_id,
            report.urgency.value,
            list(report.visit_dates),
            report.filed_at,
            report.filed_by,
            report.investigation_id,
        )
        if not result.endswith(" 1"):
            return False
        if report.evidence:
            await self._conn.executemany(
                "INSERT INTO investigation.report_evidence"
                " (report_id, ordinal, content_hash, location) VALUES ($1, $2, $3, $4)",
                [
                    (report.report_id, i, e.content_hash, e.location)
                    for i, e in enumerate(report.evidence)
                ],
            )
        rows = []
        for i, p in enumerate(report.persons):
            sealed = [
                await self._vault.seal(p.case_id, f, getattr(p.identity, f))
                for f in _PERSON_PERSONAL
            ]
            rows.append(
                (
                    p.case_id,
                    p.case_number,
                    report.report_id,
                    i,
                    p.approximate_age,
                    p.sex.value,
                    p.nationality,
                    p.language,
                    sorted(x.value for x in p.indicators),
                    p.stage.value,
                    *sealed,
                )
            )
        await self._conn.executemany(
            "INSERT INTO investigation.persons (case_id, case_number, report_id, ordinal,"
            " approximate_age, sex, nationality, language, indicators, stage,"
            " name_sealed, description_sealed)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            rows,
        )
        return True

    async def by_idempotency_key(self, key: str) -> InvestigativeReport | None:
        report_id = await self._conn.fetchval(
            "SELECT report_id FROM investigation.reports WHERE idempotency_key = $1", key
        )
        return await self.get(report_id) if report_id else None

    async def get(
        self, report_id: uuid.UUID, *, for_update: bool = False
    ) -> InvestigativeReport | None:
        if for_update:
            # The lock is its own statement so that what is read next is read after any
            # transaction that held it committed (READ COMMITTED: a snapshot per statement).
            locked = await self._conn.fetchval(
                "SELECT true FROM investigation.reports WHERE report_id = $1 FOR UPDATE",
                report_id,
            )
            if not locked:
                return None
        row = await self._conn.fetchrow(
            "SELECT r.report_id, r.urgency, r.visit_dates, r.filed_at, r.filed_by,"
            " r.investigation_id,"
            " e.establishment_id, e.kind, e.province, e.district, l.referral_id"
            " FROM investigation.reports r"
            " JOIN investigation.establishments e ON e.establishment_id = r.establishment_id"
            " LEFT JOIN investigation.legal_referrals l ON l.report_id = r.report_id"
            " WHERE r.report_id = $1",
            report_id,
        )
        if row is None:
            return None
        persons = await self._conn.fetch(
            "SELECT case_id, case_number, approximate_age, sex, nationality, language,"
            " indicators, stage FROM investigation.persons WHERE report_id = $1 ORDER BY ordinal",
            report_id,
        )
        evidence = await self._conn.fetch(
            "SELECT content_hash, location FROM investigation.report_evidence"
            " WHERE report_id = $1 ORDER BY ordinal",
            report_id,
        )
        return InvestigativeReport(
            report_id=row["report_id"],
            establishment=Establishment(
                establishment_id=row["establishment_id"],
                kind=EstablishmentKind(row["kind"]),
                province=row["province"],
                district=row["district"],
            ),
            visit_dates=tuple(row["visit_dates"]),
            urgency=Urgency(row["urgency"]),
            evidence=tuple(
                EvidenceRef(content_hash=e["content_hash"], location=e["location"])
                for e in evidence
            ),
            persons=[self._person(p) for p in persons],
            filed_at=row["filed_at"],
            filed_by=row["filed_by"],
            referral_id=row["referral_id"],
            investigation_id=row["investigation_id"],
        )

    async def recent(self, *, filed_by: str | None, limit: int) -> list[InvestigativeReport]:
        ids = await self._conn.fetch(
            "SELECT report_id FROM investigation.reports"
            " WHERE $1::text IS NULL OR filed_by = $1::text"
            " ORDER BY filed_at DESC, report_id LIMIT $2",
            filed_by,
            limit,
        )
        return [r for x in ids if (r := await self.get(x["report_id"])) is not None]

    async def save(self, report: InvestigativeReport) -> None:
        """Persons' stages; what was seen (establishment, visits, evidence) never changes."""
        await self._conn.executemany(
            "UPDATE investigation.persons SET stage = $2 WHERE case_id = $1 AND report_id = $3",
            [(p.case_id, p.stage.value, report.report_id) for p in report.persons],
        )

    async def open_identity(self, person: IdentifiedPerson) -> PersonIdentity:
        row = await self._conn.fetchrow(
            "SELECT name_sealed, description_sealed FROM investigation.persons WHERE case_id = $1",
            person.case_id,
        )
        values = {
            f: await self._vault.open(person.case_id, f, row[f"{f}_sealed"])
            for f in _PERSON_PERSONAL
        }
        return PersonIdentity(**values)

    async def open_particulars(self, establishment: Establishment) -> EstablishmentParticulars:
        row = await self._conn.fetchrow(
            "SELECT address_sealed, operator_names_sealed FROM investigation.establishments"
            " WHERE establishment_id = $1",
            establishment.establishment_id,
        )
        values = {
            f: await self._vault.open(establishment.establishment_id, f, row[f"{f}_sealed"])
            for f in _ESTABLISHMENT_PERSONAL
        }
        return EstablishmentParticulars(**values)

    @staticmethod
    def _person(row: asyncpg.Record) -> IdentifiedPerson:
        return IdentifiedPerson(
            case_id=row["case_id"],
            case_number=row["case_number"],
            approximate_age=row["approximate_age"],
            sex=Sex(row["sex"]),
            nationality=row["nationality"],
            language=row["language"],
            indicators=frozenset(Indicator(i) for i in row["indicators"]),
            stage=Stage(row["stage"]),
        )


class ReferralRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, referral: LegalReferral) -> None:
        await self._conn.execute(
            "INSERT INTO investigation.legal_referrals (referral_id, report_id, urgency,"
            " referred_at, referred_by, acknowledged_at, acknowledged_by)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            referral.referral_id,
            referral.report_id,
            referral.urgency.value,
            referral.referred_at,
            referral.referred_by,
            referral.acknowledged_at,
            referral.acknowledged_by,
        )

    async def get(
        self, referral_id: uuid.UUID, *, for_update: bool = False
    ) -> LegalReferral | None:
        lock = " FOR UPDATE OF l" if for_update else ""
        row = await self._conn.fetchrow(
            "SELECT l.*, r.establishment_id FROM investigation.legal_referrals l"
            " JOIN investigation.reports r ON r.report_id = l.report_id"
            f" WHERE l.referral_id = $1{lock}",
            referral_id,
        )
        if row is None:
            return None
        case_ids = await self._conn.fetch(
            "SELECT case_id FROM investigation.persons WHERE report_id = $1 ORDER BY ordinal",
            row["report_id"],
        )
        referral = self._referral(row, tuple(c["case_id"] for c in case_ids))
        milestones = await self._conn.fetch(
            "SELECT milestone, occurred_on, recorded_at, recorded_by, accused_count, verdicts"
            " FROM investigation.legal_milestones WHERE referral_id = $1",
            referral_id,
        )
        for m in milestones:
            milestone = LegalMilestone(
                milestone=Milestone(m["milestone"]),
                occurred_on=m["occurred_on"],
                recorded_at=m["recorded_at"],
                recorded_by=m["recorded_by"],
                accused_count=m["accused_count"],
                verdicts=tuple(
                    AccusedVerdict(
                        verdict=Verdict(v["verdict"]), sentence_months=v["sentence_months"]
                    )
                    for v in json.loads(m["verdicts"])
                ),
            )
            referral.milestones[milestone.milestone] = milestone
        return referral

    async def save(self, referral: LegalReferral) -> None:
        """Acknowledgement, assignment and new milestones. A milestone row, once written,
        is never changed: ``ON CONFLICT DO NOTHING`` keeps the first."""
        await self._conn.execute(
            "UPDATE investigation.legal_referrals SET acknowledged_at = $2, acknowledged_by = $3,"
            " assigned_to = $4, assigned_at = $5, assigned_by = $6"
            " WHERE referral_id = $1",
            referral.referral_id,
            referral.acknowledged_at,
            referral.acknowledged_by,
            referral.assigned_to,
            referral.assigned_at,
            referral.assigned_by,
        )
        await self._conn.executemany(
            "INSERT INTO investigation.legal_milestones (referral_id, milestone, occurred_on,"
            " recorded_at, recorded_by, accused_count, verdicts)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT DO NOTHING",
            [
                (
                    referral.referral_id,
                    m.milestone.value,
                    m.occurred_on,
                    m.recorded_at,
                    m.recorded_by,
                    m.accused_count,
                    json.dumps(
                        [
                            {"verdict": v.verdict.value, "sentence_months": v.sentence_months}
                            for v in m.verdicts
                        ]
                    ),
                )
                for m in referral.milestones.values()
            ],
        )

    async def inbox(
        self, *, acknowledged: bool | None, limit: int, assigned_to: str | None = None
    ) -> list[ReferralSummary]:
        rows = await self._conn.fetch(
            "SELECT l.*, e.establishment_id, e.kind, e.province, e.district,"
            " array_agg(p.case_id ORDER BY p.ordinal) AS case_ids,"
            " array_agg(p.case_number ORDER BY p.ordinal) AS case_numbers,"
            " (SELECT coalesce(array_agg(DISTINCT i), '{}') FROM investigation.persons q,"
            "   unnest(q.indicators) AS i WHERE q.report_id = l.report_id) AS indicators"
            " FROM investigation.legal_referrals l"
            " JOIN investigation.reports r ON r.report_id = l.report_id"
            " JOIN investigation.establishments e ON e.establishment_id = r.establishment_id"
            " JOIN investigation.persons p ON p.report_id = l.report_id"
            " WHERE ($1::boolean IS NULL OR (l.acknowledged_at IS NOT NULL) = $1::boolean)"
            " AND ($3::text IS NULL OR l.assigned_to = $3::text)"
            " GROUP BY l.referral_id, e.establishment_id"
            f" ORDER BY {_URGENCY_RANK}, l.referred_at DESC, l.referral_id"
            " LIMIT $2",
            acknowledged,
            limit,
            assigned_to,
        )
        return [
            ReferralSummary(
                referral=self._referral(row, tuple(row["case_ids"])),
                establishment_kind=EstablishmentKind(row["kind"]),
                province=row["province"],
                district=row["district"],
                case_numbers=tuple(row["case_numbers"]),
                indicators=frozenset(Indicator(i) for i in row["indicators"]),
            )
            for row in rows
        ]

    async def of_investigation(self, investigation_id: uuid.UUID) -> list[uuid.UUID]:
        """The referrals of the reports filed under an investigation."""
        rows = await self._conn.fetch(
            "SELECT l.referral_id FROM investigation.legal_referrals l"
            " JOIN investigation.reports r ON r.report_id = l.report_id"
            " WHERE r.investigation_id = $1 ORDER BY l.referral_id",
            investigation_id,
        )
        return [r["referral_id"] for r in rows]

    @staticmethod
    def _referral(row: asyncpg.Record, case_ids: tuple[uuid.UUID, ...]) -> LegalReferral:
        return LegalReferral(
            referral_id=row["referral_id"],
            report_id=row["report_id"],
            establishment_id=row["establishment_id"],
            urgency=Urgency(row["urgency"]),
            case_ids=case_ids,
            referred_at=row["referred_at"],
            referred_by=row["referred_by"],
            acknowledged_at=row["acknowledged_at"],
            acknowledged_by=row["acknowledged_by"],
            assigned_to=row["assigned_to"],
            assigned_at=row["assigned_at"],
            assigned_by=row["assigned_by"],
        )


class OperationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, operation: RescueOperation, idempotency_key: str) -> None:
        """The caller holds the referral's lock and looked the key up under it, so a
        conflict here would be a bug: it raises rather than being skipped."""
        await self._conn.execute(
            "INSERT INTO investigation.rescue_operations (operation_id, referral_id,"
            " idempotency_key, carried_out_on, recorded_at, recorded_by)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            operation.operation_id,
            operation.referral_id,
            idempotency_key,
            operation.carried_out_on,
            operation.recorded_at,
            operation.recorded_by,
        )
        await self.save(operation)

    async def save(self, operation: RescueOperation) -> None:
        """New outcomes; an outcome row is never changed."""
        await self._conn.executemany(
            "INSERT INTO investigation.rescue_outcomes (operation_id, case_id, outcome,"
            " children_with_her, medical_urgency, recorded_at, recorded_by)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            [
                (
                    operation.operation_id,
                    o.case_id,
                    o.outcome.value,
                    o.children_with_her,
                    o.medical_urgency,
                    o.recorded_at,
                    o.recorded_by,
                )
                for o in operation.outcomes.values()
            ],
        )

    async def by_idempotency_key(self, key: str) -> RescueOperation | None:
        operation_id = await self._conn.fetchval(
            "SELECT operation_id FROM investigation.rescue_operations WHERE idempotency_key = $1",
            key,
        )
        return await self.get(operation_id) if operation_id else None

    async def get(
        self, operation_id: uuid.UUID, *, for_update: bool = False
    ) -> RescueOperation | None:
        lock = " FOR UPDATE OF o" if for_update else ""
        row = await self._conn.fetchrow(
            "SELECT o.*, l.report_id, r.establishment_id"
            " FROM investigation.rescue_operations o"
            " JOIN investigation.legal_referrals l ON l.referral_id = o.referral_id"
            " JOIN investigation.reports r ON r.report_id = l.report_id"
            f" WHERE o.operation_id = $1{lock}",
            operation_id,
        )
        if row is None:
            return None
        return await self._operation(row)

    async def of_referral(self, referral_id: uuid.UUID) -> list[RescueOperation]:
        rows = await self._conn.fetch(
            "SELECT o.*, l.report_id, r.establishment_id"
            " FROM investigation.rescue_operations o"
            " JOIN investigation.legal_referrals l ON l.referral_id = o.referral_id"
            " JOIN investigation.reports r ON r.report_id = l.report_id"
            " WHERE o.referral_id = $1 ORDER BY o.carried_out_on, o.recorded_at",
            referral_id,
        )
        return [await self._operation(row) for row in rows]

    async def _operation(self, row: asyncpg.Record) -> RescueOperation:
        outcomes = await self._conn.fetch(
            "SELECT o.* FROM investigation.rescue_outcomes o"
            " JOIN investigation.persons p ON p.case_id = o.case_id"
            " WHERE o.operation_id = $1 ORDER BY o.recorded_at, p.ordinal",
            row["operation_id"],
        )
        return RescueOperation(
            operation_id=row["operation_id"],
            referral_id=row["referral_id"],
            report_id=row["report_id"],
            establishment_id=row["establishment_id"],
            carried_out_on=row["carried_out_on"],
            recorded_at=row["recorded_at"],
            recorded_by=row["recorded_by"],
            outcomes={
                o["case_id"]: PersonOutcome(
                    case_id=o["case_id"],
                    outcome=RescueOutcome(o["outcome"]),
                    recorded_at=o["recorded_at"],
                    recorded_by=o["recorded_by"],
                    children_with_her=o["children_with_her"],
                    medical_urgency=o["medical_urgency"],
                )
                for o in outcomes
            },
        )


class InvestigationRepository:
    def __init__(self, conn: asyncpg.Connection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def lock_area(self, kind: str, province: str, district: str | None) -> None:
        """Serialise the leads on one kind of place in one area until commit: two leads on
        the same place, consumed at once from two partitions, must not both find no open
        investigation and open two."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            f"investigation.area:{kind}:{province}:{district or ''}".lower(),
        )

    async def open_in_area(
        self, kind: str, province: str, district: str | None
    ) -> Investigation | None:
        """The open investigation on a place of this kind in this area, oldest first. The
        lead's exact address stays in intake, so this is the finest match there is."""
        investigation_id = await self._conn.fetchval(
            "SELECT i.investigation_id FROM investigation.investigations i"
            " JOIN investigation.establishments e ON e.establishment_id = i.establishment_id"
            " WHERE i.closed_at IS NULL AND e.kind = $1 AND lower(e.province) = lower($2)"
            " AND lower(coalesce(e.district, '')) = lower(coalesce($3, ''))"
            " ORDER BY i.opened_at LIMIT 1",
            kind,
            province,
            district,
        )
        return await self.get(investigation_id, for_update=True) if investigation_id else None

    async def by_idempotency_key(self, key: str) -> Investigation | None:
        investigation_id = await self._conn.fetchval(
            "SELECT investigation_id FROM investigation.investigations WHERE idempotency_key = $1",
            key,
        )
        return await self.get(investigation_id) if investigation_id else None

    async def by_lead(self, lead_id: uuid.UUID) -> Investigation | None:
        investigation_id = await self._conn.fetchval(
            "SELECT investigation_id FROM investigation.investigation_leads WHERE lead_id = $1",
            lead_id,
        )
        return await self.get(investigation_id) if investigation_id else None

    async def add(self, investigation: Investigation, idempotency_key: str) -> bool:
        """False if an investigation with this key exists already."""
        est = investigation.establishment
        sealed = [
            await self._vault.seal(est.establishment_id, f, getattr(est.particulars, f))
            for f in _ESTABLISHMENT_PERSONAL
        ]
        await self._conn.execute(
            "INSERT INTO investigation.establishments (establishment_id, kind, province,"
            " district, recorded_at, address_sealed, operator_names_sealed)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            est.establishment_id,
            est.kind.value,
            est.province,
            est.district,
            investigation.opened_at,
            *sealed,
        )
        result = await self._conn.execute(
            "INSERT INTO investigation.investigations (investigation_id, idempotency_key,"
            " establishment_id, origin, urgency, opened_at, opened_by)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING",
            investigation.investigation_id,
            idempotency_key,
            est.establishment_id,
            investigation.origin.value,
            investigation.urgency.value,
            investigation.opened_at,
            investigation.opened_by,
        )
        if not result.endswith(" 1"):
            return False
        await self.save(investigation)
        return True

    async def save(self, investigation: Investigation) -> None:
        """Urgency, new leads and new visits; a lead or a visit, once written, never changes."""
        await self._conn.execute(
            "UPDATE investigation.investigations SET urgency = $2, closed_at = $3,"
            " closed_by = $4, close_reason = $5 WHERE investigation_id = $1",
            investigation.investigation_id,
            investigation.urgency.value,
            investigation.closed_at,
            investigation.closed_by,
            investigation.close_reason.value if investigation.close_reason else None,
        )
        await self._conn.executemany(
            "INSERT INTO investigation.investigation_leads (lead_id, investigation_id, urgency,"
            " persons_reported, indicators, received_at) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (lead_id) DO NOTHING",
            [
                (
                    lead.lead_id,
                    investigation.investigation_id,
                    lead.urgency.value,
                    lead.persons_reported,
                    sorted(i.value for i in lead.indicators),
                    lead.received_at,
                )
                for lead in investigation.leads
            ],
        )
        est_id = investigation.establishment.establishment_id
        for v in investigation.visits:
            # Visits loaded from the database come without their observations; the conflict
            # on visit_id skips them, so a stored visit is never overwritten.
            await self._conn.execute(
                "INSERT INTO investigation.undercover_visits (visit_id, investigation_id,"
                " idempotency_key, visited_on, investigators, recorded_at, recorded_by,"
                " observations_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                " ON CONFLICT (visit_id) DO NOTHING",
                v.visit_id,
                investigation.investigation_id,
                v.idempotency_key,
                v.visited_on,
                list(v.investigators),
                v.recorded_at,
                v.recorded_by,
                await self._vault.seal(est_id, "observations", v.observations),
            )

    async def visit_by_key(self, key: str) -> uuid.UUID | None:
        return await self._conn.fetchval(
            "SELECT visit_id FROM investigation.undercover_visits WHERE idempotency_key = $1", key
        )

    async def open_observations(
        self, investigation: Investigation, visit: UndercoverVisit
    ) -> str | None:
        blob = await self._conn.fetchval(
            "SELECT observations_sealed FROM investigation.undercover_visits WHERE visit_id = $1",
            visit.visit_id,
        )
        return await self._vault.open(
            investigation.establishment.establishment_id, "observations", blob
        )

    async def get(
        self, investigation_id: uuid.UUID, *, for_update: bool = False
    ) -> Investigation | None:
        lock = " FOR UPDATE OF i" if for_update else ""
        row = await self._conn.fetchrow(
            "SELECT i.*, e.kind, e.province, e.district FROM investigation.investigations i"
            " JOIN investigation.establishments e ON e.establishment_id = i.establishment_id"
            f" WHERE i.investigation_id = $1{lock}",
            investigation_id,
        )
        if row is None:
            return None
        leads = await self._conn.fetch(
            "SELECT * FROM investigation.investigation_leads WHERE investigation_id = $1"
            " ORDER BY received_at, lead_id",
            investigation_id,
        )
        visits = await self._conn.fetch(
            "SELECT visit_id, idempotency_key, visited_on, investigators, recorded_at,"
            " recorded_by FROM investigation.undercover_visits WHERE investigation_id = $1"
            " ORDER BY visited_on, recorded_at",
            investigation_id,
        )
        return Investigation(
            investigation_id=row["investigation_id"],
            establishment=Establishment(
                establishment_id=row["establishment_id"],
                kind=EstablishmentKind(row["kind"]),
                province=row["province"],
                district=row["district"],
            ),
            origin=InvestigationOrigin(row["origin"]),
            urgency=Urgency(row["urgency"]),
            opened_at=row["opened_at"],
            opened_by=row["opened_by"],
            closed_at=row["closed_at"],
            closed_by=row["closed_by"],
            close_reason=CloseReason(row["close_reason"]) if row["close_reason"] else None,
            leads=[
                LinkedLead(
                    lead_id=x["lead_id"],
                    urgency=Urgency(x["urgency"]),
                    persons_reported=x["persons_reported"],
                    indicators=frozenset(Indicator(i) for i in x["indicators"]),
                    received_at=x["received_at"],
                )
                for x in leads
            ],
            visits=[
                UndercoverVisit(
                    visit_id=v["visit_id"],
                    idempotency_key=v["idempotency_key"],
                    visited_on=v["visited_on"],
                    investigators=tuple(v["investigators"]),
                    recorded_at=v["recorded_at"],
                    recorded_by=v["recorded_by"],
                )
                for v in visits
            ],
        )

    async def open_ones(self, *, limit: int) -> list[Investigation]:
        ids = await self._conn.fetch(
            "SELECT investigation_id FROM investigation.investigations WHERE closed_at IS NULL"
            " ORDER BY CASE urgency WHEN 'immediate' THEN 0 WHEN 'high' THEN 1 ELSE 2 END,"
            " opened_at DESC LIMIT $1",
            limit,
        )
        return [inv for r in ids if (inv := await self.get(r["investigation_id"])) is not None]

    async def move_lead(self, lead_id: uuid.UUID, to: uuid.UUID) -> None:
        """A split: the lead's row now names the investigation it belongs to."""
        await self._conn.execute(
            "UPDATE investigation.investigation_leads SET investigation_id = $2 WHERE lead_id = $1",
            lead_id,
            to,
        )


class AssistanceRequestRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, request: LegalAssistanceRequest) -> bool:
        """False if the request is known already (one request, however often it arrives)."""
        result = await self._conn.execute(
            "INSERT INTO investigation.legal_assistance_requests (request_id, case_id, kind,"
            " urgency, centre, requested_at, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (request_id) DO NOTHING",
            request.request_id,
            request.case_id,
            request.kind.value,
            request.urgency.value,
            request.centre,
            request.requested_at,
            request.received_at,
        )
        return result.endswith(" 1")

    async def get(
        self, request_id: uuid.UUID, *, for_update: bool = False
    ) -> LegalAssistanceRequest | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(
            f"SELECT * FROM investigation.legal_assistance_requests WHERE request_id = $1{lock}",
            request_id,
        )
        return self._request(row) if row else None

    async def save(self, request: LegalAssistanceRequest) -> None:
        await self._conn.execute(
            "UPDATE investigation.legal_assistance_requests SET acknowledged_at = $2,"
            " acknowledged_by = $3, assigned_to = $4, assigned_at = $5, assigned_by = $6"
            " WHERE request_id = $1",
            request.request_id,
            request.acknowledged_at,
            request.acknowledged_by,
            request.assigned_to,
            request.assigned_at,
            request.assigned_by,
        )

    async def inbox(
        self, *, acknowledged: bool | None, limit: int, assigned_to: str | None = None
    ) -> list[LegalAssistanceRequest]:
        rows = await self._conn.fetch(
            "SELECT * FROM investigation.legal_assistance_requests l"
            " WHERE ($1::boolean IS NULL OR (l.acknowledged_at IS NOT NULL) = $1::boolean)"
            " AND ($3::text IS NULL OR l.assigned_to = $3::text)"
            f" ORDER BY {_URGENCY_RANK}, l.received_at DESC, l.request_id LIMIT $2",
            acknowledged,
            limit,
            assigned_to,
        )
        return [self._request(r) for r in rows]

    @staticmethod
    def _request(row: asyncpg.Record) -> LegalAssistanceRequest:
        return LegalAssistanceRequest(
            request_id=row["request_id"],
            case_id=row["case_id"],
            kind=LegalAssistanceKind(row["kind"]),
            urgency=Urgency(row["urgency"]),
            centre=row["centre"],
            requested_at=row["requested_at"],
            received_at=row["received_at"],
            acknowledged_at=row["acknowledged_at"],
            acknowledged_by=row["acknowledged_by"],
            assigned_to=row["assigned_to"],
            assigned_at=row["assigned_at"],
            assigned_by=row["assigned_by"],
        )
