"""Values set aside when a free-text field became a code (issue 16), sealed.

A migration cannot seal (the master key is never in the database), so it moves a value that
maps to no code out of its clear column into ``<schema>.set_aside.value_clear``. This job,
run by the service when it starts, seals each such value under the woman's case key and
keeps only the ciphertext: nothing is lost, and nothing stays in clear once the service has
run. A woman erased before her value was sealed has no key: her value is dropped, which is
what her erasure asked for.

Invariant: after ``seal_set_aside`` returns, no row of ``set_aside`` has ``value_clear``.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import structlog
from pydantic import BaseModel, Field

from homeward_shared.crypto import KeyDestroyed, Keyring, MasterKey, Vault
from homeward_shared.db import checked_identifier
from homeward_shared.personal import PersonalField, register_personal

log = structlog.get_logger(__name__)


async def seal_set_aside(
    pool: asyncpg.Pool, schema: str, master: MasterKey | Keyring, *, batch: int = 100
) -> int:
    """Seal every value still in clear; returns how many were sealed (erased ones dropped)."""
    schema = checked_identifier(schema)
    sealed = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                f"SELECT id, case_id, record, field, value_clear FROM {schema}.set_aside"
                " WHERE value_clear IS NOT NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                batch,
            )
            if not rows:
                return sealed
            vault = Vault(conn, schema, master)
            for r in rows:
                try:
                    blob: Any = await vault.seal(
                        r["case_id"], f"set_aside.{r['record']}.{r['field']}", r["value_clear"]
                    )
                except KeyDestroyed:
                    blob = None
                await conn.execute(
                    f"UPDATE {schema}.set_aside SET value_clear = NULL, value_sealed = $2,"
                    " sealed_at = now() WHERE id = $1",
                    r["id"],
                    blob,
                )
                sealed += blob is not None
            log.info("set_aside_sealed", schema=schema, rows=len(rows))


async def open_set_aside(
    conn: asyncpg.Connection, schema: str, master: MasterKey | Keyring, row: asyncpg.Record
) -> str | None:
    """The set-aside value of one row, or None if it was dropped or her key is destroyed."""
    if row["value_sealed"] is None:
        return None
    try:
        return await Vault(conn, schema, master).open(
            row["case_id"], f"set_aside.{row['record']}.{row['field']}", row["value_sealed"]
        )
    except KeyDestroyed:
        return None


@dataclass(frozen=True, kw_only=True)
class SetAsideValue:
    """One value set aside: where it was, why, and (opened) what was typed."""

    record: str
    record_id: str
    field: str
    reason: str
    set_aside_at: datetime
    value: str | None  # None: not sealed yet, or dropped because she was erased first


class SetAsideRepository:
    """Her set-aside values, opened with her key (``KeyDestroyed`` if she was erased): what
    staff need to enter the right code again. Handlers audit the read with its purpose."""

    def __init__(self, conn: asyncpg.Connection, schema: str, vault: Vault) -> None:
        self._conn = conn
        self._schema = checked_identifier(schema)
        self._vault = vault

    async def of_case(self, case_id: uuid.UUID) -> list[SetAsideValue]:
        rows = await self._conn.fetch(
            f"SELECT * FROM {self._schema}.set_aside WHERE case_id = $1 ORDER BY id", case_id
        )
        return [
            SetAsideValue(
                record=r["record"],
                record_id=r["record_id"],
                field=r["field"],
                reason=r["reason"],
                set_aside_at=r["set_aside_at"],
                value=await self._vault.open(
                    case_id, f"set_aside.{r['record']}.{r['field']}", r["value_sealed"]
                ),
            )
            for r in rows
        ]


def sealing_job(service: Any) -> Any:
    """A ``Service.background`` job: seal once at start, then end."""

    async def run(stop: asyncio.Event) -> None:
        if service.pool is None:  # pragma: no cover - started services have a pool
            return
        await seal_set_aside(service.pool, service.settings.db_schema, service.master_key)

    return run


SET_ASIDE_CODE = r"^[a-z][a-z0-9_]{0,63}$"


class SetAsideOut(BaseModel):
    """One set-aside value as the services' ``.../set-aside`` routes answer it: where it was
    and why in codes, what was typed only as a personal field (opened with a purpose)."""

    record: str = Field(pattern=SET_ASIDE_CODE, description="the record kind: enrolment, ...")
    # A record's id, or a class id and a month (recovery's attendance).
    record_id: str = Field(pattern=r"^[0-9a-f-]{1,36}(/[0-9]{4}-[0-9]{2}-[0-9]{2})?$")
    field: str = Field(pattern=SET_ASIDE_CODE)
    reason: str = Field(pattern=SET_ASIDE_CODE, description="not_a_skill, not_a_kit_item, ...")
    set_aside_at: datetime
    typed_value: str | None = PersonalField(
        None, description="what was typed; none if she was erased before it was sealed"
    )

    @classmethod
    def of(cls, v: SetAsideValue) -> SetAsideOut:
        return cls(
            record=v.record,
            record_id=v.record_id,
            field=v.field,
            reason=v.reason,
            set_aside_at=v.set_aside_at,
            typed_value=v.value,
        )


register_personal(SetAsideOut)
