#!/usr/bin/env bash
# Local infrastructure for Homeward: PostgreSQL (postgres.sh), Kafka (kafka.sh) and the
# identity provider, Keycloak (keycloak.sh), whose database is in that PostgreSQL.
#
#   deploy/local/infra.sh up       start all three, wait until each is ready
#   deploy/local/infra.sh down     stop all three
#   deploy/local/infra.sh status   exit 0 only if all three are up
#
# Each script's environment variables apply (PGPORT, KAFKA_PORT, ...).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Runs "<script> <cmd>", each output line prefixed by the script's name.
# pipefail makes the pipeline's status the script's own.
run_prefixed() {
  bash "$SCRIPT_DIR/$1.sh" "$2" 2>&1 | sed -u "s/^/[$1] /"
}

# Kafka beside PostgreSQL-then-Keycloak: a first Kafka run spends its time in Maven,
# Postgres in apt/initdb, Keycloak in its download and first start; Keycloak needs the
# database up first.
run_all_up() {
  local pg kafka rc=0
  { run_prefixed postgres up && run_prefixed keycloak up; } &
  pg=$!
  run_prefixed kafka up &
  kafka=$!
  wait "$pg" || { rc=$?; echo "[infra] postgres or keycloak up failed (exit $rc)" >&2; }
  wait "$kafka" || { rc=$?; echo "[infra] kafka up failed (exit $rc)" >&2; }
  return "$rc"
}

run_all_down() {
  local pg rc=0
  # Keycloak first: it holds connections to PostgreSQL.
  run_prefixed keycloak down || rc=$?
  run_prefixed postgres down &
  pg=$!
  run_prefixed kafka down || rc=$?
  wait "$pg" || rc=$?
  return "$rc"
}

case "${1:-}" in
  up)
    started=$SECONDS
    run_all_up
    echo "[infra] up in $((SECONDS - started))s"
    ;;
  down)
    run_all_down
    ;;
  status)
    rc=0
    bash "$SCRIPT_DIR/postgres.sh" status || rc=$?
    bash "$SCRIPT_DIR/kafka.sh" status || rc=$?
    bash "$SCRIPT_DIR/keycloak.sh" status || rc=$?
    exit "$rc"
    ;;
  *)
    echo "usage: $0 {up|down|status}" >&2
    exit 2
    ;;
esac
