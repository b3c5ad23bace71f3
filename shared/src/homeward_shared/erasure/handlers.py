"""Erasure handlers: small async functions ``(cmd, uow)``, one transaction each."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

from homeward_shared.contracts.erasure import ErasureReason
from homeward_shared.domain import Conflict, NotFound, utcnow
from homeward_shared.erasure.model import ErasureRequest, ErasureStatus
from homeward_shared.erasure.store import erasures_of
from homeward_shared.uow import AbstractUnitOfWork, Received


@dataclasses.dataclass(frozen=True)
class RequestErasure:
    case_id: uuid.UUID
    reason: ErasureReason
    ttl: timedelta


@dataclasses.dataclass(frozen=True)
class ApproveErasure:
    erasure_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class RejectErasure:
    erasure_id: uuid.UUID
    reason: str


@dataclasses.dataclass(frozen=True)
class DestroyCaseKeys:
    received: Received
    case_id: uuid.UUID
    erasure_id: uuid.UUID
    reason: ErasureReason


async def request_erasure(cmd: RequestErasure, uow: AbstractUnitOfWork) -> ErasureRequest:
    async with uow:
        store = erasures_of(uow)
        now = utcnow()
        for earlier in await store.of_case(cmd.case_id):
            status = earlier.status_at(now)
            if status is ErasureStatus.APPROVED:
                raise Conflict(f"case {cmd.case_id} was erased already ({earlier.erasure_id})")
            if status is ErasureStatus.PENDING:
                raise Conflict(
                    f"erasure {earlier.erasure_id} of case {cmd.case_id} awaits approval"
                )
        request = ErasureRequest.request(
            cmd.case_id, cmd.reason, uow.scope.actor.id, ttl=cmd.ttl, now=now
        )
        await store.add(request)
        uow.audit(
            "erasure_requested",
            cmd.case_id,
            erasure_id=str(request.erasure_id),
            reason=cmd.reason.value,
            expires_at=request.expires_at.isoformat(),
        )
        await uow.commit()
    return request


async def _decide(erasure_id: uuid.UUID, uow: AbstractUnitOfWork) -> ErasureRequest:
    request = await erasures_of(uow).get(erasure_id, for_update=True)
    if request is None:
        raise NotFound(f"no erasure request {erasure_id}")
    return request


async def approve_erasure(cmd: ApproveErasure, uow: AbstractUnitOfWork) -> ErasureRequest:
    """The second admin's approval. The hosting service shreds her in the same transaction:
    from the moment the approval is answered, its own routes can no longer open her personal
    fields, without waiting for its consumer of ``case.erasure_approved`` (which then finds
    the key gone, ``had_key=False``). The other services shred her as the event reaches them."""
    async with uow:
        request = await _decide(cmd.erasure_id, uow)
        request.approve(uow.scope.actor.id)
        store = erasures_of(uow)
        await store.save(request)
        uow.track(request)
        uow.audit(
            "erasure_approved",
            request.case_id,
            erasure_id=str(request.erasure_id),
            reason=request.reason.value,
            requested_by=request.requested_by,
        )
        had_key = await store.destroy_case_key(request.case_id)
        uow.audit(
            "case_keys_destroyed",
            request.case_id,
            erasure_id=str(request.erasure_id),
            reason=request.reason.value,
            had_key=had_key,
        )
        await uow.commit()
    return request


async def reject_erasure(cmd: RejectErasure, uow: AbstractUnitOfWork) -> ErasureRequest:
    async with uow:
        request = await _decide(cmd.erasure_id, uow)
        request.reject(uow.scope.actor.id, cmd.reason)
        await erasures_of(uow).save(request)
        uow.audit(
            "erasure_rejected",
            request.case_id,
            erasure_id=str(request.erasure_id),
            reason=cmd.reason,
        )
        await uow.commit()
    return request


async def when_erasure_approved_destroy_case_keys(
    cmd: DestroyCaseKeys, uow: AbstractUnitOfWork
) -> bool:
    """Crypto-shred her in this service's schema. Returns whether this delivery did it (False:
    a redelivery, absorbed by the inbox)."""
    async with uow:
        if not await uow.claim(cmd.received):
            return False
        had_key = await erasures_of(uow).destroy_case_key(cmd.case_id)
        uow.audit(
            "case_keys_destroyed",
            cmd.case_id,
            erasure_id=str(cmd.erasure_id),
            reason=cmd.reason.value,
            had_key=had_key,
        )
        await uow.commit()
    return True
