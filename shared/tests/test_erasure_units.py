"""Unit tier: the erasure workflow, the master keyring and error answers that echo nothing,
with the fake unit of work (no database, no broker)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

import pytest
from cryptography.exceptions import InvalidTag
from homeward_shared.contracts import Topics
from homeward_shared.contracts.erasure import ErasureReason
from homeward_shared.crypto import Keyring, MasterKey, UnknownMasterKey
from homeward_shared.domain import Conflict, NotFound
from homeward_shared.erasure import handlers
from homeward_shared.erasure.model import ErasureRequest, ErasureStatus, Expired, FourEyes
from homeward_shared.errors import safe_errors
from homeward_shared.testing.fakes import FakeUnitOfWork
from homeward_shared.uow import Actor, Delivery, Received
from pydantic import BaseModel, ConfigDict, Field, ValidationError

CANARY = f"canary-{uuid.uuid4().hex}"


class MemoryErasures:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, ErasureRequest] = {}
        self.destroyed: list[uuid.UUID] = []

    async def add(self, r):
        self.rows[r.erasure_id] = r

    async def get(self, erasure_id, *, for_update=False):
        return self.rows.get(erasure_id)

    async def of_case(self, case_id):
        return [r for r in self.rows.values() if r.case_id == case_id]

    async def listing(self, status, limit):
        return [r for r in self.rows.values() if status is None or r.stored_status == status]

    async def save(self, r):
        self.rows[r.erasure_id] = r

    async def destroy_case_key(self, case_id):
        fresh = case_id not in self.destroyed
        self.destroyed.append(case_id)
        return fresh


def uow_as(admin: str, store: MemoryErasures) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(lambda e, t: [], actor=Actor(admin, "admin"), topics=Topics("t."))
    uow.erasures = store
    return uow


def request(case_id=None, ttl=timedelta(hours=72)):
    return handlers.RequestErasure(case_id or uuid.uuid4(), ErasureReason.SURVIVOR_REQUEST, ttl)


async def test_a_second_admin_approves_and_only_ids_and_a_code_cross_the_services():
    store = MemoryErasures()
    case_id = uuid.uuid4()
    asked = await handlers.request_erasure(request(case_id), uow_as("admin-a", store))
    assert asked.stored_status is ErasureStatus.PENDING

    with pytest.raises(FourEyes):
        await handlers.approve_erasure(
            handlers.ApproveErasure(asked.erasure_id), uow_as("admin-a", store)
        )
    uow = uow_as("admin-b", store)
    done = await handlers.approve_erasure(handlers.ApproveErasure(asked.erasure_id), uow)
    assert done.stored_status is ErasureStatus.APPROVED and done.decided_by == "admin-b"
    [env] = uow.published("t.case.erasure_approved")
    assert env.case_id == case_id
    assert env.payload.model_dump(mode="json") == {
        "erasure_id": str(asked.erasure_id),
        "reason": "survivor_request",
    }
    # The host shreds her in the approving transaction, not when its consumer catches up.
    assert store.destroyed == [case_id]
    assert [a.action for a in uow.audit_trail] == [
        "ErasureApproved",
        "erasure_approved",
        "case_keys_destroyed",
    ]
    assert uow.audit_trail[-1].detail["had_key"] is True

    # Decided once: neither a second approval nor a new request for her.
    with pytest.raises(Conflict):
        await handlers.approve_erasure(
            handlers.ApproveErasure(asked.erasure_id), uow_as("admin-c", store)
        )
    with pytest.raises(Conflict, match="erased already"):
        await handlers.request_erasure(request(case_id), uow_as("admin-c", store))


async def test_a_request_can_be_rejected_or_expire_and_then_never_approved():
    store = MemoryErasures()
    rejected = await handlers.request_erasure(request(), uow_as("admin-a", store))
    await handlers.reject_erasure(
        handlers.RejectErasure(rejected.erasure_id, "not_verified"), uow_as("admin-b", store)
    )
    with pytest.raises(Conflict, match="rejected"):
        await handlers.approve_erasure(
            handlers.ApproveErasure(rejected.erasure_id), uow_as("admin-b", store)
        )

    old = ErasureRequest.request(
        uuid.uuid4(),
        ErasureReason.SAFETY_THREAT,
        "admin-a",
        ttl=timedelta(hours=1),
        now=datetime.now(UTC) - timedelta(hours=2),
    )
    await store.add(old)
    assert old.status_at(datetime.now(UTC)) is ErasureStatus.EXPIRED
    with pytest.raises(Expired):
        await handlers.approve_erasure(
            handlers.ApproveErasure(old.erasure_id), uow_as("admin-b", store)
        )
    # An expired request does not block asking again.
    again = await handlers.request_erasure(request(old.case_id), uow_as("admin-a", store))
    assert again.stored_status is ErasureStatus.PENDING
    with pytest.raises(Conflict, match="awaits approval"):
        await handlers.request_erasure(request(old.case_id), uow_as("admin-b", store))
    with pytest.raises(NotFound):
        await handlers.approve_erasure(
            handlers.ApproveErasure(uuid.uuid4()), uow_as("admin-b", store)
        )


async def test_destroying_keys_is_recorded_once_per_delivered_event():
    store = MemoryErasures()
    uow = uow_as("recovery", store)
    cmd = handlers.DestroyCaseKeys(
        received=Received(uuid.uuid4(), "case.erasure_approved", Delivery("g", "t", 0, 7)),
        case_id=uuid.uuid4(),
        erasure_id=uuid.uuid4(),
        reason=ErasureReason.COURT_ORDER,
    )
    assert await handlers.when_erasure_approved_destroy_case_keys(cmd, uow)
    assert not await handlers.when_erasure_approved_destroy_case_keys(cmd, uow)
    assert store.destroyed == [cmd.case_id]
    [entry] = uow.audit_trail
    assert entry.action == "case_keys_destroyed" and entry.detail["had_key"] is True


def test_the_keyring_wraps_with_the_current_key_and_unwraps_with_any_it_holds():
    old, new = MasterKey(b"o" * 32), MasterKey(b"n" * 32)
    case_id, data_key = uuid.uuid4(), b"k" * 32
    wrapped_old = old.wrap(case_id, data_key)
    ring = Keyring(new, [old])
    assert ring.key_id == new.key_id != old.key_id
    assert ring.unwrap(case_id, wrapped_old, old.key_id) == data_key
    assert new.unwrap(case_id, ring.wrap(case_id, data_key)) == data_key
    with pytest.raises(UnknownMasterKey):
        Keyring(new).unwrap(case_id, wrapped_old, old.key_id)
    with pytest.raises(InvalidTag):  # a wrapped key moved to another case does not open
        ring.unwrap(uuid.uuid4(), wrapped_old, old.key_id)


class Form(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=8)
    case_id: uuid.UUID
    code: str = Field(pattern=r"^[a-z]+$")


def test_validation_errors_name_the_field_and_rule_but_never_echo_the_value():
    with pytest.raises(ValidationError) as caught:
        Form.model_validate({"name": CANARY, "case_id": CANARY, "code": CANARY, CANARY: 1})
    errors = safe_errors(caught.value.errors())
    assert {tuple(e["loc"]) for e in errors} == {
        ("name",),
        ("case_id",),
        ("code",),
        ("(a field this request does not take)",),
    }
    assert CANARY not in repr(errors)
    assert CANARY[:12] not in repr(errors)


class Tally(BaseModel):
    counts: dict[Annotated[str, Field(pattern=r"^[a-z_]{1,16}$")], int]


def test_a_map_key_its_pattern_refused_is_not_repeated_either():
    with pytest.raises(ValidationError) as caught:
        Tally.model_validate({"counts": {CANARY: 1, "ok": 2}})
    errors = safe_errors(caught.value.errors())
    assert [e["loc"] for e in errors] == [["counts", "(a key this map does not take)", "[key]"]]
    assert CANARY not in repr(errors)
