"""Personal fields encrypted at rest under a data key per case (envelope encryption).

Each case has a random 256-bit data key, stored only wrapped (AES-GCM) by the service's
master key. A field is sealed with AES-GCM under the case key, with the case id and the
field name as associated data, so a ciphertext moved to another case or field fails to open.
Destroying a case's wrapped key makes all her sealed fields unreadable, backups included.
"""

from __future__ import annotations

import hashlib
import os
import uuid

import asyncpg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"
_NONCE = 12


class KeyDestroyed(Exception):
    """The case's data key was destroyed (erasure): her personal data is gone."""


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

    def unwrap(self, case_id: uuid.UUID, wrapped: bytes) -> bytes:
        nonce = wrapped[1 : 1 + _NONCE]
        return self._aead.decrypt(nonce, wrapped[1 + _NONCE :], case_id.bytes)


def seal_with(data_key: bytes, case_id: uuid.UUID, field: str, value: str) -> bytes:
    nonce = os.urandom(_NONCE)
    aad = case_id.bytes + field.encode()
    return _VERSION + nonce + AESGCM(data_key).encrypt(nonce, value.encode(), aad)


def open_with(data_key: bytes, case_id: uuid.UUID, field: str, blob: bytes) -> str:
    aad = case_id.bytes + field.encode()
    return AESGCM(data_key).decrypt(blob[1 : 1 + _NONCE], blob[1 + _NONCE :], aad).decode()


class Vault:
    """Seals and opens personal fields inside one unit of work's transaction."""

    def __init__(self, conn: asyncpg.Connection, schema: str, master: MasterKey) -> None:
        self._conn = conn
        self._schema = schema
        self._master = master
        self._keys: dict[uuid.UUID, bytes] = {}

    async def _key(self, case_id: uuid.UUID, *, create: bool) -> bytes:
        if case_id in self._keys:
            return self._keys[case_id]
        row = await self._conn.fetchrow(
            f"SELECT wrapped_key, destroyed_at FROM {self._schema}.case_keys WHERE case_id = $1",
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
            key = self._master.unwrap(case_id, bytes(row["wrapped_key"]))
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
