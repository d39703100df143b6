#!/usr/bin/env bash
# S3 for the fleet's objects port: SeaweedFS (`weed mini`: master, volume, filer and S3 gateway in one
# process), built from the Go module proxy at a pinned version, on 127.0.0.1:18333. An access key and
# secret are generated at each `up` and given to the gateway in an identities file, so every request
# must carry a valid SigV4 signature. The secret lives only in files readable by their owner (the
# identities file and the env file, mode 600), never in a command line, where any local user could
# read it. Data is fresh on each `up`: tests create buckets under a prefix of their own.
#   install  build .cache/bin/weed from scripts/fleet/seaweedfs/ (skipped when the binary is there)
#   up       start it, wait until a signed request is answered, write .cache/fleet/s3.{pid,env}
#   down     stop the recorded process and remove its pid and env files
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PORT=18333
REGION=us-east-1
WEED=.cache/bin/weed
fleet_files s3
IDENTITIES="$FLEET_DIR/s3-identities.json"
# the Go release SeaweedFS's go.mod asks for (or newer); fetched from the module proxy when missing
GO_TOOLCHAIN=go1.26.8

# A go command of 1.21 or later (it fetches the toolchain SeaweedFS needs itself). Debian's golang-go
# is older, so with only that one the toolchain is fetched as the module it is published as.
go_command() {
  if command -v go >/dev/null && go env GOVERSION | grep -qE '^go1\.(2[1-9]|[3-9][0-9])'; then
    echo go
    return
  fi
  command -v go >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go ca-certificates >&2
  local module="golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.linux-$(go env GOARCH)" dir
  dir=$(cd /tmp && GO111MODULE=on go mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  # module zips carry no file modes: make the toolchain's programs executable again
  chmod +x "$dir"/bin/* "$dir"/pkg/tool/*/*
  echo "$dir/bin/go"
}

install() {
  if [[ -x "$WEED" ]]; then
    echo "s3: $("$WEED" version 2>/dev/null | head -1) already built"
    return
  fi
  local go started=$SECONDS
  go=$(go_command)
  mkdir -p "$(dirname "$WEED")"
  echo "s3: building SeaweedFS weed (several minutes on a busy machine)"
  (cd scripts/fleet/seaweedfs && GOTOOLCHAIN=auto GOFLAGS=-mod=readonly "$go" build -trimpath -ldflags='-s -w' -o "$PWD/../../../$WEED.tmp" github.com/seaweedfs/seaweedfs/weed)
  mv "$WEED.tmp" "$WEED"
  echo "s3: built $WEED in $((SECONDS - started)) s"
}

# Exits 0 when the gateway answers a signed ListBuckets with 200. curl reads the credentials from
# its config on stdin, so they stay off its command line.
answers_signed() {
  printf 'user = "%s:%s"\n' "$1" "$2" | curl -sf -o /dev/null -K - --max-time 2 \
    --aws-sigv4 "aws:amz:$REGION:s3" "http://127.0.0.1:$PORT/"
}

up() {
  if fleet_running; then
    echo "s3: already up (pid $(cat "$PID_FILE"))"
    return
  fi
  [[ -x "$WEED" ]] || { echo "s3: $WEED missing: run $0 install" >&2; exit 1; }
  mkdir -p "$FLEET_DIR"
  rm -rf "$DATA" && mkdir -p "$DATA"
  local key secret
  key="VIGIL$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n' | tr 'a-f' 'A-F')"
  secret=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
  (
    umask 077
    cat >"$IDENTITIES" <<EOF
{"identities": [{"name": "vigil", "credentials": [{"accessKey": "$key", "secretKey": "$secret"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
EOF
  )
  # only what the objects port needs: no WebDAV, admin UI, Iceberg or Lance endpoints, no telemetry;
  # setsid: the server outlives this shell and a Ctrl-C in the terminal that ran fleet:up
  setsid "$WEED" mini -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$PWD/$DATA" \
    -s3.port="$PORT" -s3.config="$PWD/$IDENTITIES" \
    -webdav=false -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false \
    >>"$LOG" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PID_FILE"
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "s3: exited during start, see $LOG" >&2
      rm -f "$PID_FILE"
      exit 1
    fi
    if answers_signed "$key" "$secret"; then
      (umask 077 && printf 'S3_ENDPOINT=http://127.0.0.1:%s\nS3_REGION=%s\nS3_ACCESS_KEY_ID=%s\nS3_SECRET_ACCESS_KEY=%s\n' "$PORT" "$REGION" "$key" "$secret" >"$ENV_FILE")
      echo "s3: SeaweedFS up on 127.0.0.1:$PORT (pid $pid)"
      return
    fi
    sleep 0.2
  done
  echo "s3: no signed answer within 60 s, see $LOG" >&2
  down
  exit 1
}

down() { fleet_stop s3 15; }

fleet_main "$@"
