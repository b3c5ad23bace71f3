"""Report drafts over HTTP: the report as its author is still typing it (issue 18).

Everything a draft holds is incomplete by nature, so every field may be missing; but each
field is still a code or personal text, never free text in a code's place. The body is
sealed whole at rest, so a typed name is as safe in a draft as in a filed report.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from homeward_shared.codes import CodeField
from homeward_shared.contracts.handoffs import EstablishmentKind, Indicator, Urgency
from homeward_shared.personal import PersonalField, ReadPurpose, register_personal
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.strict import RequestModel
from homeward_shared.uow import Actor
from homeward_shared.vocabulary import IdempotencyKey, Language, Province
from pydantic import BaseModel, ConfigDict, Field

from homeward_investigation.domain.commands import SaveDraft
from homeward_investigation.domain.drafts import DraftSummary, ReportDraft
from homeward_investigation.domain.model import Sex
from homeward_investigation.service import drafts

router = APIRouter(tags=["investigation"])

Investigator = Annotated[Actor, require_role("investigator")]


class DraftEstablishment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: EstablishmentKind | None = None
    province: Province | None = None
    district: str | None = CodeField(
        "kh-district", None, pattern=r"^[0-9]{0,4}$", description="as typed so far"
    )
    address: str | None = PersonalField(None, max_length=500)
    operator_names: str | None = PersonalField(None, max_length=1_000)


class DraftEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_hash: str | None = Field(
        default=None, pattern=r"^[0-9a-fA-F]{0,64}$", description="as typed so far"
    )
    location: str | None = CodeField("evidence-location", None, pattern=r"^[A-Za-z0-9._:/-]{0,64}$")


class DraftPerson(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sex: Sex | None = None
    approximate_age: int | None = Field(default=None, ge=0, le=100)
    nationality: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166")
    language: Language | None = None
    indicators: list[Indicator] = Field(default_factory=list, max_length=len(Indicator))
    name: str | None = PersonalField(None, max_length=200)
    description: str | None = PersonalField(None, max_length=2_000)


class DraftIn(RequestModel):
    """The report as typed so far. ``idempotency_key`` is the one the report will be filed
    with, kept so that a draft continued elsewhere still files once."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey | None = None
    investigation_id: uuid.UUID | None = None
    urgency: Urgency | None = None
    visit_dates: list[date] = Field(default_factory=list, max_length=100)
    establishment: DraftEstablishment | None = None
    evidence: list[DraftEvidence] = Field(default_factory=list, max_length=200)
    persons: list[DraftPerson] = Field(default_factory=list, max_length=500)


class DraftSummaryOut(BaseModel):
    """A line of her drafts: nothing personal."""

    draft_id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    persons_count: int

    @classmethod
    def of(cls, s: DraftSummary) -> DraftSummaryOut:
        return cls(
            draft_id=s.draft_id,
            created_at=s.created_at,
            updated_at=s.updated_at,
            persons_count=s.persons_count,
        )


class DraftOut(DraftSummaryOut):
    draft: DraftIn

    @classmethod
    def of_draft(cls, d: ReportDraft) -> DraftOut:
        return cls(
            **DraftSummaryOut.of(d.summary).model_dump(),
            draft=DraftIn.model_validate_json(d.body),
        )


register_personal(DraftEstablishment, DraftPerson, DraftIn, DraftOut)


def _keep_days(service: ServiceDep) -> int:
    return service.settings.report_draft_keep_days  # type: ignore[attr-defined,no-any-return]


@router.put("/reports/drafts/{draft_id}")
async def save_draft(
    draft_id: uuid.UUID, body: DraftIn, service: ServiceDep, actor: Investigator
) -> DraftSummaryOut:
    """Create or replace your draft (the client picks a fresh id per report). 404 if the id
    is another's draft; 409 if it was filed or deleted already."""
    cmd = SaveDraft(draft_id=draft_id, body=body.model_dump_json(), persons_count=len(body.persons))
    summary = await drafts.save_draft(cmd, service.uow(actor), keep_days=_keep_days(service))
    return DraftSummaryOut.of(summary)


@router.get("/reports/drafts")
async def my_drafts(
    service: ServiceDep,
    actor: Investigator,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DraftSummaryOut]:
    """Your drafts, newest first: ids, times, counts; open one to read what it holds."""
    found = await drafts.my_drafts(service.uow(actor), keep_days=_keep_days(service), limit=limit)
    return [DraftSummaryOut.of(s) for s in found]


@router.get("/reports/drafts/{draft_id}")
async def open_draft(
    draft_id: uuid.UUID,
    service: ServiceDep,
    actor: Investigator,
    purpose: Annotated[ReadPurpose, Query()],
) -> DraftOut:
    """Open your draft, names included; the read is audited with its purpose."""
    draft = await drafts.open_draft(
        draft_id, purpose, service.uow(actor), keep_days=_keep_days(service)
    )
    return DraftOut.of_draft(draft)


@router.delete("/reports/drafts/{draft_id}", status_code=204)
async def delete_draft(draft_id: uuid.UUID, service: ServiceDep, actor: Investigator) -> Response:
    """Delete your draft: its key is destroyed, so nothing of it can be read again."""
    await drafts.delete_draft(draft_id, service.uow(actor))
    return Response(status_code=204)
