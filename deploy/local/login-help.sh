#!/usr/bin/env bash
# What `make run` prints before it starts the services: the one address to open and the
# local users, read from the realm file Keycloak imported (so the list cannot drift).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python3 - "$ROOT/deploy/keycloak/homeward-realm.json" "${HOMEWARD_PORT_BASE:-8000}" \
  "${KEYCLOAK_PORT:-8080}" <<'PY'
import json
import sys

realm_file, port_base, kc_port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
realm = json.load(open(realm_file))
print()
print(f"  Homeward: open http://127.0.0.1:{port_base} and log in as one of these local users")
print(f"  (password for all: homeward; local realm only). Keycloak: http://127.0.0.1:{kc_port}")
for user in realm["users"]:
    roles = ", ".join(user["realmRoles"])
    centres = user.get("attributes", {}).get("centres", [])
    where = f"  centres {', '.join(centres)}" if centres else ""
    print(f"    {user['username']:<16} {roles}{where}")
print("  Tools and make demo: `homeward token mint` tokens (the local key) are accepted too.")
print()
PY
