"""Hand-offs between the services' teams. Ids, codes and flags only: what the receiving
team needs in order to act, never who she is or where her family lives."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from homeward_shared.codes import CodeField
from homeward_shared.envelope import Payload
from homeward_shared.vocabulary import (
    CASE_NUMBER_PATTERN,
    CENTRE_PATTERN,
    CaseNumber,
    CentreCode,
    District,
    Language,
    Province,
)

# Identifiers with a strict pattern: a centre's code (an admin registers it) and a human case
# number (``IN-2026-000123``). Neither can hold a space, so neither can hold a name and
# surname; both are bounded.
CENTRE_CODE = CENTRE_PATTERN
CASE_NUMBER = CASE_NUMBER_PATTERN


class Trade(StrEnum):
    """The vocational programmes of the recovery centres (DOMAIN.md, stage 3): the one list of
    trade codes, used by recovery's enrolments and by every event that names a trade."""

    SEWING_GARMENT_FACTORY = "sewing_garment_factory"
    SEWING_INDEPENDENT_SEAMSTRESS = "sewing_independent_seamstress"
    HAIRDRESSING = "hairdressing"
    WEAVING = "weaving"
    LIFE_SKILLS_COOKING = "life_skills_cooking"
    LIFE_SKILLS_DOMESTIC_VIOLENCE = "life_skills_domestic_violence"
    LIFE_SKILLS_CRAFTS = "life_skills_crafts"
    LIFE_SKILLS_JEWELLERY = "life_skills_jewellery"


class Skill(StrEnum):
    """What a woman takes with her to reintegration: every trade code, and the classes that
    count as a skill in the community (English, computer). A superset of ``Trade``, value for
    value (``test_every_trade_is_a_skill``)."""

    SEWING_GARMENT_FACTORY = "sewing_garment_factory"
    SEWING_INDEPENDENT_SEAMSTRESS = "sewing_independent_seamstress"
    HAIRDRESSING = "hairdressing"
    WEAVING = "weaving"
    LIFE_SKILLS_COOKING = "life_skills_cooking"
    LIFE_SKILLS_DOMESTIC_VIOLENCE = "life_skills_domestic_violence"
    LIFE_SKILLS_CRAFTS = "life_skills_crafts"
    LIFE_SKILLS_JEWELLERY = "life_skills_jewellery"
    ENGLISH = "english"
    COMPUTER = "computer"


class SignalSource(StrEnum):
    HOTLINE = "hotline"
    OUTREACH = "outreach"
    CLINIC_WALK_IN = "clinic_walk_in"
    POLICE = "police"
    PARTNER_NGO = "partner_ngo"
    REPATRIATION = "repatriation"


class EstablishmentKind(StrEnum):
    BROTHEL = "brothel"
    KARAOKE_BAR = "karaoke_bar"
    CLUB = "club"
    MASSAGE_PARLOUR = "massage_parlour"
    BEER_GARDEN = "beer_garden"
    OTHER = "other"


class Indicator(StrEnum):
    """Signs of trafficking an investigator records; codes only."""

    APPARENT_MINOR = "apparent_minor"
    DEBT_BONDAGE = "debt_bondage"
    CONFINEMENT = "confinement"
    VIOLENCE = "violence"
    DRUGS = "drugs"
    DOCUMENT_WITHHOLDING = "document_withholding"


class Urgency(StrEnum):
    IMMEDIATE = "immediate"
    HIGH = "high"
    ROUTINE = "routine"


class PlacementRequested(Payload):
    """intake asks recovery to shelter a survivor who is out of exploitation."""

    event_type: ClassVar[str] = "intake.placement_requested"

    case_number: CaseNumber = Field(max_length=32)
    source: SignalSource
    urgency: Urgency
    apparent_minor: bool = False
    children_with_her: int = Field(default=0, ge=0, le=20)
    language: Language | None = None


class LegalReferralIssued(Payload):
    """A report referred to legal workers: one event per report (one legal case concerns the
    establishment and every person the report identified). Keyed by the report id, which is
    the envelope's ``case_id`` here; each person's own case enters ``referred_to_legal`` on
    the stage feed. Version 2: version 1 was one event per person, keyed by her case, with
    her case number."""

    event_type: ClassVar[str] = "investigation.legal_referral_issued"
    schema_version: ClassVar[int] = 2

    referral_id: uuid.UUID
    report_id: uuid.UUID
    establishment_id: uuid.UUID
    case_ids: list[uuid.UUID] = Field(min_length=1, description="every person of the report")
    urgency: Urgency
    indicators: list[Indicator] = Field(
        default_factory=list, max_length=16, description="seen on any person of the report"
    )


