#!/usr/bin/env bash
# Run a throw-away PostgreSQL test server from the machine's PostgreSQL install
# (Debian package `postgresql`), in a data directory of your choice.
#
# Usage:
#   scripts/postgres.sh start [--data-dir DIR] [--port P]
#       initdb DIR if it is empty (trust auth, superuser `postgres`, UTF8),
#       start the server on 127.0.0.1:P only (unix socket in DIR), wait until
#       it accepts connections, and print its URL as the last line of stdout:
#         postgresql://postgres@127.0.0.1:P/postgres
#       A server already running from DIR on the same port is reused.
#       Durability is off (fsync, synchronous_commit, full_page_writes): test
#       data only.
#   scripts/postgres.sh stop [--data-dir DIR]
#       pg_ctl stop -m fast. Idempotent.
#
# Defaults: --data-dir var/postgres (relative to the repo root), --port 5432.
# Environment: PG_BINDIR overrides the PostgreSQL bin directory.
# As root the server runs as the `postgres` user (PostgreSQL refuses root):
# DIR is chowned to it, and parent directories it cannot traverse get o+x.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PG_USER_OS="postgres"    # OS account used when invoked as root
START_TIMEOUT=60

log() { echo "postgres.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Run a command as the OS user that owns the cluster.
as_pg() {
  if is_root; then
    # cd /: the postgres user may not be able to read the caller's cwd.
    (cd / && runuser -u "$PG_USER_OS" -- "$@")
  else
    "$@"
  fi
}

find_bindir() {
  local d cand=()
  if [[ -n "${PG_BINDIR:-}" ]]; then
    cand+=("$PG_BINDIR")
  fi
  if command -v pg_config >/dev/null 2>&1; then
    d="$(pg_config --bindir 2>/dev/null || true)"
    [[ -n "$d" ]] && cand+=("$d")
  fi
  # Debian layout: /usr/lib/postgresql/<major>/bin, newest first.
  while IFS= read -r d; do
    cand+=("$d")
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r)
  if command -v initdb >/dev/null 2>&1; then
    cand+=("$(dirname "$(command -v initdb)")")
  fi
  for d in "${cand[@]}"; do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/pg_isready" ]]; then
      echo "$d"
      return 0
    fi
  done
  die "PostgreSQL server binaries not found (install the 'postgresql' package, or set PG_BINDIR)"
}

parse_args() {
  DATA_DIR="var/postgres"; PORT=5432
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --data-dir) DATA_DIR="${2:?--data-dir needs a value}"; shift 2 ;;
      --data-dir=*) DATA_DIR="${1#*=}"; shift ;;
      --port) PORT="${2:?--port needs a value}"; shift 2 ;;
      --port=*) PORT="${1#*=}"; shift ;;
      -h|--help) usage; exit 0 ;;
      *) die "unexpected argument $1" ;;
    esac
  done
  [[ "$PORT" =~ ^[0-9]+$ ]] || die "--port must be a number"
}

port_open() {  # port_open HOST PORT
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# As root: make DIR owned by the postgres user and reachable by it.
prepare_dir_as_root() {
  local dir="$1" d
  id "$PG_USER_OS" >/dev/null 2>&1 || die "OS user '$PG_USER_OS' does not exist (it comes with the postgresql package)"
  if [[ "$(stat -c %U "$dir")" != "$PG_USER_OS" ]]; then
    chown -R "$PG_USER_OS:" "$dir"
  fi
  # Every ancestor must be traversable (x) by the postgres user; mktemp -d
  # folders are 0700 root, for example. Grant search only (o+x), not listing.
  d="$(dirname "$dir")"
  while :; do
    if ! runuser -u "$PG_USER_OS" -- test -x "$d" 2>/dev/null; then
      log "granting o+x on $d so the '$PG_USER_OS' user can reach $dir"
      chmod o+x "$d"
    fi
    [[ "$d" == "/" ]] && break
    d="$(dirname "$d")"
  done
}

# Port the running postmaster of DIR listens on (line 4 of postmaster.pid).
running_port() { sed -n '4p' "$DATA_DIR/postmaster.pid" 2>/dev/null || true; }

is_running() {
  [[ -f "$DATA_DIR/PG_VERSION" ]] || return 1
  as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1
}

sql_quote() { printf "'%s'" "${1//\'/\'\'}"; }

wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2; then
      return 0
    fi
    sleep 0.2
  done
  log "server not ready after ${START_TIMEOUT}s; last lines of $DATA_DIR/postgres.log:"
  tail -n 30 "$DATA_DIR/postgres.log" >&2 2>/dev/null || true
  return 1
}

