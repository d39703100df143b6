#!/bin/sh
# py-motmetrics' public test sequences (TUD-Campus, TUD-Stadtmitte: ground truth and a tracker's
# output, MIT licence) with the metric values its test suite publishes: the cross-check of
# `vigil eval track` (test/integration/eval.test.ts). Needs python3 with pip; only downloads the
# pinned wheel (no install) and extracts its data folder into .cache/motmetrics/.
set -eu
cd "$(dirname "$0")/.."
dest=.cache/motmetrics
if [ -f "$dest/TUD-Stadtmitte/test.txt" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: motmetrics==1.4.0 -d "$tmp"
python3 - "$tmp/motmetrics-1.4.0-py3-none-any.whl" "$dest" <<'PY'
import hashlib, os, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
expected = "cd4d691bd787360f1cd0a2127fe8a14d0646fb2912b344a9498719e132b25738"
digest = hashlib.sha256(open(wheel, "rb").read()).hexdigest()
if digest != expected:
    sys.exit(f"{wheel}: sha256 {digest}, expected {expected}")
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith("motmetrics/data/TUD-"):
            target = os.path.join(dest, name[len("motmetrics/data/"):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as out:
                out.write(z.read(name))
PY
echo "py-motmetrics test sequences in $dest"