class ResidentReadyForReintegration(Payload):
    """recovery hands a resident who finished her programme to reintegration."""

    event_type: ClassVar[str] = "recovery.resident_ready_for_reintegration"

    case_number: CaseNumber = Field(max_length=32)
    centre: CentreCode
    skills: list[Skill] = CodeField(
        "skill", default_factory=list, max_length=16, description="trade and skill codes"
    )
    wishes_to_return_home: bool | None = None


class LeadReported(Payload):
    """intake hands a lead on an establishment to investigation. Keyed by the lead's own id
    (it is about a place, not yet a person's case): ``case_id`` of the envelope is the lead id.
    The exact address stays sealed in intake; investigators ask for it through their channel."""

    event_type: ClassVar[str] = "intake.lead_reported"

    lead_id: uuid.UUID
    establishment_kind: EstablishmentKind
    province: Province
    district: District | None = None
    urgency: Urgency
    persons_reported: int = Field(default=0, ge=0, le=500)
    indicators: list[Indicator] = Field(default_factory=list, max_length=16)


class PersonRescued(Payload):
    """investigation hands a person rescued in an operation to recovery."""

    event_type: ClassVar[str] = "investigation.person_rescued"

    case_number: CaseNumber = Field(max_length=32)
    operation_id: uuid.UUID
    urgency: Urgency
    apparent_minor: bool = False
    children_with_her: int = Field(default=0, ge=0, le=20)
    language: Language | None = None


class FollowUpVisitOverdue(Payload):
    """A follow-up visit is overdue past the grace period: somebody must act."""

    event_type: ClassVar[str] = "reintegration.follow_up_overdue"

    case_number: CaseNumber = Field(max_length=32)
    visit_no: int = Field(ge=1)
    due_on: date
    days_overdue: int = Field(ge=0)


class TrainingMilestone(StrEnum):
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    CERTIFIED = "certified"
    WITHDRAWN = "withdrawn"
    INTERNSHIP_STARTED = "internship_started"
    STUDY_TOUR = "study_tour"


class TrainingRecorded(Payload):
    """recovery -> dashboards: a resident's vocational training moved on. Codes and dates
    only, so the yearly figures (trainees per trade, certifications, internships, study
    tours, per centre) can be counted from events. A study tour has no single trade."""

    event_type: ClassVar[str] = "recovery.training_recorded"

    centre: CentreCode
    milestone: TrainingMilestone
    trade: Trade | None = CodeField("trade", default=None)
    on: date


class LegalMilestone(StrEnum):
    """The legal track of one legal case, in the only order it can happen."""

    POLICE_ENGAGED = "police_engaged"
    OPERATION_CARRIED_OUT = "operation_carried_out"
    CHARGES_FILED = "charges_filed"
    TRIAL_OPENED = "trial_opened"
    VERDICT = "verdict"


class LegalMilestoneRecorded(Payload):
    """A step of a legal case's track (one legal case per establishment operation), for the
    dashboards' yearly figures (operations, charges, convictions). Keyed by the referral id:
    it is about a legal case, not one person's case. Counts and codes only: the accused are
    never named."""

    event_type: ClassVar[str] = "investigation.legal_milestone_recorded"

    referral_id: uuid.UUID
    milestone: LegalMilestone
    occurred_on: date
    persons_concerned: int = Field(ge=0, description="identified persons of the referral")
    accused_count: int | None = Field(default=None, ge=1)
    convicted: int = Field(default=0, ge=0)
    acquitted: int = Field(default=0, ge=0)
    dismissed: int = Field(default=0, ge=0)


class LegalAssistanceKind(StrEnum):
    TESTIFY_IN_COURT = "testify_in_court"
    VICTIM_COMPENSATION = "victim_compensation"
    IDENTITY_DOCUMENTS = "identity_documents"
    IMMIGRATION = "immigration"
    OTHER = "other"


class LegalAssistanceRequested(Payload):
    """recovery -> legal workers: centre staff asked legal assistance for a resident. Keyed
    by her case. Codes only: what staff wrote about it stays sealed in recovery."""

    event_type: ClassVar[str] = "recovery.legal_assistance_requested"

    request_id: uuid.UUID
    kind: LegalAssistanceKind
    urgency: Urgency
    centre: CentreCode
