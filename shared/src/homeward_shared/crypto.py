"""Personal fields encrypted at rest under a data key per case (envelope encryption).

Each case has a random 256-bit data key, stored only wrapped (AES-GCM) by the service's
master key. A field is sealed with AES-GCM under the case key, with the case id and the
field name as associated data, so a ciphertext moved to another case or field fails to open.
Destroying a case's wrapped key makes all her sealed fields unreadable, backups included.

Master keys form a keyring: the current key wraps every new case key; the others (previous
keys during a rotation, or the next key before it becomes current) only unwrap. Each wrapped
key records the id of the master key that wrapped it (``case_keys.master_key_id``), so a
rotation (``rotate_case_keys``) finds what to re-wrap and readers never need to guess.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import asyncpg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from homeward_shared.domain import PermanentEventError

_VERSION = b"\x01"
_NONCE = 12


class KeyDestroyed(PermanentEventError):
    """The case's data key was destroyed (erasure): her personal data is gone. Permanent: an
    event that would seal or open her fields is dead-lettered, never retried for ever; the
    HTTP API answers 410 Gone."""


class UnknownMasterKey(Exception):
    """A case key is wrapped by a master key this process does not hold (a keyring that
    lost a key still in use: configuration, not data)."""


class MasterKey:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("master key must be 32 bytes")
        self._aead = AESGCM(key)
        # An id that names the key without revealing it, so rotation can find what to rewrap.
        self.key_id = hashlib.sha256(b"homeward-master-key-id" + key).hexdigest()[:16]

    def wrap(self, case_id: uuid.UUID, data_key: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, data_key, case_id.bytes)

    def unwrap(self, case_id: uuid.UUID, wrapped: bytes, key_id: str | None = None) -> bytes:
        if key_id is not None and key_id != self.key_id:
            raise UnknownMasterKey(f"case key wrapped by master key {key_id}, not held here")
        nonce = wrapped[1 : 1 + _NONCE]
        return self._aead.decrypt(nonce, wrapped[1 + _NONCE :], case_id.bytes)


class Keyring:
    """The current master key (wraps) and the other known ones (unwrap only). Duck-types
    ``MasterKey`` so that a unit of work takes either."""

    def __init__(self, current: MasterKey, others: Iterable[MasterKey] = ()) -> None:
        self.current = current
        self._by_id = {k.key_id: k for k in others}
        self._by_id[current.key_id] = current

    @classmethod
    def of(cls, current: bytes, others: Iterable[bytes] = ()) -> Keyring:
        return cls(MasterKey(current), [MasterKey(k) for k in others])

    @property
    def key_id(self) -> str:
        return self.current.key_id

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._by_id)

    def wrap(self, case_id: uuid.UUID, data_key: bytes) -> bytes:
        return self.current.wrap(case_id, data_key)

    def unwrap(self, case_id: uuid.UUID, wrapped: bytes, key_id: str | None = None) -> bytes:
        if key_id is None:
            return self.current.unwrap(case_id, wrapped)
        key = self._by_id.get(key_id)
        if key is None:
            raise UnknownMasterKey(f"case key wrapped by master key {key_id}, not in the keyring")
        return key.unwrap(case_id, wrapped)


def as_keyring(master: MasterKey | Keyring) -> Keyring:
    return master if isinstance(master, Keyring) else Keyring(master)


def seal_with(data_key: bytes, case_id: uuid.UUID, field: str, value: str) -> bytes:
    nonce = os.urandom(_NONCE)
    aad = case_id.bytes + field.encode()
    return _VERSION + nonce + AESGCM(data_key).encrypt(nonce, value.encode(), aad)


def open_with(data_key: bytes, case_id: uuid.UUID, field: str, blob: bytes) -> str:
    aad = case_id.bytes + field.encode()
    return AESGCM(data_key).decrypt(blob[1 : 1 + _NONCE], blob[1 + _NONCE :], aad).decode()


class Vault:
    """Seals and opens personal fields inside one unit of work's transaction."""

    def __init__(self, conn: asyncpg.Connection, schema: str, master: MasterKey | Keyring) -> None:
        self._conn = conn
        self._schema = schema
        self._master = as_keyring(master)
        self._keys: dict[uuid.UUID, bytes] = {}

    async def _key(self, case_id: uuid.UUID, *, create: bool) -> bytes:
        if case_id in self._keys:
            return self._keys[case_id]
        row = await self._conn.fetchrow(
            f"SELECT wrapped_key, master_key_id, destroyed_at FROM {self._schema}.case_keys"
            " WHERE case_id = $1",
            case_id,
        )
        if row is None:
            if not create:
                raise KeyDestroyed(f"no data key for case {case_id}")
            key = AESGCM.generate_key(bit_length=256)
            await self._conn.execute(
                f"INSERT INTO {self._schema}.case_keys (case_id, wrapped_key, master_key_id)"
                " VALUES ($1, $2, $3)",
                case_id,
                self._master.wrap(case_id, key),
                self._master.key_id,
            )
        elif row["destroyed_at"] is not None or row["wrapped_key"] is None:
            raise KeyDestroyed(f"the data key of case {case_id} was destroyed")
        else:
            key = self._master.unwrap(case_id, bytes(row["wrapped_key"]), row["master_key_id"])
        self._keys[case_id] = key
        return key

    async def seal(self, case_id: uuid.UUID, field: str, value: str | None) -> bytes | None:
        if value is None:
            return None
        return seal_with(await self._key(case_id, create=True), case_id, field, value)

    async def open(self, case_id: uuid.UUID, field: str, blob: bytes | None) -> str | None:
        if blob is None:
            return None
        return open_with(await self._key(case_id, create=False), case_id, field, bytes(blob))


