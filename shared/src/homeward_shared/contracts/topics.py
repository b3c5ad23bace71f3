"""Topic names, in one place.

``prefix`` namespaces every topic (empty in production) so that each test can run on topics
of its own while the broker is shared.
"""

from __future__ import annotations

from dataclasses import dataclass

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Topics:
    prefix: str = ""

    def _t(self, name: str) -> str:
        return f"{self.prefix}{name}"

    @property
    def stage_changed(self) -> str:
        """Every service's stage changes: the dashboards' one feed."""
        return self._t("case.stage_changed")

    @property
    def placement_requested(self) -> str:
        """intake -> recovery: a survivor who needs shelter now."""
        return self._t("intake.placement_requested")

    @property
    def legal_referral_issued(self) -> str:
        """investigation -> legal workers and partner legal organisations."""
        return self._t("investigation.legal_referral_issued")

    @property
    def resident_ready_for_reintegration(self) -> str:
        """recovery -> reintegration."""
        return self._t("recovery.resident_ready_for_reintegration")

    @property
    def lead_reported(self) -> str:
        """intake -> investigation: a lead on an establishment."""
        return self._t("intake.lead_reported")

    @property
    def person_rescued(self) -> str:
        """investigation -> recovery: a person out of exploitation after an operation."""
        return self._t("investigation.person_rescued")

    @property
    def follow_up_overdue(self) -> str:
        """reintegration -> managers and dashboards: a follow-up visit is overdue."""
        return self._t("reintegration.follow_up_overdue")

    @property
    def training_recorded(self) -> str:
        """recovery -> dashboards: vocational training milestones, for the yearly figures."""
        return self._t("recovery.training_recorded")

    @property
    def legal_milestone_recorded(self) -> str:
        """investigation -> dashboards: a step of a legal case's track."""
        return self._t("investigation.legal_milestone_recorded")

    @property
    def legal_assistance_requested(self) -> str:
        """recovery -> investigation's legal workers: a resident needs legal assistance."""
        return self._t("recovery.legal_assistance_requested")

    @property
    def erasure_approved(self) -> str:
        """the erasure host -> every service: destroy this case's keys. Kept for ever
        (retention.ms=-1) so that a restored or new service can replay every erasure."""
        return self._t("case.erasure_approved")

    @property
    def figure_recorded(self) -> str:
        """Every service -> dashboards: facts for the yearly impact report (no personal data)."""
        return self._t("figure.recorded")

    def all(self) -> list[str]:
        return [
            self.stage_changed,
            self.placement_requested,
            self.legal_referral_issued,
            self.resident_ready_for_reintegration,
            self.lead_reported,
            self.person_rescued,
            self.follow_up_overdue,
            self.training_recorded,
            self.legal_milestone_recorded,
            self.legal_assistance_requested,
            self.erasure_approved,
            self.figure_recorded,
        ]

    @staticmethod
    def dead_letter(topic: str) -> str:
        return f"{topic}{DLQ_SUFFIX}"
