"""Report drafts: kept for their author alone, sealed whole, gone when filed or stale.

Another investigator asking for a draft that is not hers gets the same ``NotFound`` as for
one that does not exist, so that draft ids tell nobody whose work exists.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Protocol

from homeward_shared.domain import Conflict, NotFound, utcnow
from homeward_shared.personal import ReadPurpose
from homeward_shared.uow import AbstractUnitOfWork

from homeward_investigation.domain.commands import SaveDraft
from homeward_investigation.domain.drafts import DraftSummary, ReportDraft


class Drafts(Protocol):
    async def lock(self, draft_id: uuid.UUID) -> None: ...
    async def owner(self, draft_id: uuid.UUID) -> str | None: ...
    async def spent(self, draft_id: uuid.UUID) -> bool: ...
    async def put(
        self, draft_id: uuid.UUID, author: str, body: str, persons_count: int, now: datetime
    ) -> DraftSummary: ...
    async def of_author(self, author: str, *, limit: int) -> list[DraftSummary]: ...
    async def open(self, draft_id: uuid.UUID, author: str) -> ReportDraft | None: ...
    async def delete(self, draft_id: uuid.UUID, author: str) -> bool: ...
    async def purge(self, older_than: datetime) -> int: ...


class DraftsUoW(AbstractUnitOfWork):
    drafts: Drafts


def _not_found(draft_id: uuid.UUID) -> NotFound:
    return NotFound(f"you have no draft {draft_id}")


async def save_draft(cmd: SaveDraft, uow: DraftsUoW, *, keep_days: int) -> DraftSummary:
    """Create or replace. Replacing the same body again is harmless (a PUT), so a retried
    save needs no idempotency key. A draft id deleted or filed is spent: 409."""
    async with uow:
        author = uow.scope.actor.id
        await uow.drafts.lock(cmd.draft_id)
        if await uow.drafts.spent(cmd.draft_id):
            raise Conflict("this draft was filed or deleted; start a new one")
        owner = await uow.drafts.owner(cmd.draft_id)
        if owner is not None and owner != author:
            raise _not_found(cmd.draft_id)
        now = utcnow()
        await uow.drafts.purge(now - timedelta(days=keep_days))
        summary = await uow.drafts.put(cmd.draft_id, author, cmd.body, cmd.persons_count, now)
        await uow.commit()
    return summary


async def my_drafts(uow: DraftsUoW, *, keep_days: int, limit: int = 50) -> list[DraftSummary]:
    """The caller's drafts, newest first: ids, times and counts, nothing personal. Stale
    drafts (anyone's) are purged first, so none older than ``keep_days`` is ever listed."""
    async with uow:
        await uow.drafts.purge(utcnow() - timedelta(days=keep_days))
        found = await uow.drafts.of_author(uow.scope.actor.id, limit=limit)
        await uow.commit()
    return found


async def open_draft(
    draft_id: uuid.UUID, purpose: ReadPurpose, uow: DraftsUoW, *, keep_days: int
) -> ReportDraft:
    """Open her draft's body; the read is written to the audit trail (with no case: a draft
    has none yet)."""
    async with uow:
        draft = await uow.drafts.open(draft_id, uow.scope.actor.id)
        if draft is None or draft.summary.updated_at < utcnow() - timedelta(days=keep_days):
            raise _not_found(draft_id)
        uow.audit(
            "personal_data_read",
            None,
            purpose=purpose.value,
            record="report_draft",
            draft_id=str(draft_id),
        )
        await uow.commit()
    return draft


async def delete_draft(draft_id: uuid.UUID, uow: DraftsUoW) -> None:
    async with uow:
        await uow.drafts.lock(draft_id)
        if not await uow.drafts.delete(draft_id, uow.scope.actor.id):
            raise _not_found(draft_id)
        uow.audit("report_draft_deleted", None, draft_id=str(draft_id))
        await uow.commit()


async def delete_filed_draft(draft_id: uuid.UUID, uow: DraftsUoW) -> None:
    """Inside the filing's transaction: its draft goes with it. A draft that is not the
    caller's (or already gone) is left alone rather than failing the report."""
    await uow.drafts.lock(draft_id)
    if await uow.drafts.delete(draft_id, uow.scope.actor.id):
        uow.audit("report_draft_filed", None, draft_id=str(draft_id))
