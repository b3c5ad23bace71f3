"""The stage feed: every service says when a case entered a stage it owns."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from homeward_shared.codes import CodeField
from homeward_shared.envelope import Payload
from homeward_shared.stages import Stage
from homeward_shared.vocabulary import CentreCode


class PlacementReason(StrEnum):
    """Why intake asks recovery to shelter her now (``POST /signals/{id}/placement-request``).
    Codes, so that no free text reaches the stage feed, a clear column or the figures."""

    WALK_IN_NEEDS_SHELTER = "walk_in_needs_shelter"  # she walked into the clinic
    NEEDS_SHELTER_NOW = "needs_shelter_now"  # out of exploitation, nowhere safe tonight
    POLICE_REFERRAL = "police_referral"
    PARTNER_REFERRAL = "partner_referral"
    REPATRIATED = "repatriated"  # returned from abroad
    LEFT_EXPLOITATION = "left_exploitation"  # she got out herself and called the hotline


class StageReason(StrEnum):
    """Every reason a producer gives for a stage: one vocabulary for the stage feed, so a
    consumer and the impact report read codes only. A producer that needs a new reason adds
    it here (a new value is not a breaking change for a consumer that stores it as a code)."""

    # intake: placement reasons (PlacementReason) and closures without action
    WALK_IN_NEEDS_SHELTER = "walk_in_needs_shelter"
    NEEDS_SHELTER_NOW = "needs_shelter_now"
    POLICE_REFERRAL = "police_referral"
    PARTNER_REFERRAL = "partner_referral"
    REPATRIATED = "repatriated"
    LEFT_EXPLOITATION = "left_exploitation"
    NOT_TRAFFICKING = "not_trafficking"
    INSUFFICIENT_INFORMATION = "insufficient_information"
    DUPLICATE = "duplicate"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    OUT_OF_AREA = "out_of_area"
    UNFOUNDED = "unfounded"
    # investigation
    RESCUE_OPERATION = "rescue_operation"
    # recovery: how she came (request origins, readmission) and why she left early
    PLACEMENT = "placement"
    RESCUE = "rescue"
    TRANSFER = "transfer"
    READMISSION = "readmission"
    WISHED_TO_RETURN_HOME = "wished_to_return_home"
    WISHED_TO_WORK = "wished_to_work"
    FAMILY_TOOK_HER_HOME = "family_took_her_home"
    DID_NOT_ACCEPT_HOUSE_RULES = "did_not_accept_house_rules"
    LEFT_WITHOUT_NOTICE = "left_without_notice"
    OTHER = "other"
    # reintegration: the plan she was resettled under, closures, reopenings
    REUNIFICATION = "reunification"
    INDEPENDENT_RESETTLEMENT = "independent_resettlement"
    REPATRIATION = "repatriation"
    FOLLOW_UP_COMPLETED = "follow_up_completed"
    MOVED_AWAY = "moved_away"
    LOST_CONTACT = "lost_contact"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    TRANSFERRED = "transferred"
    REOPENED_CONTACT_RESTORED = "reopened_contact_restored"
    REOPENED_NEW_SAFETY_CONCERN = "reopened_new_safety_concern"
    REOPENED_RETURNED_TO_PROGRAMME = "reopened_returned_to_programme"
    REOPENED_CLOSED_IN_ERROR = "reopened_closed_in_error"


class CaseStageChanged(Payload):
    """A case entered a stage. No personal data: ids, codes and the stage only. Producers
    differ, so a consumer accepts a stage that arrives late or twice and never moves a case
    backwards because of it (compare ``Stage.rank``)."""

    event_type: ClassVar[str] = "case.stage_changed"
    schema_version: ClassVar[int] = 1

    stage: Stage
    previous_stage: Stage | None = None
    centre: CentreCode | None = CodeField("centre", default=None, description="centre code")
    reason: StageReason | None = CodeField("stage-reason", default=None)
