"""The legal workers' side of the fake BFF (tests.web.fake_api): the inbox, the legal track
in its enforced order, operations and their outcomes, legal-assistance requests."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MILESTONES = ["police_engaged", "operation_carried_out", "charges_filed", "trial_opened", "verdict"]


def now() -> str:
    return datetime.now(UTC).isoformat()


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Answer:
    status: int
    body: Any
    content_type: str = "application/json"

    def text(self) -> str:
        return self.body if isinstance(self.body, str) else json.dumps(self.body)


def refuse(status: int, code: str, detail: str) -> Answer:
    return Answer(status, {"error": code, "detail": detail})


class LegalFake:
    """Mixed into FakeHomeward, whose fields these methods use."""

    user: str
    reports: dict
    referrals: dict
    operations: dict
    assistance: dict

    # -- legal --------------------------------------------------------------------------------

    def inbox(self, *, query: dict, data: dict) -> Answer:
        items = [*self.referrals.values(), *self.assistance.values()]
        order = {"immediate": 0, "high": 1, "routine": 2}
        items.sort(key=lambda x: (order[x["urgency"]], x.get("referred_at") or x["requested_at"]))
        return Answer(200, items)

    def legal_case(self, ref: str, *, query: dict, data: dict) -> Answer:
        return Answer(200, self.referrals[ref])

    def acknowledge(self, ref: str, *, query: dict, data: dict) -> Answer:
        r = self.referrals[ref]
        if not r["acknowledged_at"]:
            r.update(acknowledged_at=now(), acknowledged_by=self.user)
        return Answer(200, r)

    def assign(self, ref: str, *, query: dict, data: dict) -> Answer:
        r = self.acknowledge(ref, query=query, data=data).body
        r.update(assigned_to=data["assignee"], assigned_at=now(), assigned_by=self.user)
        return Answer(200, r)

    def milestone(self, ref: str, *, query: dict, data: dict) -> Answer:
        r = self.referrals[ref]
        done = [m["milestone"] for m in r["milestones"]]
        m = data["milestone"]
        if m in done:
            return refuse(409, "conflict", f"{m} was recorded already for referral {ref}")
        position = MILESTONES.index(m)
        if position > 0 and MILESTONES[position - 1] not in done:
            return refuse(409, "conflict", f"{m} needs {MILESTONES[position - 1]} first")
        r["milestones"].append(
            {
                "milestone": m,
                "occurred_on": data["occurred_on"],
                "accused_count": data.get("accused_count"),
                "verdicts": data.get("verdicts", []),
                "recorded_at": now(),
                "recorded_by": self.user,
            }
        )
        return Answer(201, r)

    def operation(self, ref: str, *, query: dict, data: dict) -> Answer:
        r = self.referrals[ref]
        if "police_engaged" not in [m["milestone"] for m in r["milestones"]]:
            return refuse(409, "conflict", "operation_carried_out needs police_engaged first")
        oid = new_id()
        op = {
            "operation_id": oid,
            "referral_id": ref,
            "report_id": r["report_id"],
            "establishment_id": r["establishment_id"],
            "carried_out_on": data["carried_out_on"],
            "recorded_at": now(),
            "recorded_by": self.user,
            "outcomes": [],
        }
        self.operations[oid] = op
        r["operations"].append(op)
        r["milestones"].append(
            {
                "milestone": "operation_carried_out",
                "occurred_on": data["carried_out_on"],
                "accused_count": None,
                "verdicts": [],
                "recorded_at": now(),
                "recorded_by": self.user,
            }
        )
        return self.outcomes(oid, query=query, data=data, status=201)

    def outcomes(self, oid: str, *, query: dict, data: dict, status: int = 200) -> Answer:
        op = self.operations[oid]
        for o in data.get("outcomes", []):
            op["outcomes"].append({**o, "recorded_at": now(), "recorded_by": self.user})
            for rep in self.reports.values():
                for p in rep["persons"]:
                    if p["case_id"] == o["case_id"]:
                        p["stage"] = o["outcome"]
        return Answer(status, op)

    def get_assistance(self, rid: str, *, query: dict, data: dict) -> Answer:
        return Answer(200, self.assistance[rid])

    def ack_assistance(self, rid: str, *, query: dict, data: dict) -> Answer:
        a = self.assistance[rid]
        if not a["acknowledged_at"]:
            a.update(acknowledged_at=now(), acknowledged_by=self.user)
        return Answer(200, a)

    def assign_assistance(self, rid: str, *, query: dict, data: dict) -> Answer:
        a = self.ack_assistance(rid, query=query, data=data).body
        a.update(assigned_to=data["assignee"], assigned_at=now(), assigned_by=self.user)
        return Answer(200, a)
