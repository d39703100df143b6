#!/usr/bin/env bash
# Fetches and builds every fleet engine that is missing from .cache/ (pinned versions), without
# starting any: CI runs it in the background, at low priority, while the embedded tests run.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/fleet/engines.sh
for engine in "${FLEET_ENGINES[@]}"; do
  echo "== $engine: install"
  "scripts/fleet/$engine.sh" install
done
