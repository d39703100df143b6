#!/bin/sh
# Face verification pairs for `vigil eval faces` and test/integration/faces.test.ts, built from
# real photos that ship inside registry packages (nothing is committed: the photos' licences are
# their publishers'): face_recognition 1.3.0's test images (PyPI sdist, MIT: 3 photos of Obama,
# 2 crops of one of them, 1 of Biden) and @vladmandic/face-api 1.7.15's demo group photos (npm,
# MIT: 6 photos, ~20 different people). Writes .cache/faces/{images/,pairs.csv}.
set -eu
cd "$(dirname "$0")/.."
dest=.cache/faces
if [ -f "$dest/pairs.csv" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { echo "$2  $1" | sha256sum -c --quiet - || { echo "$1: unexpected sha256" >&2; exit 1; }; }
python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: face_recognition==1.3.0 -d "$tmp"
check "$tmp/face_recognition-1.3.0.tar.gz" 5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec
(cd "$tmp" && npm pack --silent @vladmandic/face-api@1.7.15 >/dev/null)
check "$tmp/vladmandic-face-api-1.7.15.tgz" 0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031
mkdir -p "$tmp/src"
tar xzf "$tmp/face_recognition-1.3.0.tar.gz" -C "$tmp/src" --strip-components=3 \
  face_recognition-1.3.0/tests/test_images/obama.jpg face_recognition-1.3.0/tests/test_images/obama2.jpg \
  face_recognition-1.3.0/tests/test_images/obama3.jpg face_recognition-1.3.0/tests/test_images/obama_partial_face.jpg \
  face_recognition-1.3.0/tests/test_images/obama_partial_face2.jpg face_recognition-1.3.0/tests/test_images/biden.jpg
tar xzf "$tmp/vladmandic-face-api-1.7.15.tgz" -C "$tmp/src" --strip-components=2 --wildcards 'package/demo/sample*.jpg'
npx tsx scripts/build-face-pairs.ts "$tmp/src" "$dest"
echo "face pairs in $dest"
