#!/usr/bin/env bash
# Redis for the fleet's cache port: Debian's redis-server (7.0.x), run by this script rather than the
# system service, on 127.0.0.1:16379 with a password generated at each `up`. The password lives only
# in files readable by their owner (the config and the env file, mode 600), never in a command line,
# where any local user could read it. Nothing is persisted: the cache is rebuilt from its sources.
#   install  apt-get install redis-server when redis-server is missing
#   up       start it, wait until it answers PING, write .cache/fleet/redis.{pid,env}
#   down     stop the recorded process and remove its pid and env files
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PORT=16379
fleet_files redis
CONF="$FLEET_DIR/redis.conf"

install() {
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
    echo "redis: $(redis-server --version | cut -d' ' -f3) already installed"
    return
  fi
  # the package's own service is not used (no init system starts it here; up.sh starts ours)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server redis-tools
}

up() {
  if fleet_running; then
    echo "redis: already up (pid $(cat "$PID_FILE"))"
    return
  fi
  mkdir -p "$FLEET_DIR"
  rm -rf "$DATA" && mkdir -p "$DATA"
  local password
  password=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
  (
    umask 077
    cat >"$CONF" <<EOF
bind 127.0.0.1
port $PORT
protected-mode yes
requirepass $password
daemonize no
dir $PWD/$DATA
save ""
appendonly no
# a cache: past its memory the keys closest to expiring anyway (counters, leases) go first; hashes
# without expiry (camera status) are kept
maxmemory 128mb
maxmemory-policy volatile-lru
loglevel notice
EOF
  )
  # setsid: the server outlives this shell and a Ctrl-C in the terminal that ran fleet:up
  setsid redis-server "$CONF" >>"$LOG" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PID_FILE"
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "redis: exited during start, see $LOG" >&2
      rm -f "$PID_FILE"
      exit 1
    fi
    # REDISCLI_AUTH keeps the password off redis-cli's command line
    if [[ "$(REDISCLI_AUTH="$password" redis-cli -h 127.0.0.1 -p "$PORT" --no-auth-warning ping 2>/dev/null)" == PONG ]]; then
      (umask 077 && echo "REDIS_URL=redis://:$password@127.0.0.1:$PORT" >"$ENV_FILE")
      echo "redis: up on 127.0.0.1:$PORT (pid $pid)"
      return
    fi
    sleep 0.2
  done
  echo "redis: no answer within 20 s, see $LOG" >&2
  down
  exit 1
}

down() { fleet_stop redis; }

fleet_main "$@"
