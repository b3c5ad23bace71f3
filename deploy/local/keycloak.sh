#!/usr/bin/env bash
# Local Keycloak, the identity provider people log in at (realm "homeward"), run from its
# distribution zip on Maven Central on the machine's Java (no Docker here), with its own
# database in the local PostgreSQL (postgres.sh's cluster) and the realm imported from
# deploy/keycloak/homeward-realm.json.
#
#   deploy/local/keycloak.sh up       fetch the zip (once per machine), unpack (once per clone),
#                                     make the database, start, wait until the realm answers
#   deploy/local/keycloak.sh down     stop the Keycloak this clone started
#   deploy/local/keycloak.sh status   exit 0 if the realm answers on the Keycloak port, 3 if not
#
# The realm file is the realm: when it changes (a hash of it and of the client secret),
# 'up' stops Keycloak, empties its database (local data only: sessions, nothing else) and
# imports the file again. Unchanged, a rerun with Keycloak up is a no-op.
#
# Why start-dev: it runs on plain HTTP on loopback and rebuilds itself when an option
# changes, with no separate build step to keep in step. 'kc.sh build' (19 s here) followed
# by 'start --optimized' started no faster on this machine (13 s, as start-dev does with
# its database made). Production runs 'start' on TLS (deploy/prod/compose.yaml). The
# database is PostgreSQL here too, not the development H2 file.
#
# Environment (all optional):
#   KEYCLOAK_PORT (8080), KEYCLOAK_VERSION (26.5.6), PGPORT (5433),
#   KEYCLOAK_WAIT_SECONDS (else HOMEWARD_WAIT_SECONDS, else 300),
#   HOMEWARD_CACHE (~/.cache/homeward: the zip, shared by every clone),
#   WEB_OIDC_CLIENT_SECRET (homeward-web-local-secret): the homeward-web client's secret,
#   KEYCLOAK_STATE (<repo>/.local/keycloak): the unpacked server, its logs and pid.
# Needs root for the database (runuser postgres, like postgres.sh) and PostgreSQL up.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
REALM_FILE="$REPO_ROOT/deploy/keycloak/homeward-realm.json"

KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.5.6}"
KEYCLOAK_PORT="${KEYCLOAK_PORT:-8080}"
PGPORT="${PGPORT:-5433}"
# A first start makes the schema and imports the realm: 32-40 s on a calm machine here,
# 75-110 s with its two cores shared by eight busy clones (load 12). Hence a longer bound
# than Kafka's.
WAIT_SECONDS="${KEYCLOAK_WAIT_SECONDS:-${HOMEWARD_WAIT_SECONDS:-300}}"
export WEB_OIDC_CLIENT_SECRET="${WEB_OIDC_CLIENT_SECRET:-homeward-web-local-secret}"

# Its own login role and database in the shared cluster; local credentials only.
DB_NAME=keycloak
DB_ROLE=keycloak
DB_PASSWORD=keycloak

CACHE_ROOT="${HOMEWARD_CACHE:-${HOME:?HOME is not set; set HOMEWARD_CACHE}/.cache/homeward}"
ZIP_DIR="$CACHE_ROOT/keycloak-$KEYCLOAK_VERSION"
ZIP="$ZIP_DIR/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"

STATE="${KEYCLOAK_STATE:-$REPO_ROOT/.local/keycloak}"
KC_HOME="$STATE/keycloak-$KEYCLOAK_VERSION"
LOGS="$STATE/logs"
PIDFILE="$STATE/keycloak.pid"
REALM_STAMP="$STATE/realm.sha256"       # the realm the database holds
IMPORTING="$STATE/realm.importing"      # the realm a fresh database is being given
ISSUER="http://127.0.0.1:$KEYCLOAK_PORT/realms/homeward"
# The pid file names kc.sh's shell (it runs the JVM as its child and forwards TERM to it;
# after a rebuild it execs a second JVM in its place, which carries PID_TAG). Either on
# the command line means the process is this clone's server, never a reused pid.
PID_TAG="-Dhomeward.keycloak.state=$STATE"
LAUNCHER="$KC_HOME/bin/kc.sh"

log() { echo "keycloak: $*"; }
die() { echo "keycloak: ERROR: $*" >&2; exit 1; }

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# The realm's discovery document answers only once the server is up and the realm imported.
realm_answers() {
  curl -fsS --max-time 3 "$ISSUER/.well-known/openid-configuration" 2>/dev/null |
    grep -qF "\"issuer\":\"$ISSUER\""
}

