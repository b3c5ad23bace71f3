#!/usr/bin/env bash
# Local PostgreSQL for development and tests, from Debian's packages (no Docker here).
# Uses a dedicated Debian cluster named "homeward", so it neither depends on nor
# disturbs the machine's default "main" cluster. The cluster is machine-wide: every
# clone of the repo shares it.
#
#   deploy/local/postgres.sh up       install (if needed), create + configure cluster, start, create roles/schemas
#   deploy/local/postgres.sh down     stop the cluster
#   deploy/local/postgres.sh status   exit 0 if it accepts connections, 3 if not
#
# Environment (optional): PGPORT (5433), HOMEWARD_WAIT_SECONDS (90).
# Must run as root (apt-get, pg_createcluster, runuser).
set -euo pipefail

PGPORT="${PGPORT:-5433}"
WAIT_SECONDS="${HOMEWARD_WAIT_SECONDS:-90}"
CLUSTER=homeward

# The one list of services: each gets login role homeward_<name> (password = role name)
# owning schema <name> in database homeward, and no rights on the other schemas.
SERVICES=(intake investigation recovery reintegration dashboard web)

# Main app role: owns database homeward; CREATEDB/CREATEROLE let the test suite make
# throwaway databases and roles.
APP_ROLE=homeward
APP_PASSWORD=homeward
APP_DB=homeward

log() { echo "postgres: $*"; }
die() { echo "postgres: ERROR: $*" >&2; exit 1; }

