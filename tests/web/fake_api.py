"""A stand-in for the BFF's `/auth/*` and `/api/<service>/*` in the app's browser tests:
answers shaped as docs/openapi/*.json says, refusals as the services give them
(`{"error": code, "detail": text}`), the legal track's order enforced as the investigation
service enforces it. Played through Playwright's request routing, so the built app runs
unchanged against it; the real end-to-end tests through Keycloak and the BFF replace it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from tests.web.fake_legal import Answer, LegalFake, new_id, now, refuse


@dataclass
class FakeHomeward(LegalFake):
    username: str
    roles: list[str]
    idle_timeout_s: int = 900
    user: str = field(default_factory=new_id)
    logged_in: bool = True
    signals: dict[str, dict] = field(default_factory=dict)
    recorded_by: dict[str, str] = field(default_factory=dict)
    persons: dict[str, dict] = field(default_factory=dict)
    investigations: dict[str, dict] = field(default_factory=dict)
    observations: dict[str, str | None] = field(default_factory=dict)
    particulars: dict[str, dict] = field(default_factory=dict)
    reports: dict[str, dict] = field(default_factory=dict)
    identities: dict[str, dict] = field(default_factory=dict)
    referrals: dict[str, dict] = field(default_factory=dict)
    operations: dict[str, dict] = field(default_factory=dict)
    assistance: dict[str, dict] = field(default_factory=dict)
    # Report drafts: id -> {"summary": ..., "draft": body}; ids filed or deleted are spent.
    drafts: dict[str, dict] = field(default_factory=dict)
    spent_drafts: set[str] = field(default_factory=set)
    live: list[str] = field(default_factory=list)
    seen_bodies: list[str] = field(default_factory=list)
    # path -> (status, body, content type): a service failing as a test needs it to.
    failures: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    cases: int = 0

    # -- seeding ------------------------------------------------------------------------------

    def seed_investigation(self) -> str:
        iid = new_id()
        self.investigations[iid] = {
            "investigation_id": iid,
            "origin": "lead",
            "urgency": "high",
            "opened_at": now(),
            "opened_by": "system",
            "closed_at": None,
            "closed_by": None,
            "close_reason": None,
            "establishment": {
                "establishment_id": new_id(),
                "kind": "karaoke_bar",
                "province": "KH-12",
                "district": "1201",
            },
            "leads": [
                {
                    "lead_id": new_id(),
                    "indicators": ["debt_bondage", "apparent_minor"],
                    "persons_reported": 3,
                    "received_at": now(),
                    "urgency": "high",
                }
            ],
            "visits": [],
        }
        return iid

    def seed_referral(self, persons: int = 2, urgency: str = "immediate") -> str:
        report = self._report(
            {
                "urgency": urgency,
                "visit_dates": ["2026-11-20"],
                "persons": [{"sex": "female", "indicators": []} for _ in range(persons)],
                "establishment": {"kind": "brothel", "province": "KH-17", "district": "1710"},
            }
        )
        return self._refer(report["report_id"]).body["referral_id"]

    def seed_assistance(self) -> str:
        rid = new_id()
        self.assistance[rid] = {
            "item": "legal_assistance",
            "request_id": rid,
            "case_id": new_id(),
            "centre": "TD",
            "kind": "testify_in_court",
            "urgency": "high",
            "requested_at": now(),
            "received_at": now(),
            "acknowledged_at": None,
            "acknowledged_by": None,
            "assigned_at": None,
            "assigned_by": None,
            "assigned_to": None,
        }
        return rid

    # -- dispatch -----------------------------------------------------------------------------

    def handle(self, method: str, url: str, body: str | None) -> Answer:
        parts = urlsplit(url)
        path, query = parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if body:
            self.seen_bodies.append(body)
        data = json.loads(body) if body else {}
        if path == "/auth/login":
            return Answer(200, "<!doctype html><title>login</title><h1>Log in</h1>", "text/html")
        if path == "/auth/me":
            if not self.logged_in:
                return refuse(401, "not_logged_in", "log in first")
            return Answer(200, self.me())
        if path == "/auth/logout" and method == "POST":
            self.logged_in = False
            return Answer(200, {"logout_url": "/auth/login?logged_out=1"})
        if not self.logged_in:
            return refuse(401, "not_logged_in", "log in first")
        if path in self.failures:
            return Answer(*self.failures[path])
        if path == "/api/live":
            events, self.live = self.live, []
            return Answer(200, "retry: 200\n\n" + "".join(events), "text/event-stream")
        for pattern, verb, handler in self.routes():
            m = re.fullmatch(pattern, path)
            if m and verb == method:
                return handler(*m.groups(), query=query, data=data)
        return refuse(404, "not_found", "no such route")

    def me(self) -> dict:
        return {
            "user": self.user,
            "username": self.username,
            "roles": self.roles,
            "centres": [],
            "idle_timeout_s": self.idle_timeout_s,
        }

    def routes(self):
        i, v = "/api/intake", "/api/investigation"
        u = "([0-9a-f-]{36})"
        return [
            (f"{i}/signals", "POST", self.post_signal),
            (f"{i}/signals", "GET", self.list_signals),
            (f"{i}/signals/{u}", "GET", self.get_signal),
            (f"{i}/signals/{u}/person", "GET", self.get_person),
            (f"{i}/signals/{u}/lead", "POST", self.route_signal),
            (f"{i}/signals/{u}/placement-request", "POST", self.placement),
            (f"{i}/signals/{u}/closure", "POST", self.close_signal),
            (f"{i}/outreach", "POST", self.outreach),
            (f"{v}/investigations", "GET", self.list_investigations),
            (f"{v}/investigations", "POST", self.open_investigation),
            (f"{v}/investigations/{u}", "GET", self.get_investigation),
            (f"{v}/investigations/{u}/visits", "POST", self.visit),
            (f"{v}/investigations/{u}/visits/{u}/observations", "GET", self.read_observations),
            (f"{v}/reports/drafts", "GET", self.list_drafts),
            (f"{v}/reports/drafts/{u}", "PUT", self.put_draft),
            (f"{v}/reports/drafts/{u}", "GET", self.open_draft),
            (f"{v}/reports/drafts/{u}", "DELETE", self.delete_draft),
            (f"{v}/reports", "GET", self.list_reports),
            (f"{v}/reports", "POST", self.file_report),
            (f"{v}/reports/{u}", "GET", self.get_report),
            (f"{v}/reports/{u}/establishment", "GET", self.read_establishment),
            (f"{v}/reports/{u}/persons/{u}/identity", "GET", self.read_identity),
            (f"{v}/reports/{u}/legal-referral", "POST", self.refer),
            (f"{v}/legal/inbox", "GET", self.inbox),
            (f"{v}/legal/referrals/{u}", "GET", self.legal_case),
            (f"{v}/legal/referrals/{u}/acknowledge", "POST", self.acknowledge),
            (f"{v}/legal/referrals/{u}/assign", "POST", self.assign),
            (f"{v}/legal/referrals/{u}/milestones", "POST", self.milestone),
            (f"{v}/legal/referrals/{u}/operations", "POST", self.operation),
            (f"{v}/legal/operations/{u}/outcomes", "POST", self.outcomes),
            (f"{v}/legal/assistance-requests/{u}", "GET", self.get_assistance),
            (f"{v}/legal/assistance-requests/{u}/acknowledge", "POST", self.ack_assistance),
            (f"{v}/legal/assistance-requests/{u}/assign", "POST", self.assign_assistance),
        ]

    @staticmethod
    def needs_purpose(query: dict) -> Answer | None:
        if query.get("purpose") is None:
            return Answer(
                422,
                {
                    "detail": [
                        {"loc": ["query", "purpose"], "type": "missing", "msg": "Field required"}
                    ]
                },
            )
        return None

    # -- intake -------------------------------------------------------------------------------

    def post_signal(self, *, query: dict, data: dict) -> Answer:
        sid = new_id()
        self.cases += 1
        self.signals[sid] = {
            "signal_id": sid,
            "case_id": new_id(),
            "case_number": f"HW-2026-{self.cases:05d}",
            "source": data["source"],
            "urgency": data["urgency"],
            "needs_shelter": data["needs_shelter"],
            "stage": "reported",
            "status": "open",
            "lead_id": None,
            "apparent_minor": data.get("apparent_minor", False),
            "children_with_her": data.get("children_with_her", 0),
            "language": data.get("language"),
            "received_at": now(),
            "routing_reason": None,
        }
        self.recorded_by[sid] = self.user
        self.persons[sid] = {k: data.get(k) for k in ("name", "aliases", "phone", "notes")}
        return Answer(201, self.signals[sid])

    def list_signals(self, *, query: dict, data: dict) -> Answer:
        """As intake answers: hers unless ``mine=false``, newest first, keyset pages."""
        rows = [
            s
            for sid, s in reversed(self.signals.items())  # recorded in order: newest last
            if query.get("mine", "true") == "false" or self.recorded_by.get(sid) == self.user
        ]
        rows = [r for r in rows if query.get("status") in (None, r["status"])]
        rows = [r for r in rows if query.get("source") in (None, r["source"])]
        if before := query.get("before"):
            ids = [r["signal_id"] for r in rows]
            if before not in ids:
                return refuse(422, "invalid", "before: no signal has this id")
            rows = rows[ids.index(before) + 1 :]
        limit = int(query.get("limit", "25"))
        page = rows[:limit]
        more = len(rows) > limit
        return Answer(
            200, {"signals": page, "next_before": page[-1]["signal_id"] if more else None}
        )

    def get_signal(self, sid: str, *, query: dict, data: dict) -> Answer:
        if sid not in self.signals:
            return refuse(404, "not_found", "no such signal")
        return Answer(200, self.signals[sid])

    def get_person(self, sid: str, *, query: dict, data: dict) -> Answer:
        return self.needs_purpose(query) or Answer(200, self.persons[sid])

    def route_signal(self, sid: str, *, query: dict, data: dict) -> Answer:
        s = self.signals[sid]
        if s["status"] not in ("open", "placement_requested"):
            return refuse(409, "conflict", f"signal {sid} was routed already ({s['status']})")
        if s["status"] == "open":
            s.update(status="routed_to_investigation", routing_reason=data.get("reason"))
        s["lead_id"] = new_id()
        return Answer(202, {"signal": s, "lead_id": s["lead_id"], "linked": False})

    def placement(self, sid: str, *, query: dict, data: dict) -> Answer:
        s = self.signals[sid]
        if not s["needs_shelter"]:
            return refuse(409, "conflict", f"signal {sid} does not say she needs shelter")
        if s["status"] in ("placement_requested", "closed"):
            return refuse(409, "conflict", f"signal {sid} was routed already ({s['status']})")
        s.update(status="placement_requested", stage="rescued", routing_reason=data.get("reason"))
        return Answer(202, s)

    def close_signal(self, sid: str, *, query: dict, data: dict) -> Answer:
        s = self.signals[sid]
        if s["status"] != "open":
            return refuse(409, "conflict", f"signal {sid} was routed already ({s['status']})")
        s.update(status="closed", stage="closed", routing_reason=data.get("reason"))
        return Answer(200, s)

    def outreach(self, *, query: dict, data: dict) -> Answer:
        return Answer(201, {**data, "activity_id": new_id(), "recorded_at": now()})

    # -- investigation ------------------------------------------------------------------------

    def list_investigations(self, *, query: dict, data: dict) -> Answer:
        return Answer(200, [i for i in self.investigations.values() if i["closed_at"] is None])

    def open_investigation(self, *, query: dict, data: dict) -> Answer:
        iid = self.seed_investigation()
        e = data["establishment"]
        inv = self.investigations[iid]
        inv.update(origin="team", urgency=data["urgency"], leads=[])
        inv["establishment"].update(kind=e["kind"], province=e["province"], district=e["district"])
        self.particulars[iid] = {
            "address": e.get("address"),
            "operator_names": e.get("operator_names"),
        }
        return Answer(201, inv)

    def get_investigation(self, iid: str, *, query: dict, data: dict) -> Answer:
        if iid not in self.investigations:
            return refuse(404, "not_found", f"investigation {iid} does not exist")
        return Answer(200, self.investigations[iid])

    def visit(self, iid: str, *, query: dict, data: dict) -> Answer:
        # The service allows a day's slack: the organisation's today is ahead of UTC's.
        if data["visited_on"] > (datetime.now(UTC) + timedelta(days=1)).date().isoformat():
            return refuse(422, "domain_error", "visited_on: a visit cannot be in the future")
        vid = new_id()
        self.observations[vid] = data.get("observations")
        self.investigations[iid]["visits"].append(
            {
                "visit_id": vid,
                "visited_on": data["visited_on"],
                "investigators": data["investigators"],
                "recorded_at": now(),
                "recorded_by": self.user,
            }
        )
        return Answer(201, self.investigations[iid])

    def read_observations(self, iid: str, vid: str, *, query: dict, data: dict) -> Answer:
        return self.needs_purpose(query) or Answer(200, {"observations": self.observations[vid]})

    def _report(self, data: dict) -> dict:
        rid = new_id()
        inv = self.investigations.get(data.get("investigation_id") or "")
        est = (
            inv["establishment"] if inv else {**data["establishment"], "establishment_id": new_id()}
        )
        persons = []
        for p in data["persons"]:
            self.cases += 1
            case = new_id()
            self.identities[case] = {"name": p.get("name"), "description": p.get("description")}
            persons.append(
                {
                    "case_id": case,
                    "case_number": f"HW-2026-{self.cases:05d}",
                    "sex": p["sex"],
                    "approximate_age": p.get("approximate_age"),
                    "nationality": p.get("nationality"),
                    "language": p.get("language"),
                    "indicators": p.get("indicators", []),
                    "stage": "identified",
                }
            )
        e = data.get("establishment") or {}
        self.particulars[rid] = {
            "address": e.get("address"),
            "operator_names": e.get("operator_names"),
        }
        self.reports[rid] = {
            "report_id": rid,
            "investigation_id": data.get("investigation_id"),
            "establishment": {
                k: est[k] for k in ("establishment_id", "kind", "province", "district")
            },
            "urgency": data["urgency"],
            "visit_dates": data["visit_dates"],
            "evidence": data.get("evidence", []),
            "persons": persons,
            "filed_at": now(),
            "filed_by": self.user,
            "referral_id": None,
        }
        return self.reports[rid]

    def file_report(self, *, query: dict, data: dict) -> Answer:
        if not data["persons"]:
            return refuse(
                422,
                "domain_error",
                "persons: an investigative report identifies at least one person",
            )
        draft_id = data.pop("draft_id", None)
        if draft_id is not None and self.drafts.pop(draft_id, None) is not None:
            self.spent_drafts.add(draft_id)
        return Answer(201, self._report(data))

    # -- report drafts (the service keeps them for their author; one user here) ---------------

    def list_drafts(self, *, query: dict, data: dict) -> Answer:
        found = sorted(
            (d["summary"] for d in self.drafts.values()),
            key=lambda x: x["updated_at"],
            reverse=True,
        )
        return Answer(200, found)

    def put_draft(self, did: str, *, query: dict, data: dict) -> Answer:
        if did in self.spent_drafts:
            return refuse(409, "conflict", "this draft was filed or deleted; start a new one")
        at = now()
        created = self.drafts.get(did, {}).get("summary", {}).get("created_at", at)
        summary = {
            "draft_id": did,
            "created_at": created,
            "updated_at": at,
            "persons_count": len(data.get("persons", [])),
        }
        self.drafts[did] = {"summary": summary, "draft": data}
        return Answer(200, summary)

    def open_draft(self, did: str, *, query: dict, data: dict) -> Answer:
        if did not in self.drafts:
            return refuse(404, "not_found", f"you have no draft {did}")
        d = self.drafts[did]
        return self.needs_purpose(query) or Answer(200, {**d["summary"], "draft": d["draft"]})

    def delete_draft(self, did: str, *, query: dict, data: dict) -> Answer:
        if self.drafts.pop(did, None) is None:
            return refuse(404, "not_found", f"you have no draft {did}")
        self.spent_drafts.add(did)
        return Answer(204, "", "text/plain")

    def list_reports(self, *, query: dict, data: dict) -> Answer:
        return Answer(200, list(reversed(self.reports.values())))

    def get_report(self, rid: str, *, query: dict, data: dict) -> Answer:
        return Answer(200, self.reports[rid])

    def read_establishment(self, rid: str, *, query: dict, data: dict) -> Answer:
        return self.needs_purpose(query) or Answer(200, self.particulars[rid])

    def read_identity(self, rid: str, case: str, *, query: dict, data: dict) -> Answer:
        return self.needs_purpose(query) or Answer(200, self.identities[case])

    def refer(self, rid: str, *, query: dict, data: dict) -> Answer:
        return self._refer(rid)

    def _refer(self, rid: str) -> Answer:
        r = self.reports[rid]
        if r["referral_id"]:
            return Answer(200, self.referrals[r["referral_id"]])
        ref = new_id()
        r["referral_id"] = ref
        for p in r["persons"]:
            p["stage"] = "referred_to_legal"
        self.referrals[ref] = {
            "item": "referral",
            "referral_id": ref,
            "report_id": rid,
            "establishment_id": r["establishment"]["establishment_id"],
            "establishment_kind": r["establishment"]["kind"],
            "province": r["establishment"]["province"],
            "district": r["establishment"]["district"],
            "indicators": ["debt_bondage"],
            "case_ids": [p["case_id"] for p in r["persons"]],
            "case_numbers": [p["case_number"] for p in r["persons"]],
            "urgency": r["urgency"],
            "referred_at": now(),
            "referred_by": self.user,
            "acknowledged_at": None,
            "acknowledged_by": None,
            "assigned_at": None,
            "assigned_by": None,
            "assigned_to": None,
            "milestones": [],
            "operations": [],
        }
        case = r["persons"][0]["case_id"]
        self.live.append(
            f'event: stage\ndata: {{"case_id": "{case}", "stage": "referred_to_legal"}}\n\n'
        )
        return Answer(201, self.referrals[ref])
