# Helpers for the engine scripts (scripts/fleet/<engine>.sh), each of which starts with
#   set -euo pipefail
#   . "$(dirname "$0")/lib.sh"
# Sourcing it moves to the repository's root and reads engines.sh (FLEET_DIR). Then: where an
# engine's files are, whether its recorded process lives, stopping that process and only it, and
# running the subcommand the script was called with.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. scripts/fleet/engines.sh

# fleet_files ENGINE: sets PID_FILE, ENV_FILE, LOG and DATA (its data dir) under $FLEET_DIR
fleet_files() {
  PID_FILE="$FLEET_DIR/$1.pid"
  ENV_FILE="$FLEET_DIR/$1.env"
  LOG="$FLEET_DIR/$1.log"
  DATA="$FLEET_DIR/$1-data"
}

# fleet_running: true while the process recorded in $PID_FILE lives
fleet_running() { [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

# fleet_stop ENGINE [GRACE_SECONDS] [SIGNAL]: SIGNAL (default TERM) to the recorded process, KILL if
# it outlives the grace (default 10 s), then removes $PID_FILE and $ENV_FILE; succeeds when nothing
# was running
fleet_stop() {
  local engine=$1 grace=${2:-10} signal=${3:-TERM}
  if ! fleet_running; then
    echo "$engine: not running"
    rm -f "$PID_FILE" "$ENV_FILE"
    return
  fi
  local pid deadline
  pid=$(cat "$PID_FILE")
  kill -s "$signal" "$pid"
  deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
    # the port is free only once the process is gone
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    echo "$engine: killed after ${grace} s (pid $pid)"
  else
    echo "$engine: stopped (pid $pid)"
  fi
  rm -f "$PID_FILE" "$ENV_FILE"
}

# fleet_main SUBCOMMAND: runs the script's own install, up or down function
fleet_main() {
  case "${1:-}" in
    install | up | down) "$1" ;;
    *) echo "usage: $0 install|up|down" >&2; exit 2 ;;
  esac
}