# A tombstone's master key id: no key wrapped anything.
DESTROYED = "destroyed"


async def destroy_case_key(conn: asyncpg.Connection, schema: str, case_id: uuid.UUID) -> bool:
    """Crypto-shred one case in one schema: drop the wrapped key, keep a tombstone so that no
    later write can create a fresh key for her (sealing then raises ``KeyDestroyed``).
    Returns whether a live key was destroyed (False: she had none here, or it was gone)."""
    destroyed = await conn.fetchval(
        f"UPDATE {schema}.case_keys SET wrapped_key = NULL, destroyed_at = now()"
        " WHERE case_id = $1 AND destroyed_at IS NULL RETURNING true",
        case_id,
    )
    if not destroyed:
        await conn.execute(
            f"INSERT INTO {schema}.case_keys (case_id, wrapped_key, master_key_id, destroyed_at)"
            " VALUES ($1, NULL, $2, now()) ON CONFLICT (case_id) DO NOTHING",
            case_id,
            DESTROYED,
        )
    return bool(destroyed)


@dataclass
class RotationResult:
    rewrapped: int = 0
    unknown: int = 0  # wrapped by a key not in the keyring: left as they are, reported
    busy: int = 0  # still locked by another transaction at the end: run again


async def count_to_rotate(conn: asyncpg.Connection, schema: str, keyring: Keyring) -> int:
    return await conn.fetchval(
        f"SELECT count(*) FROM {schema}.case_keys"
        " WHERE destroyed_at IS NULL AND wrapped_key IS NOT NULL AND master_key_id <> $1",
        keyring.key_id,
    )


async def rotate_case_keys(
    pool: asyncpg.Pool,
    schema: str,
    keyring: Keyring,
    *,
    batch_size: int = 100,
    progress: Callable[[int], None] | None = None,
) -> RotationResult:
    """Re-wrap every live case key of a schema under the keyring's current master key.

    Small transactions of ``batch_size`` rows, each row locked with ``FOR UPDATE SKIP
    LOCKED``: a running service is never blocked for long, and a row some transaction holds
    (an erasure, say) is picked up by a later batch. The data keys themselves do not change,
    so nothing sealed is re-encrypted and readers see the old or the new wrapping, both of
    which the keyring opens. Idempotent: a second run finds nothing to do. A destroyed key is
    never touched (the UPDATE re-checks ``destroyed_at``), so rotation cannot resurrect her.
    """
    result = RotationResult()
    waits_left = 200  # bounded: a row held for ~10 s is left for the next run (reported)
    skipped_unknown: list[uuid.UUID] = []
    where = (
        f"FROM {schema}.case_keys WHERE destroyed_at IS NULL AND wrapped_key IS NOT NULL"
        " AND master_key_id <> $1 AND NOT (case_id = ANY($2::uuid[]))"
    )
    while True:
        updates: list[tuple[uuid.UUID, bytes, str]] = []
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                f"SELECT case_id, wrapped_key, master_key_id {where}"
                " ORDER BY case_id LIMIT $3 FOR UPDATE SKIP LOCKED",
                keyring.key_id,
                skipped_unknown,
                batch_size,
            )
            for row in rows:
                case_id = row["case_id"]
                if row["master_key_id"] not in keyring.key_ids:
                    skipped_unknown.append(case_id)
                    result.unknown += 1
                    continue
                data_key = keyring.unwrap(case_id, bytes(row["wrapped_key"]), row["master_key_id"])
                updates.append((case_id, keyring.wrap(case_id, data_key), keyring.key_id))
            if updates:
                await conn.executemany(
                    f"UPDATE {schema}.case_keys SET wrapped_key = $2, master_key_id = $3"
                    " WHERE case_id = $1 AND destroyed_at IS NULL",
                    updates,
                )
            left = 0
            if not rows:
                left = await conn.fetchval(
                    f"SELECT count(*) {where}", keyring.key_id, skipped_unknown
                )
        if rows:
            result.rewrapped += len(updates)
            if progress is not None:
                progress(len(rows))
            continue
        if not left or waits_left <= 0:
            result.busy = left
            return result
        # Every row left is locked by a running transaction (a new case, an erasure): let
        # it finish, then take it.
        waits_left -= 1
        await asyncio.sleep(0.05)
