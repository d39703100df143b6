#!/usr/bin/env bash
# Stops exactly the engines scripts/fleet/up.sh started (each script stops only the process it recorded).
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/fleet/engines.sh
status=0
for engine in "${FLEET_ENGINES[@]}"; do
  "scripts/fleet/$engine.sh" down || status=1
done
exit $status