cmd_start() {
  parse_args "$@"
  BINDIR="$(find_bindir)"
  mkdir -p "$DATA_DIR"
  DATA_DIR="$(cd "$DATA_DIR" && pwd)"
  # Unix socket paths are limited to 107 bytes: DIR/.s.PGSQL.<port>
  local sock="$DATA_DIR/.s.PGSQL.$PORT"
  ((${#sock} <= 107)) || die "data dir path too long for a unix socket ($sock); use a shorter --data-dir"
  local url="postgresql://postgres@127.0.0.1:$PORT/postgres"

  if is_root; then
    prepare_dir_as_root "$DATA_DIR"
  fi

  if is_running; then
    local rp
    rp="$(running_port)"
    if [[ -n "$rp" && "$rp" != "$PORT" ]]; then
      die "a server from $DATA_DIR is already running on port $rp (not $PORT); stop it first"
    fi
    log "server from $DATA_DIR already running"
    wait_ready || exit 1
    echo "$url"
    return 0
  fi

  if [[ ! -f "$DATA_DIR/PG_VERSION" ]]; then
    if [[ -n "$(ls -A "$DATA_DIR")" ]]; then
      die "$DATA_DIR is neither empty nor a PostgreSQL data directory"
    fi
    local locale_opt="C"
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
      locale_opt="C.UTF-8"
    fi
    log "initdb $DATA_DIR ($("$BINDIR/pg_ctl" --version))"
    local out
    if ! out="$(as_pg "$BINDIR/initdb" -D "$DATA_DIR" -U postgres --auth=trust \
                  --encoding=UTF8 --locale="$locale_opt" --no-sync 2>&1)"; then
      echo "$out" >&2
      die "initdb failed"
    fi
    # Our settings live in aigov.conf, rewritten on every start.
    echo "include_if_exists = 'aigov.conf'" | as_pg tee -a "$DATA_DIR/postgresql.conf" >/dev/null
  fi
  chmod 700 "$DATA_DIR"

  port_open 127.0.0.1 "$PORT" && die "port $PORT on 127.0.0.1 is already in use"

  as_pg tee "$DATA_DIR/aigov.conf" >/dev/null <<EOF
# Written by scripts/postgres.sh on every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = $(sql_quote "$DATA_DIR")
# Test server: no durability.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

  if ! as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -l "$DATA_DIR/postgres.log" -w -t "$START_TIMEOUT" start >/dev/null; then
    log "pg_ctl start failed; last lines of $DATA_DIR/postgres.log:"
    tail -n 30 "$DATA_DIR/postgres.log" >&2 2>/dev/null || true
    exit 1
  fi
  wait_ready || exit 1
  log "ready on 127.0.0.1:$PORT (data $DATA_DIR)"
  echo "$url"
}

cmd_stop() {
  parse_args "$@"
  if [[ ! -f "$DATA_DIR/PG_VERSION" ]]; then
    log "no PostgreSQL data dir at $DATA_DIR; nothing to stop"
    return 0
  fi
  DATA_DIR="$(cd "$DATA_DIR" && pwd)"
  BINDIR="$(find_bindir)"
  if ! is_running; then
    log "no server running from $DATA_DIR"
    return 0
  fi
  as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -m fast -w -t 60 stop >/dev/null
  log "stopped server from $DATA_DIR"
}

[[ $# -gt 0 ]] || { usage; exit 2; }
sub="$1"; shift
case "$sub" in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  -h|--help|help) usage ;;
  *) log "unknown subcommand: $sub"; usage; exit 2 ;;
esac
