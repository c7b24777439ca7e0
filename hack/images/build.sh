#!/usr/bin/env bash
# Builds the reproducible ucr test images and pushes them.
#
#   hack/images/build.sh [registry]        (default: $UCR_REG_OPEN or 127.0.0.1:5100)
#
# Pushes every ucr-test/* image plus public/busybox:1 and private/busybox:1
# (served through the bearer front on 5102) to the open registry, and
# ucr-test/busybox:1 to the basic-auth registry ($UCR_REG_BASIC, default
# 127.0.0.1:5101, user ucr / ucrpass; set UCR_REG_BASIC= to skip).
# When the open registry is hack/registry.sh's, ucr-test/bad-blob:1 is also
# made by overwriting one blob in its storage ($UCR_REG_DIR/open).
# Idempotent: blobs already present are skipped, manifests re-put unchanged.
# Prints "reference digest media-type" per pushed tag and writes the same as
# JSON to $UCR_REG_DIR/images.json.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=/usr/bin/python3
DIR="${UCR_REG_DIR:-/tmp/ucr-registry}"
OPEN_DEFAULT="${UCR_REG_OPEN:-127.0.0.1:5100}"
REG="${1:-$OPEN_DEFAULT}"
BASIC="${UCR_REG_BASIC-127.0.0.1:5101}"

args=(test-images --registry "$REG")
# bad-blob:1 needs write access to the registry's storage: only ours.
if [ "$REG" = "127.0.0.1:5100" ] && [ -d "$DIR/open/docker/registry/v2" -o -f "$DIR/open.yml" ]; then
  mkdir -p "$DIR"
  args+=(--storage "$DIR/open" --json "$DIR/images.json")
fi
"$PY" "$HERE/mkimage.py" "${args[@]}"

if [ -n "$BASIC" ]; then
  "$PY" "$HERE/mkimage.py" busybox --registry "$BASIC" --user ucr --password ucrpass \
    --repo ucr-test/busybox --tag 1
fi
