#!/usr/bin/env bash
# Installs what is missing (into .cache/, with install.sh), then starts every fleet engine on
# 127.0.0.1, each waited for until it answers. Each engine's script writes .cache/fleet/<engine>.env,
# which the fleet tests read.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/fleet/engines.sh
scripts/fleet/install.sh
for engine in "${FLEET_ENGINES[@]}"; do
  echo "== $engine: up"
  "scripts/fleet/$engine.sh" up
done
echo "fleet engines up: ${FLEET_ENGINES[*]} (connection settings in .cache/fleet/*.env)"
