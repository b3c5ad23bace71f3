"""The fault harness's own broker and database, so that it may stop and restart them.

The Kafka broker on 9092 and the PostgreSQL cluster on 5433 are shared by every test run on
the machine and are never stopped here. The harness starts, once and idempotently, another
KRaft node from the same cached jars (``deploy/local/kafka.sh`` with its own ``KAFKA_STATE``
and ports) and another PostgreSQL cluster (``initdb`` / ``pg_ctl`` from Debian's server
binaries, data under ``.local/faults-postgres``), and stops both at the end.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from homeward_shared import provision

REPO = Path(__file__).resolve().parents[2]
LOCAL = REPO / ".local"
ADMIN_ROLE = "homeward"


async def _run(*argv: str, env: dict[str, str] | None = None, within: float = 180) -> str:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), within)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed ({proc.returncode}): {text[-2000:]}")
    return text


@dataclass
class OwnKafka:
    port: int = 19092
    controller_port: int = 19093
    state: Path = LOCAL / "faults-kafka"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        return {
            "KAFKA_STATE": str(self.state),
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            # A small node: the machine also runs the shared broker and other test runs.
            "KAFKA_HEAP_OPTS": "-Xmx512m -Xms256m",
        }

    async def up(self) -> None:
        await _run("bash", str(REPO / "deploy/local/kafka.sh"), "up", env=self._env())

    async def down(self) -> None:
        await _run("bash", str(REPO / "deploy/local/kafka.sh"), "down", env=self._env())

    async def restart(self) -> None:
        await self.down()
        await self.up()


def _pg_bin() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        raise RuntimeError("no PostgreSQL server binaries: run `make infra-up` once")
    return Path(found[-1]).parent


def _reachable_by_others(path: Path) -> bool:
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents] if p.exists())


def _pg_state() -> Path:
    """The cluster's directory. The server runs as Debian's ``postgres`` user, which must reach
    it: a clone under a private directory (``mktemp -d`` makes one 0700, as CI may) is out of
    its reach, so the cluster then lives in a fresh temporary directory, root's and 0755 (no
    other user can replace it), removed by ``down``."""
    local = LOCAL / "faults-postgres"
    if os.geteuid() != 0 or _reachable_by_others(REPO):
        return local
    parent = Path(tempfile.mkdtemp(prefix="homeward-faults-"))
    parent.chmod(0o755)
    return parent / "faults-postgres"


@dataclass
class OwnPostgres:
    port: int = 15433
    state: Path = field(default_factory=_pg_state)

    @property
    def data(self) -> Path:
        return self.state / "data"

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://{ADMIN_ROLE}:{ADMIN_ROLE}@127.0.0.1:{self.port}/{ADMIN_ROLE}"

    async def _as_postgres(self, tool: str, *args: str) -> str:
        # The server refuses to run as root: Debian's ``postgres`` user runs it.
        argv = [str(_pg_bin() / tool), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return await _run(*argv)

    async def _ctl(self, *args: str) -> str:
        return await self._as_postgres(
            "pg_ctl", "-D", str(self.data), "-l", str(self.state / "server.log"), *args
        )

    async def up(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.state, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            await self._as_postgres(
                "initdb", "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
                "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
            )  # fmt: skip
        await self.start()
        await self._provision_admin()

    async def start(self) -> None:
        if "server is running" not in await self._status():
            # fsync off: a throwaway cluster whose crashes are process crashes, not power cuts.
            opts = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 -c max_connections=200"
                f" -c unix_socket_directories={self.state} -c fsync=off"
            )
            await self._ctl("-w", "-t", "60", "-o", opts, "start")

    async def _status(self) -> str:
        try:
            return await self._ctl("status")
        except RuntimeError as e:
            return str(e)

    async def _provision_admin(self) -> None:
        sql = (
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ADMIN_ROLE}')"
            f" THEN CREATE ROLE {ADMIN_ROLE} LOGIN CREATEDB CREATEROLE"
            f" PASSWORD '{ADMIN_ROLE}'; END IF; END $$;"
        )
        await self._as_postgres("psql", "-X", "-q", "-h", str(self.state), "-p", str(self.port),
                                "-U", "postgres", "-d", "postgres", "-c", sql)  # fmt: skip
        conn = await asyncpg.connect(self.admin_dsn.rsplit("/", 1)[0] + "/postgres")
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", ADMIN_ROLE):
                await conn.execute(f"CREATE DATABASE {ADMIN_ROLE}")
        finally:
            await conn.close()

    async def stop(self, *, crash: bool) -> None:
        """``crash``: stop without a checkpoint (``-m immediate``), as a server that died
        would, so the next start replays the WAL; otherwise a fast (clean) shutdown."""
        await self._ctl("-w", "-t", "60", "-m", "immediate" if crash else "fast", "stop")

    async def down(self) -> None:
        if "server is running" in await self._status():
            await self._ctl("-w", "-t", "60", "-m", "fast", "stop")
        if not self.state.is_relative_to(LOCAL):
            shutil.rmtree(self.state.parent, ignore_errors=True)


async def provision_database(admin_dsn: str, database: str) -> None:
    await provision.provision(admin_dsn, database)