installed_versions() {
  local bin
  for bin in /usr/lib/postgresql/*/bin/postgres; do
    [[ -x $bin ]] && basename "$(dirname "$(dirname "$bin")")"
  done | sort -n
}

ensure_installed() {
  if command -v pg_ctlcluster >/dev/null && [[ -n "$(installed_versions)" ]]; then
    return 0
  fi
  ((EUID == 0)) || die "PostgreSQL is not installed and installing it needs root"
  log "PostgreSQL server not found: installing Debian's postgresql package..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  [[ -n "$(installed_versions)" ]] || die "apt-get installed postgresql but no server binary was found"
}

# Version of the existing homeward cluster, else the newest server installed.
cluster_version() {
  local ver
  ver="$(pg_lsclusters -h 2>/dev/null | awk -v c="$CLUSTER" '$2 == c { print $1; exit }')"
  [[ -n $ver ]] || ver="$(installed_versions | tail -n 1)"
  echo "$ver"
}

cluster_exists() { pg_lsclusters -h 2>/dev/null | awk -v c="$CLUSTER" '$2 == c { f = 1 } END { exit !f }'; }
cluster_running() { pg_ctlcluster "$VER" "$CLUSTER" status >/dev/null 2>&1; }

# Writes stdin to $1 only when the content differs; returns 0 if it changed the file.
write_if_changed() {
  local tmp
  tmp="$(mktemp)"
  cat >"$tmp"
  if [[ -f $1 ]] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; return 1; fi
  cat "$tmp" >"$1" # keeps the file's owner and mode
  rm -f "$tmp"
}

# Returns 0 if something changed that needs a restart.
configure_cluster() {
  local restart=1 confdir="/etc/postgresql/$VER/$CLUSTER"
  # The port stays in postgresql.conf, where Debian's tools (pg_lsclusters...) read it.
  if [[ "$(pg_conftool -s "$VER" "$CLUSTER" show port 2>/dev/null || true)" != "$PGPORT" ]]; then
    pg_conftool "$VER" "$CLUSTER" set port "$PGPORT"
    restart=0
  fi

  # The rest goes in our own conf.d file (included after postgresql.conf, so it wins).
  # Not pg_conftool: it writes 127.0.0.1 unquoted (it takes it for a number), which
  # PostgreSQL then rejects as a syntax error.
  mkdir -p "$confdir/conf.d"
  if write_if_changed "$confdir/conf.d/homeward.conf" <<'EOF'; then
# Managed by deploy/local/postgres.sh: edits are overwritten by the next 'up'.
listen_addresses = '127.0.0.1'
max_connections = 300
password_encryption = 'scram-sha-256'
EOF
    chown postgres:postgres "$confdir/conf.d/homeward.conf"
    log "wrote $confdir/conf.d/homeward.conf"
    restart=0
  fi

  # We own this cluster's pg_hba.conf whole: peer for local admin via the Unix
  # socket, scram passwords over TCP from loopback only.
  if write_if_changed "$confdir/pg_hba.conf" <<'EOF'; then
# Managed by deploy/local/postgres.sh: edits are overwritten by the next 'up'.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 peer
host    all       all   127.0.0.1/32  scram-sha-256
host    all       all   ::1/128       scram-sha-256
EOF
    log "wrote $confdir/pg_hba.conf"
    if cluster_running; then pg_ctlcluster "$VER" "$CLUSTER" reload; fi
  fi
  return "$restart"
}

wait_ready() {
  local started=$SECONDS
  until pg_isready -q -h 127.0.0.1 -p "$PGPORT"; do
    if ((SECONDS - started >= WAIT_SECONDS)); then
      tail -n 20 "/var/log/postgresql/postgresql-$VER-$CLUSTER.log" >&2 2>/dev/null || true
      die "PostgreSQL is not accepting connections on 127.0.0.1:$PGPORT after ${WAIT_SECONDS}s"
    fi
    sleep 0.5
  done
}

# Runs SQL from stdin as the postgres superuser over the Unix socket (peer auth).
psql_admin() {
  (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PGPORT" -d "$1")
}

# Creates or corrects roles, database, schemas. Every statement is safe to repeat.
provision() {
  local svc role sql
  sql="$(cat <<EOF
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_ROLE') THEN CREATE ROLE $APP_ROLE; END IF;
END \$\$;
ALTER ROLE $APP_ROLE WITH LOGIN CREATEDB CREATEROLE PASSWORD '$APP_PASSWORD';
EOF
)"
  for svc in "${SERVICES[@]}"; do
    role="homeward_$svc"
    sql+="$(printf '\n%s' \
      "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN CREATE ROLE $role; END IF; END \$\$;" \
      "ALTER ROLE $role WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$role';")"
  done
  # CREATE DATABASE cannot run inside DO: \gexec runs it only when it is missing.
  sql+="
SELECT 'CREATE DATABASE $APP_DB OWNER $APP_ROLE' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$APP_DB') \\gexec
ALTER DATABASE $APP_DB OWNER TO $APP_ROLE;"
  psql_admin postgres <<<"$sql"

  # Inside the app database: nobody creates in public; one schema per service, owned
  # by its role (owners have full rights; others get none by default).
  sql="SET client_min_messages = warning; -- no 'already exists, skipping' notices
REVOKE CREATE ON SCHEMA public FROM PUBLIC;"
  for svc in "${SERVICES[@]}"; do
    role="homeward_$svc"
    sql+="
CREATE SCHEMA IF NOT EXISTS $svc AUTHORIZATION $role;
ALTER SCHEMA $svc OWNER TO $role;
REVOKE ALL ON SCHEMA $svc FROM PUBLIC;
-- Unqualified table names land in the service's own schema.
ALTER ROLE $role IN DATABASE $APP_DB SET search_path = $svc, public;"
  done
  psql_admin "$APP_DB" <<<"$sql"
}

cmd_up() {
  local restart=1
  # The cluster is machine-wide: concurrent 'up's (several clones, parallel test
  # runners) take turns, so only one creates or configures it.
  exec 8>"${TMPDIR:-/tmp}/homeward-postgres-up.lock"
  flock -w "$WAIT_SECONDS" 8 || die "another '$0 up' held the lock for ${WAIT_SECONDS}s"
  ensure_installed
  VER="$(cluster_version)"
  if ! cluster_exists; then
    log "creating cluster $VER/$CLUSTER on port $PGPORT"
    # Explicit UTF-8 locale: with an unset/C locale initdb would pick SQL_ASCII.
    LC_ALL=C.UTF-8 pg_createcluster --locale C.UTF-8 -p "$PGPORT" "$VER" "$CLUSTER" >/dev/null
  fi
  configure_cluster && restart=0

  if ! cluster_running; then
    log "starting cluster $VER/$CLUSTER"
    # 8>&-: the server must not inherit (and so hold forever) the 'up' lock.
    pg_ctlcluster "$VER" "$CLUSTER" start 8>&-
  elif ((restart == 0)); then
    log "restarting cluster $VER/$CLUSTER to apply settings"
    pg_ctlcluster "$VER" "$CLUSTER" restart 8>&-
  fi
  wait_ready
  provision
  log "ready on 127.0.0.1:$PGPORT (PostgreSQL $VER, cluster $CLUSTER)"
  echo "DATABASE_URL=postgresql://$APP_ROLE:$APP_PASSWORD@127.0.0.1:$PGPORT/$APP_DB"
}

cmd_down() {
  command -v pg_lsclusters >/dev/null || { log "not installed"; return 0; }
  VER="$(cluster_version)"
  if ! cluster_exists; then log "cluster $CLUSTER does not exist"; return 0; fi
  if ! cluster_running; then log "not running"; return 0; fi
  log "stopping cluster $VER/$CLUSTER"
  # fast mode: disconnect clients instead of waiting for them; -t bounds the wait.
  pg_ctlcluster -m fast "$VER" "$CLUSTER" stop -- -t "$WAIT_SECONDS"
  log "stopped"
}

cmd_status() {
  command -v pg_lsclusters >/dev/null || { log "not installed"; return 3; }
  VER="$(cluster_version)"
  if ! cluster_exists; then log "cluster $CLUSTER does not exist"; return 3; fi
  if pg_isready -q -h 127.0.0.1 -p "$PGPORT"; then
    log "up on 127.0.0.1:$PGPORT (PostgreSQL $VER, cluster $CLUSTER)"
    return 0
  fi
  log "down"
  return 3
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 {up|down|status}" >&2; exit 2 ;;
esac
