#!/usr/bin/env bash
# Local infrastructure for Homeward: PostgreSQL (postgres.sh) and Kafka (kafka.sh).
#
#   deploy/local/infra.sh up       start both (concurrently), wait until both are ready
#   deploy/local/infra.sh down     stop both
#   deploy/local/infra.sh status   exit 0 only if both are up
#
# Each script's environment variables apply (PGPORT, KAFKA_PORT, ...).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Runs "<script> <cmd>", each output line prefixed by the script's name.
# pipefail makes the pipeline's status the script's own.
run_prefixed() {
  bash "$SCRIPT_DIR/$1.sh" "$2" 2>&1 | sed -u "s/^/[$1] /"
}

# Both at once: a first Kafka run spends its time in Maven, Postgres in apt/initdb.
run_both() {
  local pg kafka rc=0
  run_prefixed postgres "$1" &
  pg=$!
  run_prefixed kafka "$1" &
  kafka=$!
  wait "$pg" || { rc=$?; echo "[infra] postgres $1 failed (exit $rc)" >&2; }
  wait "$kafka" || { rc=$?; echo "[infra] kafka $1 failed (exit $rc)" >&2; }
  return "$rc"
}

case "${1:-}" in
  up)
    started=$SECONDS
    run_both up
    echo "[infra] up in $((SECONDS - started))s"
    ;;
  down)
    run_both down
    ;;
  status)
    rc=0
    bash "$SCRIPT_DIR/postgres.sh" status || rc=$?
    bash "$SCRIPT_DIR/kafka.sh" status || rc=$?
    exit "$rc"
    ;;
  *)
    echo "usage: $0 {up|down|status}" >&2
    exit 2
    ;;
esac