our_pid() {
  local pid
  [[ -f $PIDFILE ]] || return 1
  pid="$(<"$PIDFILE")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -e "$PID_TAG" -e "$LAUNCHER " || return 1
  echo "$pid"
}

ensure_tools() {
  local missing=()
  command -v java >/dev/null || missing+=(default-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v unzip >/dev/null || missing+=(unzip)
  command -v curl >/dev/null || missing+=(curl)
  if ((${#missing[@]})); then
    log "installing ${missing[*]} with apt-get..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The distribution zip from Maven Central into the shared cache, once per machine.
ensure_zip() {
  local tmp
  [[ -f $ZIP_DIR/.complete ]] && return 0
  mkdir -p "$ZIP_DIR"
  exec 9>"$ZIP_DIR.lock"
  flock -w 600 9 || die "timed out waiting for another fetch of the Keycloak zip"
  if [[ -f $ZIP_DIR/.complete ]]; then exec 9>&-; return 0; fi
  log "fetching keycloak-quarkus-dist $KEYCLOAK_VERSION with Maven into $ZIP_DIR (once per machine)..."
  tmp="$(mktemp -d "$ZIP_DIR/tmp.XXXXXX")"
  # The plugin version is pinned, as deploy/local/pom.xml pins it for Kafka's jars.
  if ! mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
      -DoutputDirectory="$tmp" >"$tmp.mvn.log" 2>&1; then
    cat "$tmp.mvn.log" >&2
    rm -rf "$tmp" "$tmp.mvn.log"
    die "mvn could not fetch the Keycloak distribution (is Maven Central reachable?)"
  fi
  rm -f "$tmp.mvn.log"
  mv "$tmp/$(basename "$ZIP")" "$ZIP"
  rmdir "$tmp"
  touch "$ZIP_DIR/.complete"
  exec 9>&-
}

# Unpacked per clone: Keycloak writes its build and data under its own home.
ensure_unpacked() {
  local tmp
  [[ -f $KC_HOME/.complete ]] && return 0
  mkdir -p "$STATE"
  tmp="$(mktemp -d "$STATE/unpack.XXXXXX")"
  unzip -q "$ZIP" -d "$tmp"
  rm -rf "$KC_HOME"
  mv "$tmp/keycloak-$KEYCLOAK_VERSION" "$KC_HOME"
  rmdir "$tmp"
  touch "$KC_HOME/.complete"
}

# What the database must hold: the realm file as imported with this secret.
realm_hash() {
  { cat "$REALM_FILE"; echo "$WEB_OIDC_CLIENT_SECRET"; } | sha256sum | cut -d' ' -f1
}

psql_admin() {
  (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PGPORT" -d postgres)
}

# Role and database, made if missing; with "fresh", the database is dropped first.
provision_db() {
  ((EUID == 0)) || die "making Keycloak's database needs root (runuser postgres), as postgres.sh does"
  pg_isready -q -h 127.0.0.1 -p "$PGPORT" ||
    die "PostgreSQL does not answer on 127.0.0.1:$PGPORT: run deploy/local/postgres.sh up first"
  local drop=""
  [[ ${1:-} == fresh ]] && drop="DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE);"
  psql_admin <<EOF
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_ROLE') THEN CREATE ROLE $DB_ROLE; END IF;
END \$\$;
ALTER ROLE $DB_ROLE WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$DB_PASSWORD';
$drop
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_ROLE' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME') \gexec
REVOKE ALL ON DATABASE $DB_NAME FROM PUBLIC;
EOF
}

start_server() {
  mkdir -p "$LOGS" "$KC_HOME/data/import"
  cp "$REALM_FILE" "$KC_HOME/data/import/homeward-realm.json"
  [[ -f $LOGS/keycloak.log ]] && mv -f "$LOGS/keycloak.log" "$LOGS/keycloak.log.prev"
  # Local-only credentials: the master realm's admin (admin console at
  # http://127.0.0.1:$KEYCLOAK_PORT/admin) and the database role.
  # shellcheck disable=SC2016
  KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin \
  KC_DB=postgres KC_DB_URL="jdbc:postgresql://127.0.0.1:$PGPORT/$DB_NAME" \
  KC_DB_USERNAME="$DB_ROLE" KC_DB_PASSWORD="$DB_PASSWORD" \
  JAVA_OPTS_KC_HEAP="-Xms64m -Xmx512m" JAVA_OPTS_APPEND="$PID_TAG" \
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
    bash "$LAUNCHER" start-dev \
      --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" \
      --hostname="http://127.0.0.1:$KEYCLOAK_PORT" \
      --import-realm \
      --log=file --log-file="$LOGS/keycloak.log" \
    </dev/null >>"$LOGS/keycloak.out" 2>&1 8>&- 9>&- &
}

wait_ready() {
  local started=$SECONDS pid=""
  while ((SECONDS - started < WAIT_SECONDS)); do
    if ! pid="$(our_pid)"; then
      # kc.sh execs java from the launcher; give it a few seconds to appear.
      if ((SECONDS - started >= 10)); then
        tail -n 30 "$LOGS/keycloak.log" "$LOGS/keycloak.out" >&2 2>/dev/null || true
        die "Keycloak exited during startup (see above)"
      fi
    elif realm_answers; then
      log "ready: realm homeward at $ISSUER (pid $pid, Keycloak $KEYCLOAK_VERSION, waited $((SECONDS - started))s)"
      return 0
    fi
    sleep 0.5
  done
  tail -n 30 "$LOGS/keycloak.log" >&2 2>/dev/null || true
  die "Keycloak is not ready after ${WAIT_SECONDS}s (pid ${pid:-?}): see $LOGS/keycloak.log; stop it with: $0 down"
}

stop_server() {
  local pid="$1" deadline
  log "stopping Keycloak (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 30))
  while our_pid >/dev/null && ((SECONDS < deadline)); do sleep 0.3; done
  if our_pid >/dev/null; then
    log "no clean shutdown after 30s: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while our_pid >/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    our_pid >/dev/null && die "pid $pid survived SIGKILL"
  fi
  rm -f "$PIDFILE"
}

cmd_up() {
  local pid want
  mkdir -p "$STATE"
  exec 8>"$STATE/.up.lock"
  flock -w "$WAIT_SECONDS" 8 || die "another '$0 up' held the lock for ${WAIT_SECONDS}s"
  [[ -f $REALM_FILE ]] || die "no realm file at $REALM_FILE"
  want="$(realm_hash)"
  if pid="$(our_pid)"; then
    if [[ -f $REALM_STAMP && "$(<"$REALM_STAMP")" == "$want" ]]; then
      if realm_answers; then
        log "already running: realm homeward at $ISSUER (pid $pid)"
        return 0
      fi
      log "started earlier (pid $pid) but the realm does not answer yet: waiting"
      wait_ready
      return 0
    fi
    if [[ -f $IMPORTING && "$(<"$IMPORTING")" == "$want" ]]; then
      # An earlier 'up' gave up waiting on this very import: let it finish.
      log "still importing this realm (pid $pid): waiting"
      wait_ready
      mv -f "$IMPORTING" "$REALM_STAMP"
      return 0
    fi
    log "the realm file changed since it was imported: restarting with a fresh import"
    stop_server "$pid"
  elif port_open "$KEYCLOAK_PORT"; then
    if realm_answers; then
      log "a Keycloak not started by this clone serves the realm at $ISSUER: using it (its realm is not re-imported from here)"
      return 0
    fi
    die "127.0.0.1:$KEYCLOAK_PORT is taken by something that is not this realm's Keycloak; set KEYCLOAK_PORT"
  fi

  ensure_tools
  ensure_zip
  ensure_unpacked
  if [[ -f $REALM_STAMP && "$(<"$REALM_STAMP")" == "$want" ]]; then
    provision_db
  else
    # --import-realm skips a realm that exists: an empty database makes the file the realm.
    # (An import cut short leaves no stamp, so the next 'up' starts it over, fresh.)
    log "importing the realm from ${REALM_FILE#"$REPO_ROOT"/} into a fresh database '$DB_NAME'"
    rm -f "$REALM_STAMP"
    provision_db fresh
    echo "$want" >"$IMPORTING"
  fi
  log "starting Keycloak $KEYCLOAK_VERSION (start-dev, logs in $LOGS)"
  start_server
  wait_ready
  if [[ -f $IMPORTING ]]; then mv -f "$IMPORTING" "$REALM_STAMP"; fi
}

cmd_down() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PIDFILE"
    if port_open "$KEYCLOAK_PORT"; then
      log "not started by this clone; whatever answers on 127.0.0.1:$KEYCLOAK_PORT is left alone"
    else
      log "not running"
    fi
    return 0
  fi
  stop_server "$pid"
  log "stopped"
}

cmd_status() {
  local pid
  if realm_answers; then
    if pid="$(our_pid)"; then
      log "up: realm homeward at $ISSUER (pid $pid, Keycloak $KEYCLOAK_VERSION)"
    else
      log "up: realm homeward at $ISSUER (not started by this clone)"
    fi
    return 0
  fi
  if pid="$(our_pid)"; then
    log "process $pid is alive but the realm does not answer (starting or stuck?)"
    return 3
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
